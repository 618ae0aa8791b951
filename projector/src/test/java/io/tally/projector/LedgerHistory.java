package io.tally.projector;

import io.tally.core.AccountState;
import io.tally.core.Currency;
import io.tally.core.Decision;
import io.tally.core.Ledger;
import io.tally.core.LedgerCommand;
import io.tally.core.LedgerEvent;
import io.tally.core.RequestContext;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.Topic;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.EventCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Real ledger events for tests, decided by the core's {@link Ledger#decide} and evolved with
 * {@link Ledger#evolve}, in their wire form. Time starts at a fixed instant and moves 1 s per event.
 *
 * <p>Not thread-safe.
 */
public final class LedgerHistory {
    private final Map<String, AccountState> accounts = new HashMap<>();
    private final List<io.tally.avro.LedgerEvent> events = new ArrayList<>();
    private long clockMs = 1_700_000_000_000L;
    private int requests;

    /** The opening event of {@code accountId}, in {@code currency}, with no overdraft. */
    public io.tally.avro.LedgerEvent open(String accountId, Currency currency) {
        return decide(new LedgerCommand.OpenAccount(accountId, currency, 0));
    }

    /** A credit of {@code amountMinor} to {@code accountId}. */
    public io.tally.avro.LedgerEvent credit(String accountId, long amountMinor) {
        return decide(new LedgerCommand.Credit(accountId, accounts.get(accountId).currency().code(), amountMinor));
    }

    /** A charge of {@code amountMinor} to {@code accountId}. */
    public io.tally.avro.LedgerEvent charge(String accountId, long amountMinor) {
        return decide(new LedgerCommand.Charge(accountId, accounts.get(accountId).currency().code(), amountMinor));
    }

    /** A hold of {@code amountMinor} placed on {@code accountId}, expiring at {@code expiresAtMs} (or never). */
    public io.tally.avro.LedgerEvent placeHold(String accountId, String holdId, long amountMinor, Long expiresAtMs) {
        return decide(new LedgerCommand.PlaceHold(accountId, currency(accountId), holdId, amountMinor, expiresAtMs));
    }

    /** A capture of {@code amountMinor} from a hold, paying nobody. */
    public io.tally.avro.LedgerEvent capture(String accountId, String holdId, long amountMinor) {
        return decide(new LedgerCommand.CaptureHold(accountId, currency(accountId), holdId, amountMinor, null));
    }

    /** A release of {@code amountMinor} of a hold, or of its remainder when {@code null}. */
    public io.tally.avro.LedgerEvent release(String accountId, String holdId, Long amountMinor) {
        return decide(new LedgerCommand.ReleaseHold(accountId, currency(accountId), holdId, amountMinor));
    }

    /** The expiry of a hold's remainder at {@code nowMs}. */
    public io.tally.avro.LedgerEvent expire(String accountId, String holdId, long nowMs) {
        return decide(new LedgerCommand.ExpireHold(accountId, holdId, nowMs));
    }

    /** A correction of {@code field} by {@code deltaMinor}. */
    public io.tally.avro.LedgerEvent correct(String accountId, io.tally.core.BalanceField field, long deltaMinor) {
        return decide(new LedgerCommand.Correct(accountId, currency(accountId), field, deltaMinor, "run-1", "test"));
    }

    /** The acceptance time the next event will get, epoch ms. */
    public long nextAcceptedAtMs() {
        return clockMs + 1_000;
    }

    private String currency(String accountId) {
        return accounts.get(accountId).currency().code();
    }

    /** Every event decided so far, in order. */
    public List<io.tally.avro.LedgerEvent> events() {
        return List.copyOf(events);
    }

    private io.tally.avro.LedgerEvent decide(LedgerCommand command) {
        requests++;
        clockMs += 1_000;
        RequestContext context = new RequestContext("req-" + requests, "key-" + requests, clockMs);
        AccountState state = accounts.get(command.accountId());
        Decision decision = Ledger.decide(state, command, context);
        if (!(decision instanceof Decision.Accepted accepted) || accepted.events().size() != 1) {
            throw new AssertionError("test history rejected: " + decision);
        }
        LedgerEvent event = accepted.events().get(0);
        AccountState after = Ledger.evolve(state, event);
        accounts.put(command.accountId(), after);
        io.tally.avro.LedgerEvent wire = EventCodec.toAvro(event, after.currency(), null);
        events.add(wire);
        return wire;
    }

    /** A producer of ledger events in their wire form: idempotent, acknowledged by all replicas. */
    public static KafkaProducer<String, io.tally.avro.LedgerEvent> producer(String bootstrapServers) {
        return producer(bootstrapServers, ValueSerdes.singleObject().events().serializer());
    }

    private static KafkaProducer<String, io.tally.avro.LedgerEvent> producer(String bootstrapServers,
            Serializer<io.tally.avro.LedgerEvent> values) {
        return new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                LedgerTopics.keySerde().serializer(), values);
    }

    /**
     * Appends {@code events} to {@code topic} in order, keyed by account, each acknowledged by all
     * replicas before the next is sent.
     */
    public static void append(String bootstrapServers, String topic, List<io.tally.avro.LedgerEvent> events)
            throws Exception {
        try (KafkaProducer<String, io.tally.avro.LedgerEvent> producer = producer(bootstrapServers)) {
            send(producer, topic, events);
        }
    }

    /** As {@link #append(String, String, List)}, in {@code topic}'s own encoding (single-object or Confluent). */
    public static void append(String bootstrapServers, Topic<String, io.tally.avro.LedgerEvent> topic,
            List<io.tally.avro.LedgerEvent> events) throws Exception {
        try (KafkaProducer<String, io.tally.avro.LedgerEvent> producer =
                producer(bootstrapServers, topic.valueSerde().serializer())) {
            send(producer, topic.name(), events);
        }
    }

    private static void send(KafkaProducer<String, io.tally.avro.LedgerEvent> producer, String topic,
            List<io.tally.avro.LedgerEvent> events) throws Exception {
        for (io.tally.avro.LedgerEvent e : events) {
            producer.send(new ProducerRecord<>(topic, e.getAccountId(), e)).get();
        }
    }
}
