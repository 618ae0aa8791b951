package io.tally.projector.rebuild;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.avro.HoldState;
import io.tally.platform.kafka.GroupProgress;
import io.tally.platform.kafka.KafkaClients;
import io.tally.projector.ProjectorTopology;
import io.tally.projector.jdbc.AccountBalanceTable;
import io.tally.projector.jdbc.CachedBalance;
import io.tally.projector.jdbc.LiveApplicationTable;
import io.tally.projector.kafka.ProjectorApp;
import io.tally.projector.kafka.ProjectorConfig;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.StoreSerdes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
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
 * <p>Not thread-safe: one rebuild per instance, run from one thread.
 */
public final class ProjectionRebuild {
    private static final Logger log = LoggerFactory.getLogger(ProjectionRebuild.class);
    private static final Duration POLL = Duration.ofMillis(200);

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
     * ({@link ProjectorApp#streamsProperties}); a property of the same name in the rebuild's Kafka
     * properties wins. Public so that a benchmark can run its baseline under the same settings.
     *
     * @param partitions partitions of {@code ledger.events}
     * @return setting name → value (the thread count also depends on this machine's cores)
     */
    public static Map<String, Object> replaySettings(int partitions) {
        return Map.of(
                // At least once: exact all the same (see the class documentation), and no transaction
                // to begin, commit and wait for at every commit interval.
                StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE,
                // A thread per partition (a task each), so a replay uses every core; at most two a core.
                StreamsConfig.NUM_STREAM_THREADS_CONFIG,
                Math.max(1, Math.min(partitions, 2 * Runtime.getRuntime().availableProcessors())),
                // Progress and the end of the replay are read from the committed offsets, so commit
                // every second (at least once's default is 30 s): each commit flushes the caches, and
                // 1 s measured a fifth less CPU than the live projector's 100 ms.
                StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1_000);
    }

    /** At most this many differences are kept in a {@link Result}. */
    public static final int MAX_DIFFERENCES = 100;

    private final Map<String, Object> kafka;
    private final LedgerTopics topics;
    private final Path stateDir;
    private final int replicationFactor;

    /**
     * @param kafka Kafka client properties ({@code bootstrap.servers} and any passed through)
     * @param stateDir the rebuild's Streams state directory (the projector's own is fine: state lives
     *     under the application id)
     */
    public ProjectionRebuild(Map<String, Object> kafka, LedgerTopics topics, Path stateDir, int replicationFactor) {
        this.kafka = Map.copyOf(kafka);
        this.topics = Objects.requireNonNull(topics, "topics");
        this.stateDir = Objects.requireNonNull(stateDir, "stateDir");
        this.replicationFactor = replicationFactor;
    }

    /**
     * Replays, compares and, when {@code switchWhenEqual} and the tables agree, switches readers.
     *
     * @param database where the live application id is kept ({@link LiveApplicationTable})
     * @param liveApplicationId the projector application readers use now
     * @param rebuiltApplicationId a new application id (its consumer group must not have offsets yet)
     * @param timeout how long the replay may take
     * @throws IllegalStateException if the replay does not finish within {@code timeout}, a stream
     *     thread fails, or the new application id has been used before
     * @throws InterruptedException if interrupted while waiting
     */
    public Result run(DataSource database, String liveApplicationId, String rebuiltApplicationId,
            boolean switchWhenEqual, Listener listener, Duration timeout) throws InterruptedException {
        if (liveApplicationId.equals(rebuiltApplicationId)) {
            throw new IllegalArgumentException("the rebuild needs a new application id, not the live one");
        }
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        long events;
        long duplicates;
        long replayMs;
        try (Admin admin = Admin.create(kafka)) {
            Map<TopicPartition, Long> end = GroupProgress.endOffsets(admin, topics.events().name());
            if (GroupProgress.hasOffsets(admin, rebuiltApplicationId)) {
                throw new IllegalStateException("application id " + rebuiltApplicationId + " has been used before");
            }
            long total = end.values().stream().mapToLong(Long::longValue).sum();
            listener.started(total);
            ProjectorConfig config = new ProjectorConfig(kafka, rebuiltApplicationId, stateDir, topics, replicationFactor);
            Properties props = ProjectorApp.streamsProperties(config);
            replaySettings(topics.partitions()).forEach((name, value) -> props.put(name, kafka.getOrDefault(name, value)));
            long startNs = System.nanoTime();
            try (ProjectorApp rebuild = new ProjectorApp(config, props, metrics, ProjectorTopology.Publishing.TABLES_ONLY)) {
                rebuild.start();
                try {
                    GroupProgress.await(admin, rebuiltApplicationId, end, timeout, progress -> {
                        listener.progress(progress.committedOffsets(), processed(metrics));
                        KafkaStreams.State state = rebuild.state();
                        if (!progress.caughtUp() && (state.isShuttingDown() || state.hasCompletedShutdown())) {
                            throw new IllegalStateException("rebuild " + rebuiltApplicationId + " stopped (" + state
                                    + ") after committing " + progress.committedOffsets() + " of " + total
                                    + " offsets; start a new one");
                        }
                    });
                } catch (TimeoutException e) {
                    throw new IllegalStateException("rebuild " + e.getMessage() + "; state " + rebuild.state(), e);
                }
                replayMs = (System.nanoTime() - startNs) / 1_000_000;
                events = processed(metrics);
                duplicates = (long) metrics.get(ProjectorTopology.DUPLICATE_COUNTER).counter().count();
            }
        }
        log.info("rebuild {} replayed {} events in {} ms", rebuiltApplicationId, events, replayMs);

        SortedMap<String, AccountBalance> liveBalances = table(liveApplicationId, ProjectorTopology.BALANCE_STORE,
                StoreSerdes.BALANCE.deserializer());
        SortedMap<String, AccountBalance> rebuiltBalances = table(rebuiltApplicationId, ProjectorTopology.BALANCE_STORE,
                StoreSerdes.BALANCE.deserializer());
        SortedMap<String, HoldState> liveHolds = table(liveApplicationId, ProjectorTopology.HOLD_STORE,
                StoreSerdes.HOLD.deserializer());
        SortedMap<String, HoldState> rebuiltHolds = table(rebuiltApplicationId, ProjectorTopology.HOLD_STORE,
                StoreSerdes.HOLD.deserializer());
        List<Difference> differences = new ArrayList<>();
        int count = compare("balances", liveBalances, rebuiltBalances, differences)
                + compare("holds", liveHolds, rebuiltHolds, differences);
        boolean switched = false;
        if (count == 0 && switchWhenEqual) {
            switched = LiveApplicationTable.switchTo(database, rebuiltApplicationId, liveApplicationId);
            log.info("rebuild {} agrees with {}: readers {}switched", rebuiltApplicationId, liveApplicationId,
                    switched ? "" : "NOT (the live id moved meanwhile) ");
        } else if (count > 0) {
            log.warn("rebuild {} differs from {} in {} rows; {} stays live", rebuiltApplicationId, liveApplicationId,
                    count, liveApplicationId);
        }
        return new Result(liveApplicationId, rebuiltApplicationId, events, duplicates, replayMs, rebuiltBalances.size(),
                rebuiltHolds.size(), List.copyOf(differences), count, switched, List.copyOf(rebuiltBalances.values()));
    }

    /**
     * Writes {@code balances} into {@code account_balances}, overwriting rows of the same or an older
     * version ({@link AccountBalanceTable#refill}).
     *
     * @return rows written
     */
    public static int refillCache(DataSource database, List<AccountBalance> balances) {
        Jdbi jdbi = Jdbi.create(database).installPlugin(new SqlObjectPlugin());
        int written = 0;
        for (int from = 0; from < balances.size(); from += 1_000) {
            List<CachedBalance> rows = balances.subList(from, Math.min(balances.size(), from + 1_000)).stream()
                    .map(CachedBalance::of).toList();
            for (int n : jdbi.withExtension(AccountBalanceTable.class, t -> t.refill(rows))) {
                written += n;
            }
        }
        return written;
    }

    private static <V> int compare(String table, SortedMap<String, V> live, SortedMap<String, V> rebuilt,
            List<Difference> differences) {
        TreeSet<String> keys = new TreeSet<>(live.keySet());
        keys.addAll(rebuilt.keySet());
        int count = 0;
        for (String key : keys) {
            V a = live.get(key);
            V b = rebuilt.get(key);
            if (!Objects.equals(a, b)) {
                count++;
                if (differences.size() < MAX_DIFFERENCES) {
                    differences.add(new Difference(table, key, a, b));
                }
            }
        }
        return count;
    }

    /** The newest value per key of a projector store, read from its changelog (empty if it has none). */
    private <V> SortedMap<String, V> table(String applicationId, String store, Deserializer<V> values) {
        String changelog = applicationId + "-" + store + "-changelog";
        SortedMap<String, V> table = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.readCommittedConsumer(kafka, null,
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(changelog, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                return table;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    String key = LedgerTopics.keySerde().deserializer().deserialize(changelog, r.key());
                    if (r.value() == null) {
                        table.remove(key);
                    } else {
                        table.put(key, values.deserialize(changelog, r.value()));
                    }
                }
            }
        } catch (UnknownTopicOrPartitionException absent) {
            return table;
        }
        return table;
    }

    private static long processed(SimpleMeterRegistry metrics) {
        double n = metrics.get(ProjectorTopology.APPLIED_COUNTER).counter().count()
                + metrics.get(ProjectorTopology.DUPLICATE_COUNTER).counter().count()
                + metrics.get(ProjectorTopology.GAP_COUNTER).counter().count()
                + metrics.get(ProjectorTopology.INTEGRITY_COUNTER).counters().stream().mapToDouble(c -> c.count()).sum();
        return (long) n;
    }

}
