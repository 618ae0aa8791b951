package io.tally.ledger.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.tally.avro.internal.AccountSnapshot;
import io.tally.avro.internal.HoldSnapshot;
import io.tally.avro.internal.IdempotencyRecord;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.SingleObjectSerde;
import java.time.Duration;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The write side's topology: {@code ledger.requests} → decide → {@code ledger.events},
 * {@code ledger.results}, {@code ledger.requests.dlq} (and {@code ledger.transfers} → decide for the
 * payee's side of money between accounts, {@code ledger.operator-requests} → decide for the
 * reconciler's corrections; each source topic may carry only its own request types,
 * {@link RequestIntake}), with five state stores (all changelogged, so they
 * survive restarts and rebalances): {@value #ACCOUNT_STORE} (account id → balance, version, settings),
 * {@value #HOLD_STORE} (account + hold id → the hold, open or closed), {@value #CHARGE_STORE}
 * (account + charge event id → what may still be refunded), {@value #IDEMPOTENCY_STORE} (account +
 * idempotency key → request hash and outcome; kept forever unless a retention is set) and
 * {@value #EXPIRY_STORE} (holds due to expire). Holds and charges are stores of their own so that a
 * request reads and writes only the entries it names, whatever the account's history (DESIGN.md,
 * Write-side state).
 *
 * <p>No store is record-cached: with many accounts nearly every write is to a key not written since
 * the last commit, and the cache cost a quarter of the stream thread for writes it could rarely merge
 * (measured with 100,000 accounts; {@code ./tally bench write} runs that workload).
 *
 * <p>Built by one pure function from names, as in Kafka's own streams examples.
 */
public final class DecideTopology {
    /** Account id → {@link AccountSnapshot}. */
    public static final String ACCOUNT_STORE = "accounts";
    /** Account and hold id ({@link AccountScopedKey}) → {@link HoldSnapshot}. */
    public static final String HOLD_STORE = "account-holds";
    /** Account and charge event id ({@link AccountScopedKey}) → refundable remainder, minor units. */
    public static final String CHARGE_STORE = "account-charges";
    /** Account and idempotency key → {@link IdempotencyRecord}. */
    public static final String IDEMPOTENCY_STORE = "idempotency";
    /** Expiry time, account and hold → account and hold: the holds to release when stream time passes. */
    public static final String EXPIRY_STORE = "hold-expiries";
    static final String SOURCE = "requests-source";
    static final String TRANSFERS_SOURCE = "transfers-source";
    static final String OPERATOR_SOURCE = "operator-requests-source";
    static final String TRANSFERS_SINK = "transfers-sink";
    static final String DECIDE = "decide";
    static final String EVENTS_SINK = "events-sink";
    static final String RESULTS_SINK = "results-sink";
    static final String DLQ_SINK = "dlq-sink";

    private DecideTopology() {}

    /** Builds the topology with idempotency keys kept forever. */
    public static Topology buildTopology(LedgerTopics topics, MeterRegistry metrics) {
        return buildTopology(topics, metrics, null);
    }

    /** Builds the topology without a commit pacer (commits on {@code commit.interval.ms}). */
    public static Topology buildTopology(LedgerTopics topics, MeterRegistry metrics, Duration idempotencyRetention) {
        return buildTopology(topics, metrics, idempotencyRetention, null);
    }

    /**
     * Builds the topology.
     *
     * @param topics the topics, in the configured value encoding: requests are decoded, events, results
     *     and the payee's side of transfers encoded in it (the stores are internal and stay single-object)
     * @param metrics where request counters and the decide timer go
     * @param idempotencyRetention how long keys are remembered, {@code null} for forever
     * @param commitGap the least time between two commits a caught-up task asks for ({@link CommitPacer}),
     *     {@code null} to commit on {@code commit.interval.ms} only
     */
    public static Topology buildTopology(LedgerTopics topics, MeterRegistry metrics, Duration idempotencyRetention,
            Duration commitGap) {
        Topology topology = new Topology();
        // Bytes in: a record that cannot be decoded must reach the DLQ as it came, not stop the partition.
        topology.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.requests().name());
        // The payee's side of a transfer arrives on the internal transfer topic, co-partitioned with
        // the requests, into the same processor and stores: one writer per account, whatever the source.
        topology.addSource(TRANSFERS_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.transfers().name());
        // The operator's requests (the reconciler's corrections) have a topic of their own, so that an ACL can
        // keep them from upstream services; same processor and stores again.
        topology.addSource(OPERATOR_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                topics.operatorRequests().name());
        topology.addProcessor(DECIDE, () -> new DecideProcessor(topics, metrics, idempotencyRetention, commitGap),
                SOURCE, TRANSFERS_SOURCE, OPERATOR_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ACCOUNT_STORE),
                Serdes.String(), SingleObjectSerde.of(AccountSnapshot.class)), DECIDE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(HOLD_STORE),
                Serdes.String(), SingleObjectSerde.of(HoldSnapshot.class)), DECIDE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CHARGE_STORE),
                Serdes.String(), Serdes.Long()), DECIDE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(IDEMPOTENCY_STORE),
                Serdes.String(), SingleObjectSerde.of(IdempotencyRecord.class)), DECIDE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(EXPIRY_STORE),
                Serdes.String(), Serdes.String()), DECIDE);
        topology.addSink(TRANSFERS_SINK, topics.transfers().name(), new ByteArraySerializer(), new ByteArraySerializer(), DECIDE);
        topology.addSink(EVENTS_SINK, topics.events().name(), new ByteArraySerializer(), new ByteArraySerializer(), DECIDE);
        topology.addSink(RESULTS_SINK, topics.results().name(), new ByteArraySerializer(), new ByteArraySerializer(), DECIDE);
        topology.addSink(DLQ_SINK, topics.requestsDlq().name(), new ByteArraySerializer(), new ByteArraySerializer(), DECIDE);
        return topology;
    }
}
