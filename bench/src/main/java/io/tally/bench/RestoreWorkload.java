package io.tally.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.platform.kafka.KafkaClients;
import io.tally.projector.ProjectorTopology;
import io.tally.projector.kafka.ProjectorApp;
import io.tally.projector.kafka.ProjectorConfig;
import io.tally.schemas.LedgerTopics;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The projector's restore from its changelogs (issue 16 item 5, issue 20 item 0): the projection of
 * {@link BenchOptions#eventAccounts} accounts ({@code ledger.events} made by the real ledger-service,
 * untimed, as the rebuild row makes it) is built once; then
 * <ol>
 *   <li>an instance with an empty state directory starts and restores every store from the changelogs
 *       (what an instance replacing a lost disk, or an exactly-once instance after an unclean exit whose
 *       state is wiped, does), timed from start to {@code RUNNING}; the baseline is a plain
 *       {@code read_committed} consumer reading the same changelogs in the same run, the ceiling of any
 *       restore;</li>
 *   <li>a second instance with {@code num.standby.replicas=1} joins and keeps standby copies; once its
 *       lags are 0, the first closes, and the row times the takeover until the second runs every task,
 *       counting what it had to restore (a warm standby: nearly nothing).</li>
 * </ol>
 * The first instance leaves the group by closing: one JVM cannot {@code kill -9} a part of itself, so
 * the takeover after a crash adds the group's session timeout (45 s by default) to the figure here.
 * CPU is this process's (the projector's threads and the benchmark's; the broker runs in its own JVM
 * unless {@code --in-one-jvm}), per 1,000 changelog records.
 */
public final class RestoreWorkload implements Workload {
    private static final Duration STALL = Duration.ofMinutes(5);

    @Override
    public String name() {
        return "restore";
    }

    @Override
    public List<Row> run(BenchEnvironment env) throws Exception {
        BenchOptions o = env.options();
        LedgerTopics topics = env.newTopics("restore");
        Map<TopicPartition, Long> events = RebuildWorkload.decidedEvents(env, topics, "restore");
        String applicationId = BenchEnvironment.unique("restore-projector");
        try (ProjectorApp builder = projector(env, applicationId, topics, 0)) {
            builder.start();
            StreamsTiming.awaitCommitted(env.kafka(), applicationId, events, Duration.ofMinutes(60));
        }
        env.progress("restore: the projection of %,d accounts is built (%,d offsets of ledger.events)", o.eventAccounts(),
                StreamsTiming.offsets(events));

        long plainStartNs = System.nanoTime();
        long plainRecords = readChangelogs(env.kafka(), applicationId);
        double plainSeconds = (System.nanoTime() - plainStartNs) / 1e9;

        ProjectorApp first = projector(env, applicationId, topics, 1);
        try (ProjectorApp second = projector(env, applicationId, topics, 1)) {
            long cpuBefore = processCpuNs();
            long startNs = System.nanoTime();
            first.start();
            first.awaitRunning(STALL);
            first.awaitQueryable(STALL);
            double restoreSeconds = (System.nanoTime() - startNs) / 1e9;
            long restoreCpuNs = processCpuNs() - cpuBefore;
            long restored = first.restoreProgress().restoredRecords();
            int tasks = first.activeTasks();
            env.progress("restore: %,d changelog records in %.2f s (a plain consumer read %,d in %.2f s)", restored,
                    restoreSeconds, plainRecords, plainSeconds);

            long standbyStartNs = System.nanoTime();
            second.start();
            int stores = first.localStoreLags().size();
            awaitWarm(second, stores);
            double standbySeconds = (System.nanoTime() - standbyStartNs) / 1e9;
            long restoredBefore = second.restoreProgress().restoredRecords();

            long closeStartNs = System.nanoTime();
            first.close();
            long takeoverStartNs = System.nanoTime();
            awaitActive(second, tasks);
            double takeoverSeconds = (System.nanoTime() - takeoverStartNs) / 1e9;
            long failoverRestored = second.restoreProgress().restoredRecords() - restoredBefore;
            double closeSeconds = (takeoverStartNs - closeStartNs) / 1e9;
            String size = String.format(Locale.ROOT, "%,d accounts, %d partitions, %d tasks, %d store partitions",
                    o.eventAccounts(), o.partitions(), tasks, stores);
            return List.of(
                    Row.throughput("projector restore, state dir wiped", restored, restoreSeconds,
                            plainRecords / plainSeconds, "", null, String.format(Locale.ROOT,
                                    "%s; until RUNNING and queryable; baseline: a plain read_committed consumer over the"
                                            + " same changelogs (%,d records); CPU %.0f ms per 1,000 records (this JVM)",
                                    size, plainRecords, restoreCpuNs / 1e6 / Math.max(1, restored) * 1000)),
                    Row.throughput("projector failover to a warm standby", failoverRestored, takeoverSeconds, Double.NaN,
                            "", null, String.format(Locale.ROOT,
                                    "%s; records = changelog records restored during the takeover; seconds from the"
                                            + " active's close (%.2f s, a clean leave) until the standby runs all %d tasks;"
                                            + " the standby was warm %.2f s after it started", size, closeSeconds, tasks,
                                    standbySeconds)));
        } finally {
            first.close();
        }
    }

    private static ProjectorApp projector(BenchEnvironment env, String applicationId, LedgerTopics topics, int standbys)
            throws Exception {
        ProjectorConfig config = new ProjectorConfig(env.kafka(), applicationId, env.newStateDir(applicationId), topics, 1);
        Properties props = ProjectorApp.streamsProperties(config);
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, standbys);
        return new ProjectorApp(config, props, new SimpleMeterRegistry(), ProjectorTopology.Publishing.PUBLISH);
    }

    /** Waits until {@code standby} holds {@code stores} store partitions, every one at its changelog's end (bar the marker). */
    private static void awaitWarm(ProjectorApp standby, int stores) throws InterruptedException {
        long deadlineNs = System.nanoTime() + STALL.toNanos();
        while (true) {
            Map<String, Long> lags = standby.localStoreLags();
            // At most 1: the changelog's end is past the last transaction's commit marker, which no restore reads.
            if (lags.size() >= stores && lags.values().stream().allMatch(lag -> lag <= 1)) {
                return;
            }
            if (System.nanoTime() > deadlineNs) {
                throw new IllegalStateException("the standby is not warm after " + STALL + ": lags " + lags);
            }
            Thread.sleep(100);
        }
    }

    /** Waits until {@code app} runs {@code tasks} tasks actively and answers for them all. */
    private static void awaitActive(ProjectorApp app, int tasks) throws InterruptedException {
        long deadlineNs = System.nanoTime() + STALL.toNanos();
        while (app.activeTasks() < tasks || !app.isQueryable()) {
            if (System.nanoTime() > deadlineNs) {
                throw new IllegalStateException("the standby runs " + app.activeTasks() + " of " + tasks
                        + " tasks after " + STALL);
            }
            Thread.sleep(10);
        }
    }

    /** Reads every changelog of {@code applicationId} to its end with a plain read_committed consumer; records read. */
    private static long readChangelogs(Map<String, Object> kafka, String applicationId) throws Exception {
        List<String> changelogs;
        try (Admin admin = Admin.create(kafka)) {
            changelogs = admin.listTopics().names().get().stream()
                    .filter(t -> t.startsWith(applicationId + "-") && t.endsWith("-changelog")).sorted().toList();
        }
        long records = 0;
        for (String changelog : changelogs) {
            try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.readCommittedConsumer(new HashMap<>(kafka), null,
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                records += KafkaClients.readToEnd(consumer, changelog, STALL, r -> { });
            }
        }
        return records;
    }

    private static long processCpuNs() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }
}
