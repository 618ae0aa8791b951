package io.tally.projector.rebuild;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.platform.kafka.GroupProgress;
import io.tally.projector.ProjectorTopology;
import io.tally.projector.kafka.ProjectorApp;
import io.tally.projector.kafka.ProjectorConfig;
import io.tally.schemas.LedgerTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * A rebuild's replay: {@code ledger.events} from the beginning into a fresh projector under a new
 * application id, tables only ({@link ProjectorTopology.Publishing#TABLES_ONLY}), under the replay's
 * settings ({@link #settings}), until its consumer group has committed every offset that was in the log
 * when it started ({@link GroupProgress#await}); then the projector is closed, its tables left in its
 * changelogs.
 *
 * <p>Thread-safe: immutable; each {@link #run} starts a projector of its own.
 */
final class Replay {
    private final Map<String, Object> kafka;
    private final LedgerTopics topics;
    private final Path stateDir;
    private final int replicationFactor;

    /**
     * What a replay did.
     *
     * @param events events processed (applied, duplicates, gaps, integrity errors)
     * @param duplicates of {@code events}, those dropped as already applied
     * @param replayMs from starting the stream threads until every offset was committed
     */
    record Outcome(long events, long duplicates, long replayMs) {}

    Replay(Map<String, Object> kafka, LedgerTopics topics, Path stateDir, int replicationFactor) {
        this.kafka = kafka;
        this.topics = topics;
        this.stateDir = stateDir;
        this.replicationFactor = replicationFactor;
    }

    /** The settings of {@link ProjectionRebuild#replaySettings}. */
    static Map<String, Object> settings(int partitions) {
        return Map.of(
                // At least once: exact all the same (see ProjectionRebuild), and no transaction to begin,
                // commit and wait for at every commit interval.
                StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE,
                // A thread per partition (a task each), so a replay uses every core; at most two a core.
                StreamsConfig.NUM_STREAM_THREADS_CONFIG,
                Math.max(1, Math.min(partitions, 2 * Runtime.getRuntime().availableProcessors())),
                // Progress and the end of the replay are read from the committed offsets, so commit
                // every second (at least once's default is 30 s): each commit flushes the caches, and
                // 1 s measured a fifth less CPU than the live projector's 100 ms.
                StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1_000);
    }

    /**
     * Replays into {@code applicationId}, telling {@code listener} how far it is.
     *
     * @throws IllegalStateException if {@code applicationId} has committed offsets already (used before),
     *     a stream thread fails, or the replay does not finish within {@code timeout}
     * @throws InterruptedException if interrupted while waiting
     */
    Outcome run(String applicationId, ProjectionRebuild.Listener listener, Duration timeout)
            throws InterruptedException {
        try (Admin admin = Admin.create(kafka)) {
            Map<TopicPartition, Long> end = GroupProgress.endOffsets(admin, topics.events().name());
            if (GroupProgress.hasOffsets(admin, applicationId)) {
                throw new IllegalStateException("application id " + applicationId + " has been used before");
            }
            long total = end.values().stream().mapToLong(Long::longValue).sum();
            listener.started(total);
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();
            ProjectorConfig config = new ProjectorConfig(kafka, applicationId, stateDir, topics, replicationFactor);
            long startNs = System.nanoTime();
            try (ProjectorApp projector = new ProjectorApp(config, properties(config), metrics,
                    ProjectorTopology.Publishing.TABLES_ONLY)) {
                projector.start();
                awaitCommitted(admin, projector, end, total, listener, metrics, timeout);
                long replayMs = (System.nanoTime() - startNs) / 1_000_000;
                return new Outcome(processed(metrics), count(metrics, ProjectorTopology.DUPLICATE_COUNTER), replayMs);
            }
        }
    }

    /** The projector's Streams properties under the replay's settings; a setting of the caller's Kafka properties wins. */
    private Properties properties(ProjectorConfig config) {
        Properties props = ProjectorApp.streamsProperties(config);
        settings(topics.partitions()).forEach((name, value) -> props.put(name, kafka.getOrDefault(name, value)));
        return props;
    }

    private static void awaitCommitted(Admin admin, ProjectorApp projector, Map<TopicPartition, Long> end, long total,
            ProjectionRebuild.Listener listener, SimpleMeterRegistry metrics, Duration timeout)
            throws InterruptedException {
        String applicationId = projector.config().applicationId();
        try {
            GroupProgress.await(admin, applicationId, end, timeout, progress -> {
                listener.progress(progress.committedOffsets(), processed(metrics));
                KafkaStreams.State state = projector.state();
                if (!progress.caughtUp() && (state.isShuttingDown() || state.hasCompletedShutdown())) {
                    throw new IllegalStateException("rebuild " + applicationId + " stopped (" + state
                            + ") after committing " + progress.committedOffsets() + " of " + total
                            + " offsets; start a new one");
                }
            });
        } catch (TimeoutException e) {
            throw new IllegalStateException("rebuild " + e.getMessage() + "; state " + projector.state(), e);
        }
    }

    /** Events the replay has processed: applied, duplicates, gaps and integrity errors. */
    private static long processed(SimpleMeterRegistry metrics) {
        double n = metrics.get(ProjectorTopology.APPLIED_COUNTER).counter().count()
                + metrics.get(ProjectorTopology.DUPLICATE_COUNTER).counter().count()
                + metrics.get(ProjectorTopology.GAP_COUNTER).counter().count()
                + metrics.get(ProjectorTopology.INTEGRITY_COUNTER).counters().stream().mapToDouble(c -> c.count()).sum();
        return (long) n;
    }

    private static long count(SimpleMeterRegistry metrics, String counter) {
        return (long) metrics.get(counter).counter().count();
    }
}
