package io.tally.projector;

import io.micrometer.core.instrument.MeterRegistry;
import io.tally.avro.HoldState;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.StoreSerdes;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.Stores;

/**
 * The projector's topology: {@code ledger.events} → balance and hold projection →
 * {@code ledger.balances} and {@code ledger.holds}.
 *
 * <pre>
 *   ledger-events (source, key account id, value io.tally.avro.LedgerEvent)
 *     → project-balances (processor; stores "balances", "balance-history", "holds", "flagged-accounts")
 *     → ledger-balances (sink, key account id, value io.tally.avro.AccountBalance)
 *     → ledger-holds (sink, key accountId:holdId, value io.tally.avro.HoldState, partitioned by account id)
 * </pre>
 *
 * <p>Balance history: every applied balance is also put in {@link #BALANCE_HISTORY_STORE}, a
 * versioned store (KIP-889) whose timestamp is the event's acceptance time, so a balance can be read
 * as of an instant within the history retention.
 *
 * <p>Holds: a HOLD_PLACED event creates the hold {@code accountId:holdId} in {@link #HOLD_STORE}; a
 * capture or release (by request or expiry) moves part of its remainder; at 0 the hold is closed and
 * kept (compaction keeps the closed state on {@code ledger.holds}). A hold event that does not fit the
 * projected hold (an id placed twice, an unknown or closed hold, more than remains) changes no hold and
 * is an integrity error ({@code reason=hold_mismatch}); the balance still follows the event. After
 * every event that can change locked or a hold, locked is checked against the sum of the account's
 * open holds' remaining amounts ({@code reason=locked_mismatch}, logged at ERROR, not flagged: no
 * version is missing).
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
    /**
     * The balance history: account id → {@code io.tally.avro.AccountBalance}, versioned by the event's
     * acceptance time (KIP-889); changelogged.
     */
    public static final String BALANCE_HISTORY_STORE = "balance-history";
    /** The hold store: {@code accountId:holdId} → {@code io.tally.avro.HoldState}; changelogged. */
    public static final String HOLD_STORE = "holds";
    /** Accounts whose projection is known to miss events: account id → missing version; changelogged. */
    public static final String FLAGGED_STORE = "flagged-accounts";
    /** Name of the source node reading {@code ledger.events}. */
    public static final String SOURCE = "ledger-events";
    /** Name of the projection processor. */
    public static final String PROCESSOR = "project-balances";
    /** Name of the sink node writing {@code ledger.balances}. */
    public static final String SINK = "ledger-balances";
    /** Name of the sink node writing {@code ledger.holds}. */
    public static final String HOLD_SINK = "ledger-holds";
    /** How long balance history is kept by default: 30 days. */
    public static final Duration DEFAULT_HISTORY_RETENTION = Duration.ofDays(30);

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
     * @param topics the topics, in the configured value encoding; reads {@link LedgerTopics#events()}, writes
     *     {@link LedgerTopics#balances()}
     * @param metrics where the counters named by this class's constants are registered (tests may
     *     pass a {@code SimpleMeterRegistry})
     * @return a topology with explicitly named nodes and stores
     */
    public static Topology buildTopology(LedgerTopics topics, MeterRegistry metrics) {
        return buildTopology(topics, metrics, DEFAULT_HISTORY_RETENTION);
    }

    /**
     * As {@link #buildTopology(LedgerTopics, MeterRegistry)}, keeping {@code historyRetention} of
     * balance history for point-in-time reads.
     *
     * @param historyRetention how far back {@link #BALANCE_HISTORY_STORE} answers, measured from the
     *     newest acceptance time it has seen (stream time, not the wall clock)
     */
    public static Topology buildTopology(LedgerTopics topics, MeterRegistry metrics, Duration historyRetention) {
        return buildTopology(topics, metrics, historyRetention, Publishing.PUBLISH);
    }

    /**
     * The full form. With {@link Publishing#TABLES_ONLY} the stores are built but nothing is written
     * to {@code ledger.balances} or {@code ledger.holds} (a rebuild beside the live projection must not
     * publish until it is known to agree). The stores and their changelogs are the same either way, so
     * an application id built one way can later run the other.
     */
    public static Topology buildTopology(LedgerTopics topics, MeterRegistry metrics, Duration historyRetention,
            Publishing publishing) {
        BalanceProjectionProcessor.Counters counters = BalanceProjectionProcessor.Counters.register(metrics);
        Topology topology = new Topology();
        topology.addSource(SOURCE, topics.events().keySerde().deserializer(),
                topics.events().valueSerde().deserializer(), topics.events().name());
        topology.addProcessor(PROCESSOR, () -> new BalanceProjectionProcessor(counters, publishing == Publishing.PUBLISH), SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(BALANCE_STORE), LedgerTopics.keySerde(), StoreSerdes.BALANCE)
                // Cached: an account's rows of one commit interval reach RocksDB and the changelog once,
                // which is most of what makes a rebuild as fast as a plain aggregate (which caches too).
                .withCachingEnabled(), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(FLAGGED_STORE), LedgerTopics.keySerde(), Serdes.Long())
                .withCachingEnabled(), PROCESSOR);
        topology.addStateStore(Stores.versionedKeyValueStoreBuilder(
                Stores.persistentVersionedKeyValueStore(BALANCE_HISTORY_STORE, historyRetention),
                LedgerTopics.keySerde(), StoreSerdes.BALANCE), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(HOLD_STORE), LedgerTopics.keySerde(), StoreSerdes.HOLD)
                .withCachingEnabled(), PROCESSOR);
        if (publishing == Publishing.PUBLISH) {
            topology.addSink(SINK, topics.balances().name(), topics.balances().keySerde().serializer(),
                    topics.balances().valueSerde().serializer(), PROCESSOR);
            topology.addSink(HOLD_SINK, topics.holds().name(), topics.holds().keySerde().serializer(),
                    topics.holds().valueSerde().serializer(), BY_ACCOUNT, PROCESSOR);
        }
        return topology;
    }

    /**
     * The key of a hold in {@link #HOLD_STORE} and on {@code ledger.holds}: {@code accountId:holdId}
     * (hold ids are unique within their account). It names one hold only because neither id can
     * contain {@code :} ({@link io.tally.core.Ids}, names; checked at every intake before anything is
     * decided), so it needs no length prefix, and the public topic's keys stay readable; an account's
     * holds are exactly the keys starting {@code accountId:} (the holds' values name their account too,
     * and readers check it). {@code HoldKeyTest} checks both over every short name.
     */
    public static String holdKey(String accountId, String holdId) {
        return accountId + ":" + holdId;
    }

    /**
     * The changelog topic Kafka Streams keeps for {@code store} of the application {@code applicationId}:
     * {@code <application.id>-<store>-changelog}. The one place tally spells the name; the rebuild reads a
     * projection's tables from it.
     *
     * <p>The rule is Kafka Streams' documented one: the Javadoc of the stateful DSL operations
     * ({@code KGroupedStream#count}, {@code KTable#filter} with a store name, ...) says "the changelog
     * topic will be named {@code ${applicationId}-${internalStoreName}-changelog}", and the developer
     * guide ("Managing Streams Application Topics", internal topics) names internal topics
     * {@code <application.id>-<operatorName>-<suffix>}. It holds for the Processor API's stores too (a
     * test pins it with {@code TopologyTestDriver}).
     *
     * @param applicationId the Streams application id (a projection: live or rebuilt)
     * @param store one of this topology's store names, e.g. {@link #BALANCE_STORE}
     */
    public static String changelogTopic(String applicationId, String store) {
        return applicationId + "-" + store + "-changelog";
    }

    /**
     * Puts a hold on the partition of its account, as the default partitioner puts the account's key,
     * so {@code ledger.holds} is co-partitioned with {@code ledger.events} and {@code ledger.balances}.
     */
    private static final StreamPartitioner<String, HoldState> BY_ACCOUNT = new StreamPartitioner<>() {
        @Override
        public Optional<Set<Integer>> partitions(String topic, String key, HoldState hold, int numPartitions) {
            byte[] accountKey = LedgerTopics.keySerde().serializer().serialize(topic, hold.getAccountId());
            return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(accountKey)) % numPartitions));
        }
    };

    /** Whether the projection publishes its tables on their compacted topics. */
    public enum Publishing {
        /** The live projector: stores and topics. */
        PUBLISH,
        /** A rebuild: stores (and their changelogs) only. */
        TABLES_ONLY
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
        OVERFLOW,
        /** A hold event that does not fit the projected hold (placed twice, unknown, closed, more than remains). */
        HOLD_MISMATCH,
        /** Locked differs from the sum of the account's open holds' remaining amounts. */
        LOCKED_MISMATCH;

        /** The tag value: the constant's name in lower case. */
        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
