package io.tally.ledger.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.avro.internal.AccountSnapshot;
import io.tally.avro.internal.HoldSnapshot;
import io.tally.avro.internal.IdempotencyRecord;
import io.tally.core.AccountState;
import io.tally.core.Decision;
import io.tally.core.Hold;
import io.tally.core.Ledger;
import io.tally.core.LedgerCommand;
import io.tally.core.LedgerEvent;
import io.tally.core.RejectionCode;
import io.tally.core.RequestContext;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.codec.EventCodec;
import io.tally.schemas.codec.RequestCodec;
import io.tally.schemas.codec.ResultCodec;
import io.tally.schemas.codec.StateCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides each request of one account partition against the account's state, exactly once: the
 * events it appends, the outcome it publishes and the state and idempotency-store updates it makes
 * are all in the stream task's Kafka transaction ({@code exactly_once_v2}), so a crash at any point
 * neither loses an accepted event nor appends one twice (DESIGN.md, Idempotency and ordering).
 *
 * <p>For each record: {@link RequestIntake} refuses what may not be decided (undecodable, too large,
 * of a type its topic may not carry, mis-keyed, an id outside the grammar, malformed) into the DLQ
 * with the reason, and a refused request with a readable request id also gets a REJECTED result; a
 * known idempotency key with the
 * same request hash gets the stored outcome again ({@code replayed = true}, nothing appended); with
 * a different hash, IDEMPOTENCY_KEY_REUSED (not stored, so the original stays); otherwise
 * {@link Ledger#decide} decides and the outcome is stored under the key.
 *
 * <p>Serializes its outputs itself (everything downstream is bytes), so that a DLQ record can be
 * copied byte for byte. Not thread-safe: one instance per stream task, as Kafka Streams uses it.
 */
final class DecideProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    private static final Logger log = LoggerFactory.getLogger(DecideProcessor.class);
    /** How often stream time is checked against hold expiries. */
    static final Duration EXPIRY_INTERVAL = Duration.ofSeconds(1);

    private final LedgerTopics topics;
    private final RequestIntake intake;
    private final Duration idempotencyRetention;
    private final MeterRegistry metrics;
    private final Timer decideTimer;
    /** Request counters by outcome and code: a registry lookup builds tags and hashes them, every time. */
    private final Map<String, Counter> counters = new HashMap<>();
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, AccountSnapshot> accounts;
    private KeyValueStore<String, HoldSnapshot> holds;
    private KeyValueStore<String, Long> charges;
    private KeyValueStore<String, IdempotencyRecord> idempotency;
    private KeyValueStore<String, String> expiries;

    DecideProcessor(LedgerTopics topics, MeterRegistry metrics, Duration idempotencyRetention) {
        this.topics = topics;
        this.intake = new RequestIntake(topics);
        this.idempotencyRetention = idempotencyRetention;
        this.metrics = metrics;
        this.decideTimer = Timer.builder("tally.ledger.decide").description("time to decide one request")
                .register(metrics);
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.accounts = context.getStateStore(DecideTopology.ACCOUNT_STORE);
        this.holds = context.getStateStore(DecideTopology.HOLD_STORE);
        this.charges = context.getStateStore(DecideTopology.CHARGE_STORE);
        this.idempotency = context.getStateStore(DecideTopology.IDEMPOTENCY_STORE);
        this.expiries = context.getStateStore(DecideTopology.EXPIRY_STORE);
        context.schedule(EXPIRY_INTERVAL, PunctuationType.STREAM_TIME, this::expireHolds);
        if (idempotencyRetention != null) {
            Duration every = idempotencyRetention.dividedBy(10).compareTo(Duration.ofMinutes(1)) < 0
                    ? idempotencyRetention.dividedBy(10) : Duration.ofMinutes(1);
            context.schedule(every.isZero() ? Duration.ofMillis(1) : every, PunctuationType.WALL_CLOCK_TIME,
                    this::forgetOldKeys);
        }
    }

    /**
     * Deletes the idempotency keys decided more than the retention ago (wall-clock time: retention is
     * a promise to callers in real time). A full scan of the task's store; fine for the key counts a
     * retention is meant to bound.
     */
    private void forgetOldKeys(long nowMs) {
        long cutoffMs = nowMs - idempotencyRetention.toMillis();
        List<String> old = new ArrayList<>();
        try (KeyValueIterator<String, IdempotencyRecord> it = idempotency.all()) {
            it.forEachRemaining(kv -> {
                if (kv.value.getOutcome().getDecidedAtMs() < cutoffMs) {
                    old.add(kv.key);
                }
            });
        }
        old.forEach(idempotency::delete);
        if (!old.isEmpty()) {
            log.info("forgot {} idempotency keys decided before {}", old.size(), cutoffMs);
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        long startNs = System.nanoTime();
        RecordMetadata source = context.recordMetadata().orElseThrow();
        RequestIntake.Read read = intake.read(source.topic(), record.key(), record.value());
        if (read instanceof RequestIntake.Refused refused) {
            deadLetter(record, refused.reason(), refused.detail());
            if (refused.request() != null) {
                publish(record, ResultCodec.rejected(refused.request(), refused.code(), refused.detail(),
                        context.currentSystemTimeMs()));
            }
            return;
        }
        RequestIntake.Decidable decidable = (RequestIntake.Decidable) read;
        decide(record, decidable.request(), decidable.command());
        decideTimer.record(System.nanoTime() - startNs, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private void decide(Record<byte[], byte[]> record, LedgerRequest request, LedgerCommand command) {
        String idempotencyStoreKey = idempotencyStoreKey(request.getAccountId(), request.getIdempotencyKey(),
                command.origin());
        byte[] hash = RequestCodec.requestHash(request);
        IdempotencyRecord seen = seen(idempotencyStoreKey, request, command.origin(), hash);
        long nowMs = context.currentSystemTimeMs();
        if (seen != null) {
            if (Arrays.equals(bytes(seen.getRequestHash()), hash)) {
                count("replayed", seen.getOutcome().getRejectionCode());
                publish(record, ResultCodec.replayed(seen.getOutcome(), request));
            } else {
                count("rejected", RejectionCode.IDEMPOTENCY_KEY_REUSED.name());
                publish(record, ResultCodec.rejected(request, RejectionCode.IDEMPOTENCY_KEY_REUSED,
                        "idempotency key '" + request.getIdempotencyKey() + "' was used for a different request ("
                                + seen.getOutcome().getRequestId() + ")", nowMs));
            }
            return;
        }
        AccountState state = load(command);
        Decision decision = Ledger.decide(state, command,
                new RequestContext(request.getRequestId(), request.getIdempotencyKey(), nowMs));
        LedgerResult result;
        if (decision instanceof Decision.Accepted accepted) {
            append(state, accepted.events(), request.getReference(), record.timestamp());
            result = ResultCodec.accepted(request, accepted.events(), nowMs);
            count("accepted", null);
        } else {
            Decision.Rejected rejected = (Decision.Rejected) decision;
            result = ResultCodec.rejected(request, rejected.code(), rejected.message(), nowMs);
            count("rejected", rejected.code().name());
            if (command instanceof LedgerCommand.ReceiveTransfer refused) {
                // The payee refused: the payer gets the money back, in this same transaction.
                sendTransfer(RequestCodec.returnTransfer(refused.transferId(), refused.payerAccountId(),
                        refused.currencyCode(), refused.accountId(), refused.amountMinor(), rejected.code().name(), nowMs),
                        record.timestamp());
            } else if (command instanceof LedgerCommand.ReturnTransfer lost) {
                // Cannot happen while the payer exists and its balance does not overflow; if it does, say so loudly.
                log.error("the return of transfer {} to {} was refused ({}): {} minor units need an operator",
                        lost.transferId(), lost.accountId(), rejected.code(), lost.amountMinor());
                count("transfer-return-refused", rejected.code().name());
            }
        }
        idempotency.put(idempotencyStoreKey, IdempotencyRecord.newBuilder()
                .setRequestHash(ByteBuffer.wrap(hash)).setOutcome(result).build());
        publish(record, result);
    }

    /**
     * The stored outcome of the request's idempotency key, or {@code null} if it was not seen. An
     * internal or operator key decided before keys had namespaces is looked up under its plain form
     * too, but honoured only for the same request: a public request can no longer occupy such a key,
     * and one that did before must not block the internal request it imitates.
     */
    private IdempotencyRecord seen(String storeKey, LedgerRequest request, LedgerCommand.Origin origin, byte[] hash) {
        IdempotencyRecord seen = idempotency.get(storeKey);
        if (seen != null || origin == LedgerCommand.Origin.PUBLIC) {
            return seen;
        }
        IdempotencyRecord legacy = idempotency.get(AccountScopedKey.of(request.getAccountId(), request.getIdempotencyKey()));
        return legacy != null && Arrays.equals(bytes(legacy.getRequestHash()), hash) ? legacy : null;
    }

    /**
     * The state {@link Ledger#decide} needs for {@code command}: the account's balance and version
     * and, of its holds and charges, only the one the command names (a hold for a place, capture,
     * release or expiry; a charge for a refund), if it exists; {@code null} if the account does not
     * exist. Decide looks holds and charges up only by the id the command names, so this partial
     * state decides exactly as the whole one would (HOLD_EXISTS, HOLD_NOT_FOUND vs HOLD_CLOSED,
     * CHARGE_NOT_FOUND vs AMOUNT_EXCEEDS_REFUNDABLE), and locked needs no sum of holds: it is in the
     * balance. A snapshot of the older format, holds and charges inside, is split first.
     */
    private AccountState load(LedgerCommand command) {
        String accountId = command.accountId();
        AccountState state = StateCodec.fromSnapshot(accounts.get(accountId));
        if (state == null) {
            return null;
        }
        if (!state.holds().isEmpty() || !state.refundableByCharge().isEmpty()) {
            moveOutOfSnapshot(state);
        }
        Map<String, Hold> named = Map.of();
        if (command.holdId() != null) {
            Hold hold = StateCodec.fromHoldSnapshot(holds.get(AccountScopedKey.of(accountId, command.holdId())));
            named = hold == null ? Map.of() : Map.of(command.holdId(), hold);
        }
        Map<String, Long> refundable = Map.of();
        if (command.chargeId() != null) {
            Long remaining = charges.get(AccountScopedKey.of(accountId, command.chargeId()));
            refundable = remaining == null ? Map.of() : Map.of(command.chargeId(), remaining);
        }
        return new AccountState(state.accountId(), state.currency(), state.overdraftLimitMinor(), state.balance(),
                state.version(), named, refundable);
    }

    /**
     * Moves the holds and charges of a snapshot written before they had stores of their own into
     * those stores, and rewrites the snapshot without them: once per account, in the task's
     * transaction like any other write.
     */
    private void moveOutOfSnapshot(AccountState old) {
        old.holds().values().forEach(h -> holds.put(AccountScopedKey.of(old.accountId(), h.holdId()),
                StateCodec.toHoldSnapshot(h)));
        old.refundableByCharge().forEach((chargeId, remaining) ->
                charges.put(AccountScopedKey.of(old.accountId(), chargeId), remaining));
        accounts.put(old.accountId(), StateCodec.toSnapshot(old));
        log.info("account {}: {} holds and {} charges moved out of its snapshot into their stores",
                old.accountId(), old.holds().size(), old.refundableByCharge().size());
    }

    /**
     * Appends accepted events, updates the account's state (its snapshot, and the hold or charge an
     * event changed), indexes hold expiries, and sends the payee's side of any money that leaves to
     * another account (DESIGN.md, Idempotency and ordering).
     */
    private void append(AccountState state, List<LedgerEvent> events, String reference, long timestampMs) {
        for (LedgerEvent event : events) {
            state = Ledger.evolve(state, event);
            byte[] value = topics.events().encode(EventCodec.toAvro(event, state.currency(), reference));
            context.forward(new Record<>(utf8(state.accountId()), value, timestampMs, new RecordHeaders()),
                    DecideTopology.EVENTS_SINK);
            String transferId = event.header().eventId();
            long nowMs = event.header().acceptedAtMs();
            storeChangedEntry(state, event);
            if (event instanceof LedgerEvent.HoldPlaced placed && placed.expiresAtMs() != null) {
                expiries.put(HoldExpiries.key(placed.expiresAtMs(), state.accountId(), placed.holdId()),
                        HoldExpiries.value(state.accountId(), placed.holdId()));
            } else if (event instanceof LedgerEvent.TransferSent sent) {
                sendTransfer(RequestCodec.receiveTransfer(transferId, sent.payeeAccountId(), state.currency().code(),
                        state.accountId(), sent.amountMinor(), nowMs), timestampMs);
            } else if (event instanceof LedgerEvent.HoldCaptured captured && captured.payeeAccountId() != null) {
                sendTransfer(RequestCodec.receiveTransfer(transferId, captured.payeeAccountId(), state.currency().code(),
                        state.accountId(), captured.amountMinor(), nowMs), timestampMs);
            }
        }
        accounts.put(state.accountId(), StateCodec.toSnapshot(state));
    }

    /** Writes the hold or charge that {@code event} changed, as it is in {@code after}. */
    private void storeChangedEntry(AccountState after, LedgerEvent event) {
        if (event.holdId() != null) {
            holds.put(AccountScopedKey.of(after.accountId(), event.holdId()),
                    StateCodec.toHoldSnapshot(after.holds().get(event.holdId())));
        }
        if (event.chargeId() != null) {
            charges.put(AccountScopedKey.of(after.accountId(), event.chargeId()),
                    after.refundableByCharge().get(event.chargeId()));
        }
    }

    /** Sends an internal request to the other account's partition through the transfer topic. */
    private void sendTransfer(LedgerRequest request, long timestampMs) {
        byte[] value = topics.transfers().encode(request);
        context.forward(new Record<>(utf8(request.getAccountId()), value, timestampMs, new RecordHeaders()),
                DecideTopology.TRANSFERS_SINK);
    }

    /**
     * Releases the remainder of every hold whose expiry stream time has passed (a punctuator: time
     * comes from the records, never from the wall clock, so a replay expires the same holds).
     */
    private void expireHolds(long streamTimeMs) {
        List<KeyValue<String, String>> due = new ArrayList<>();
        try (KeyValueIterator<String, String> it = expiries.range(HoldExpiries.from(), HoldExpiries.until(streamTimeMs))) {
            it.forEachRemaining(due::add);
        }
        for (KeyValue<String, String> entry : due) {
            expiries.delete(entry.key);
            String[] accountAndHold = HoldExpiries.parseValue(entry.value);
            LedgerCommand.ExpireHold expire = new LedgerCommand.ExpireHold(accountAndHold[0], accountAndHold[1],
                    streamTimeMs);
            AccountState state = load(expire);
            String id = "expire:" + accountAndHold[1];
            Decision decision = Ledger.decide(state, expire, new RequestContext(id, id, context.currentSystemTimeMs()));
            if (decision instanceof Decision.Accepted accepted) {
                append(state, accepted.events(), null, streamTimeMs);
                count("hold-expired", null);
            } // else the hold was captured or released in full before it expired: nothing to do
        }
    }

    private void publish(Record<byte[], byte[]> cause, LedgerResult result) {
        byte[] value = topics.results().encode(result);
        context.forward(new Record<>(utf8(result.getRequestId()), value, cause.timestamp(), new RecordHeaders()),
                DecideTopology.RESULTS_SINK);
    }

    private void deadLetter(Record<byte[], byte[]> record, DeadLetters.Reason reason, String detail) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        log.warn("request at {}-{}@{} sent to the DLQ: {}: {}", source.topic(), source.partition(), source.offset(),
                reason, detail);
        count("dead-lettered", reason.name());
        context.forward(DeadLetters.of(record, reason, detail, source.topic(), source.partition(), source.offset()),
                DecideTopology.DLQ_SINK);
    }

    private void count(String outcome, String code) {
        String tag = code == null ? "none" : code;
        counters.computeIfAbsent(outcome + "/" + tag,
                k -> metrics.counter("tally.ledger.requests", "outcome", outcome, "code", tag)).increment();
    }

    /**
     * The idempotency store's key: scoped to the account (requests are partitioned by account, so
     * the store of one task sees all keys of its accounts), length-prefixed so that no pair of ids
     * can collide, and scoped to who may send the request: an internal key ({@code receive:<transfer>})
     * or an operator's ({@code reconcile:...}) lives under {@code internal/} or {@code operator/}, which
     * no public key can spell ({@code /} is outside the key grammar), so an upstream service cannot
     * take the key of a transfer's payee side before it arrives and make it bounce (DESIGN.md, Trust
     * boundaries). Public keys keep the form they always had.
     */
    static String idempotencyStoreKey(String accountId, String idempotencyKey, LedgerCommand.Origin origin) {
        return switch (origin) {
            case PUBLIC -> AccountScopedKey.of(accountId, idempotencyKey);
            case OPERATOR -> AccountScopedKey.of(accountId, "operator/" + idempotencyKey);
            case INTERNAL -> AccountScopedKey.of(accountId, "internal/" + idempotencyKey);
        };
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
