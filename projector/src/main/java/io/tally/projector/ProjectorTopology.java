package io.tally.projector;

import io.micrometer.core.instrument.MeterRegistry;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.ValueSerdes;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The projector's topology: {@code ledger.events} → balance projection → {@code ledger.balances}.
 *
 * <pre>
 *   ledger-events (source, key account id, value io.tally.avro.LedgerEvent)
 *     → project-balances (processor; stores "balances" and "flagged-accounts")
 *     → ledger-balances (sink, key account id, value io.tally.avro.AccountBalance)
 * </pre>
 *
 * <p>Each event is offered to {@link io.tally.core.BalanceProjection#apply} against the account's
 * stored balance, so an event is applied only when it is the account's next version:
 * <ul>
 *   <li>next version: the new balance is stored and published; counter
 *       {@value #APPLIED_COUNTER}. If it differs from the writer's {@code balanceAfter}, the
 *       projector keeps its own evolution and counts an integrity error
 *       ({@value #INTEGRITY_COUNTER}, tag {@code reason=balance_mismatch});</li>
 *   <li>an old version (replay, duplicate): dropped; counter {@value #DUPLICATE_COUNTER};</li>
 *   <li>a later version than the next (gap): not applied, logged at ERROR, counter
 *       {@value #GAP_COUNTER}, and the account is flagged in {@link #FLAGGED_STORE};</li>
 *   <li>an event the codec cannot map (unknown type, missing field), whose key is not its
 *       account, or whose application overflows: not applied, logged at ERROR with the event id,
 *       counter {@value #INTEGRITY_COUNTER}, account flagged when it lacks that version.</li>
 * </ul>
 * Other accounts are never held up by one account's errors.
 *
 * <p>Flagging: {@link #FLAGGED_STORE} maps an account id to the highest version the projection
 * knows it is missing; the flag is removed when the account's projection reaches that version (the
 * missing events arrived and the later one was delivered again, e.g. by a replay). A store rather
 * than a gauge so that flags survive restarts (it is changelogged) and can be queried per account.
 *
 * <p>Records on {@code ledger.events} that cannot be deserialized at all never reach the
 * processor; {@code ProjectorApp} configures Kafka's {@code LogAndContinueExceptionHandler} for
 * them, so a corrupt record is logged and skipped instead of crash-looping the partition.
 *
 * <p>Thread-safe: stateless builder.
 */
public final class ProjectorTopology {
    /** The account balance store: account id → {@code io.tally.avro.AccountBalance}; changelogged. */
    public static final String BALANCE_STORE = "balances";
    /** Accounts whose projection is known to miss events: account id → missing version; changelogged. */
    public static final String FLAGGED_STORE = "flagged-accounts";
    /** Name of the source node reading {@code ledger.events}. */
    public static final String SOURCE = "ledger-events";
    /** Name of the projection processor. */
    public static final String PROCESSOR = "project-balances";
    /** Name of the sink node writing {@code ledger.balances}. */
    public static final String SINK = "ledger-balances";

    /** Counter: events applied to a projection. */
    public static final String APPLIED_COUNTER = "tally.projector.events.applied";
    /** Counter: events dropped because their version was already applied. */
    public static final String DUPLICATE_COUNTER = "tally.projector.events.duplicate";
    /** Counter: events not applied because versions before them are missing. */
    public static final String GAP_COUNTER = "tally.projector.events.gap";
    /** Counter: integrity errors, tagged {@code reason} (see {@link IntegrityError}). */
    public static final String INTEGRITY_COUNTER = "tally.projector.integrity.errors";

    private ProjectorTopology() {}

    /**
     * Builds the projector's topology. Pure: creates nothing on a broker; registers its counters in
     * {@code metrics}.
     *
     * @param topics the topic names; reads {@link LedgerTopics#events()}, writes
     *     {@link LedgerTopics#balances()}
     * @param metrics where the counters named by this class's constants are registered (tests may
     *     pass a {@code SimpleMeterRegistry})
     * @return a topology with explicitly named nodes and stores
     */
    public static Topology buildTopology(LedgerTopics topics, MeterRegistry metrics) {
        return buildTopology(topics, ValueSerdes.singleObject(), metrics);
    }

    /**
     * Builds the projector's topology, as {@link #buildTopology(LedgerTopics, MeterRegistry)}, with
     * {@code ledger.events} read and {@code ledger.balances} written in the encoding of
     * {@code serdes} (the balance store is internal and stays single-object).
     */
    public static Topology buildTopology(LedgerTopics topics, ValueSerdes serdes, MeterRegistry metrics) {
        BalanceProjectionProcessor.Counters counters = BalanceProjectionProcessor.Counters.register(metrics);
        Topology topology = new Topology();
        topology.addSource(SOURCE, LedgerTopics.keySerde().deserializer(),
                serdes.events().deserializer(), topics.events());
        topology.addProcessor(PROCESSOR, () -> new BalanceProjectionProcessor(counters), SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(BALANCE_STORE), LedgerTopics.keySerde(), LedgerTopics.BALANCE_SERDE),
                PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(FLAGGED_STORE), LedgerTopics.keySerde(), Serdes.Long()),
                PROCESSOR);
        topology.addSink(SINK, topics.balances(), LedgerTopics.keySerde().serializer(),
                serdes.balances().serializer(), PROCESSOR);
        return topology;
    }

    /** Why an event counted as an integrity error: the {@code reason} tag of {@link #INTEGRITY_COUNTER}. */
    public enum IntegrityError {
        /** The event has no value, an unknown type or lacks a field its type needs. */
        UNDECODABLE,
        /** The record's key is not the event's account id (it may sit on the wrong partition). */
        KEY_MISMATCH,
        /** The projector's balance after the event differs from the writer's {@code balanceAfter}. */
        BALANCE_MISMATCH,
        /** Applying the event overflows a balance. */
        OVERFLOW;

        /** The tag value: the constant's name in lower case. */
        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
