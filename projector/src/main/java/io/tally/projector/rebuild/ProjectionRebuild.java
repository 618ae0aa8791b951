package io.tally.projector.rebuild;

import io.tally.avro.AccountBalance;
import io.tally.avro.HoldState;
import io.tally.projector.ProjectorTopology;
import io.tally.projector.jdbc.AccountBalanceTable;
import io.tally.projector.jdbc.LiveApplicationTable;
import io.tally.projector.kafka.ProjectorApp;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.StoreSerdes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import javax.sql.DataSource;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rebuild of the projection: replays {@code ledger.events} from the beginning into a fresh projector
 * under a new application id, beside the live one and without publishing, until it has consumed
 * every event that was in the log when it started; then compares its tables (balances and holds) with
 * the live projector's, both read from their changelog topics (compacted, so each holds the table's
 * newest row per key), and switches readers ({@link LiveApplicationTable}) only when they agree.
 *
 * <p>Delivery: the replay runs at least once ({@link #replaySettings}), with a stream thread per
 * partition, where the live projector runs exactly once: no transaction to commit and wait for at
 * every commit ({@code ./tally bench rebuild} measures it against a plain aggregate). It stays exact: an event is applied only if it
 * is its account's next version ({@code BalanceProjection.apply}), and holds, balance history and
 * flags change only with an applied event, so an event delivered again (twice on the topic, or
 * redelivered after a commit that did not happen) is a counted duplicate ({@link Result#duplicates})
 * that changes nothing. What at least once gives up is a crash's atomicity across stores: a task that
 * lost its partitions without committing (a thread stalled past {@code max.poll.interval.ms}) resumes
 * from stores that may be ahead of its offsets and of one another (each cached store flushes on its
 * own), and a hold written ahead of its balance would see its event twice. The rebuild guards against
 * that rather than repairing it: a failed stream thread stops it ({@code ProjectorApp} shuts the
 * client down and {@link #run} throws), the next run needs a new application id and so starts from
 * empty stores, and any row that came out wrong differs from the live projection, so readers are not
 * switched.
 *
 * <p>Memory: both tables are held in memory for the comparison (fine for millions of rows of a
 * wallet ledger; a merge join of the two changelogs in key order is the next step past that).
 *
 * <p>The steps are classes of their own: the replay ({@link Replay}), the changelog reader
 * ({@link ChangelogTable}), the comparison ({@link TableComparison}), and the switch and cache refill
 * ({@link Switchover}); this class runs them in order.
 *
 * <p>Not thread-safe: one rebuild per instance, run from one thread.
 */
public final class ProjectionRebuild {
    /** Told how far the rebuild is; called from the rebuilding thread. */
    public interface Listener {
        /** The rebuild starts; {@code totalOffsets} is the sum of {@code ledger.events}' end offsets. */
        void started(long totalOffsets);

        /**
         * @param committedOffsets the sum of the rebuild's committed offsets on {@code ledger.events}
         * @param events events the rebuild has processed (applied, duplicates, gaps, errors)
         */
        void progress(long committedOffsets, long events);

        /** A listener that ignores both (a rebuild run by a program rather than watched by a person). */
        Listener NONE = new Listener() {
            @Override
            public void started(long totalOffsets) {}

            @Override
            public void progress(long committedOffsets, long events) {}
        };
    }

    /** A row that differs between the live and the rebuilt table ({@code null}: absent on that side). */
    public record Difference(String table, String key, Object live, Object rebuilt) {}

    /**
     * What a rebuild found.
     *
     * @param events events processed by the rebuild
     * @param duplicates of {@code events}, those dropped as already applied (on the topic twice, or
     *     delivered twice)
     * @param replayMs from starting the rebuild's stream threads until it had committed every offset
     * @param balances balances rebuilt
     * @param holds holds rebuilt
     * @param differences rows that differ, at most {@link #MAX_DIFFERENCES} (the count is {@code differenceCount})
     * @param differenceCount how many rows differ
     * @param switched whether readers were switched to {@code rebuiltApplicationId}
     * @param rebuiltBalances the rebuilt balances, for a cache refill
     */
    public record Result(String liveApplicationId, String rebuiltApplicationId, long events, long duplicates, long replayMs,
            int balances, int holds, List<Difference> differences, int differenceCount, boolean switched,
            List<AccountBalance> rebuiltBalances) {
        /** Events processed per second of replay. */
        public double eventsPerSecond() {
            return events * 1000.0 / Math.max(1, replayMs);
        }
    }

    /**
     * The Kafka Streams settings in which the replay differs from the live projector
     * ({@link ProjectorApp#streamsProperties}): at least once, a stream thread per partition (at most two
     * a core), a commit every second; a property of the same name in the rebuild's Kafka properties wins.
     * Public so that a benchmark can run its baseline under the same settings.
     *
     * @param partitions partitions of {@code ledger.events}
     * @return setting name → value (the thread count also depends on this machine's cores)
     */
    public static Map<String, Object> replaySettings(int partitions) {
        return Replay.settings(partitions);
    }

    /** At most this many differences are kept in a {@link Result}. */
    public static final int MAX_DIFFERENCES = 100;

    private static final Logger log = LoggerFactory.getLogger(ProjectionRebuild.class);

    private final Map<String, Object> kafka;
    private final Replay replay;

    /**
     * @param kafka Kafka client properties ({@code bootstrap.servers} and any passed through)
     * @param topics the topics, in their configured encoding; the rebuild replays {@link LedgerTopics#events()}
     * @param stateDir the rebuild's Streams state directory (the projector's own is fine: state lives
     *     under the application id)
     * @param replicationFactor replicas of the rebuild's internal topics (its changelogs)
     */
    public ProjectionRebuild(Map<String, Object> kafka, LedgerTopics topics, Path stateDir, int replicationFactor) {
        this.kafka = Map.copyOf(kafka);
        this.replay = new Replay(this.kafka, Objects.requireNonNull(topics, "topics"),
                Objects.requireNonNull(stateDir, "stateDir"), replicationFactor);
    }

    /**
     * Replays, compares and, when {@code switchWhenEqual} and the tables agree, switches readers.
     *
     * @param database where the live application id is kept ({@link LiveApplicationTable})
     * @param liveApplicationId the projector application readers use now
     * @param rebuiltApplicationId a new application id (its consumer group must not have offsets yet)
     * @param listener told how far the replay is, from this thread
     * @param timeout how long the replay may take
     * @throws IllegalArgumentException if {@code rebuiltApplicationId} is the live one
     * @throws IllegalStateException if the replay does not finish within {@code timeout}, a stream
     *     thread fails, or the new application id has been used before
     * @throws InterruptedException if interrupted while waiting
     */
    public Result run(DataSource database, String liveApplicationId, String rebuiltApplicationId,
            boolean switchWhenEqual, Listener listener, Duration timeout) throws InterruptedException {
        if (liveApplicationId.equals(rebuiltApplicationId)) {
            throw new IllegalArgumentException("the rebuild needs a new application id, not the live one");
        }
        Replay.Outcome replayed = replay.run(rebuiltApplicationId, listener, timeout);
        log.info("rebuild {} replayed {} events in {} ms", rebuiltApplicationId, replayed.events(), replayed.replayMs());

        SortedMap<String, AccountBalance> rebuiltBalances = table(rebuiltApplicationId, ProjectorTopology.BALANCE_STORE,
                StoreSerdes.BALANCE.deserializer());
        SortedMap<String, HoldState> rebuiltHolds = table(rebuiltApplicationId, ProjectorTopology.HOLD_STORE,
                StoreSerdes.HOLD.deserializer());
        TableComparison comparison = new TableComparison()
                .add("balances", table(liveApplicationId, ProjectorTopology.BALANCE_STORE,
                        StoreSerdes.BALANCE.deserializer()), rebuiltBalances)
                .add("holds", table(liveApplicationId, ProjectorTopology.HOLD_STORE, StoreSerdes.HOLD.deserializer()),
                        rebuiltHolds);
        boolean switched = Switchover.switchReaders(database, liveApplicationId, rebuiltApplicationId,
                comparison.count(), switchWhenEqual);
        return new Result(liveApplicationId, rebuiltApplicationId, replayed.events(), replayed.duplicates(),
                replayed.replayMs(), rebuiltBalances.size(), rebuiltHolds.size(), comparison.differences(),
                comparison.count(), switched, List.copyOf(rebuiltBalances.values()));
    }

    /**
     * Writes {@code balances} into {@code account_balances}, overwriting rows of the same or an older
     * version ({@link AccountBalanceTable#refill}).
     *
     * @return rows written
     */
    public static int refillCache(DataSource database, List<AccountBalance> balances) {
        return Switchover.refillCache(database, balances);
    }

    /** The newest value per key of a projection's store, read from its changelog (empty if it has none). */
    private <V> SortedMap<String, V> table(String applicationId, String store, Deserializer<V> values) {
        return ChangelogTable.read(kafka, applicationId, store, values);
    }
}
