package io.tally.projector.bench;

import io.tally.avro.LedgerEvent;
import io.tally.core.Currency;
import io.tally.embedded.PostgresServer;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.projector.LedgerHistory;
import io.tally.projector.rebuild.ProjectionRebuild;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;

/**
 * Not a test (no {@code Test}/{@code IT} suffix): the issue-5 harness. Writes a ledger history of
 * {@code events} events over {@code accounts} accounts (credits, charges, holds placed, captured and
 * released, decided by the core) to a fresh {@code ledger.events} of 4 partitions on the embedded
 * broker, then times, in the same run and alternately, each round:
 * <ol>
 *   <li>a plain Kafka Streams aggregate over the same topic with the live projector's defaults
 *       (exactly-once v2, 1 stream thread, commit every 100 ms, one cached persistent store):
 *       {@code groupByKey().aggregate(sum of amounts)}, no version guard, no holds, no history, no
 *       output;</li>
 *   <li>the same aggregate under the rebuild's settings ({@link ProjectionRebuild#replaySettings}:
 *       at least once, a thread per partition);</li>
 *   <li>the rebuild ({@link ProjectionRebuild}, tables only): version guard, balances, versioned balance
 *       history, holds with the locked check, flagged accounts.</li>
 * </ol>
 * Each is timed from {@code start()} until its consumer group has committed every offset (polled every
 * 200 ms); each uses a new application id. A row per run gives the wall time, events/s and the CPU
 * time the whole process (broker included) spent meanwhile; the last lines give the best of each and
 * both ratios. The first round also warms the JIT up for what it runs first.
 *
 * <p>A fourth row per round runs the rebuild with the live projector's settings
 * (passed as Kafka properties, which win over the replay's), for the gain of the replay's settings alone.
 *
 * <p>Run: {@code java -cp <test classpath> io.tally.projector.bench.RebuildBenchmark [events] [accounts] [rounds]}.
 */
public final class RebuildBenchmark {
    private static final Currency CZK = new Currency("CZK", 2);

    private RebuildBenchmark() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int accounts = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        TestInfrastructure infra = TestInfrastructure.get();
        Map<String, Object> kafka = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
        LedgerTopics topics = LedgerTopics.withPrefix(TestInfrastructure.uniqueName("bench") + ".", 4);
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        write(infra, topics, events, accounts);
        long written;
        try (Admin admin = Admin.create(kafka)) {
            written = ProjectionRebuild.endOffsets(admin, topics.events()).values().stream().mapToLong(Long::longValue).sum();
        }
        DataSource database = PostgresServer.dataSource(infra.newDatabase("bench"));
        Path stateDir = Files.createTempDirectory("tally-rebuild-bench");
        System.out.printf(Locale.ROOT, "%,d records over %,d accounts on %d partitions%n", written, accounts,
                topics.partitions());
        System.out.printf(Locale.ROOT, "%-8s %-34s %10s %12s %12s%n", "round", "what", "ms", "events/s", "cpu ms");
        Map<String, Object> plainDefault = Map.of(
                StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2,
                StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1,
                StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        Map<String, Object> replay = ProjectionRebuild.replaySettings(topics.partitions());
        double bestDefault = 0;
        double bestSame = 0;
        double bestRebuild = 0;
        double bestRebuildLive = 0;
        Map<String, Object> kafkaLiveSettings = new HashMap<>(kafka);
        kafkaLiveSettings.putAll(plainDefault);
        for (int round = 1; round <= rounds; round++) {
            long cpuNs = cpuNs();
            long ms = plainAggregate(kafka, topics, stateDir, plainDefault, "bench-plain-" + round + "-" + System.nanoTime());
            bestDefault = Math.max(bestDefault, row(round, "plain aggregate " + describe(plainDefault), written, ms, cpuNs() - cpuNs));
            cpuNs = cpuNs();
            ms = plainAggregate(kafka, topics, stateDir, replay, "bench-same-" + round + "-" + System.nanoTime());
            bestSame = Math.max(bestSame, row(round, "plain aggregate " + describe(replay), written, ms, cpuNs() - cpuNs));
            cpuNs = cpuNs();
            AtomicLong replayedCpuNs = new AtomicLong();
            ProjectionRebuild.Result rebuilt = new ProjectionRebuild(kafka, topics, stateDir, 1).run(database,
                    "bench-no-live", "bench-rebuild-" + round + "-" + System.nanoTime(), false,
                    cpuAtLastProgress(replayedCpuNs), Duration.ofMinutes(30));
            bestRebuild = Math.max(bestRebuild, row(round, "rebuild " + describe(replay), rebuilt.events(),
                    rebuilt.replayMs(), replayedCpuNs.get() - cpuNs));
            cpuNs = cpuNs();
            rebuilt = new ProjectionRebuild(kafkaLiveSettings, topics, stateDir, 1).run(database, "bench-no-live",
                    "bench-rebuild-live-" + round + "-" + System.nanoTime(), false, cpuAtLastProgress(replayedCpuNs),
                    Duration.ofMinutes(30));
            bestRebuildLive = Math.max(bestRebuildLive, row(round, "rebuild " + describe(plainDefault), rebuilt.events(),
                    rebuilt.replayMs(), replayedCpuNs.get() - cpuNs));
        }
        System.out.printf(Locale.ROOT, "best: plain %s %,.0f events/s; plain %s %,.0f events/s; rebuild %s %,.0f events/s; "
                + "rebuild %s %,.0f events/s%n", describe(plainDefault), bestDefault, describe(replay), bestSame,
                describe(replay), bestRebuild, describe(plainDefault), bestRebuildLive);
        System.out.printf(Locale.ROOT, "rebuild/plain, both %s: %.2f; rebuild %s / plain %s: %.2f; both %s: %.2f%n",
                describe(replay), bestRebuild / bestSame, describe(replay), describe(plainDefault),
                bestRebuild / bestDefault, describe(plainDefault), bestRebuildLive / bestDefault);
        System.exit(0);
    }

    /**
     * Prints a round's row: wall time, events/s, and the CPU time this process spent since
     * the start (stream threads, the embedded broker, everything: on a shared machine it
     * varies less than the wall time, which waits for CPU). Returns its events/s.
     */
    private static double row(int round, String what, long events, long ms, long usedCpuNs) {
        double rate = events * 1000.0 / Math.max(1, ms);
        System.out.printf(Locale.ROOT, "%-8d %-34s %,10d %,12.0f %,12d%n", round, what, ms, rate, usedCpuNs / 1_000_000);
        return rate;
    }

    private static long cpuNs() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The settings that matter for the comparison, in a table cell: {@code eos2/1t/100ms}. */
    private static String describe(Map<String, Object> settings) {
        String guarantee = String.valueOf(settings.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        return (guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2) ? "eos2" : "alos") + "/"
                + settings.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG) + "t/"
                + settings.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG) + "ms";
    }

    private static long write(TestInfrastructure infra, LedgerTopics topics, int events, int accounts) throws Exception {
        LedgerHistory history = new LedgerHistory();
        Random random = new Random(42);
        long n = 0;
        Map<String, Integer> openHolds = new HashMap<>();
        try (KafkaProducer<String, LedgerEvent> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers(),
                        // Not idempotent: on a topic this new, retries after NOT_LEADER_OR_FOLLOWER end in
                        // OutOfOrderSequence; one request in flight keeps each account's order, and a
                        // duplicate from a retry is what the version guard is for.
                        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
                        ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024),
                LedgerTopics.keySerde().serializer(), LedgerTopics.EVENT_SERDE.serializer())) {
            for (int a = 0; a < accounts; a++) {
                send(producer, topics, history.open("acct-" + a, CZK));
                send(producer, topics, history.credit("acct-" + a, 1_000_000_000L));
                n += 2;
            }
            int holdSeq = 0;
            while (n < events) {
                String account = "acct-" + random.nextInt(accounts);
                int kind = random.nextInt(10);
                LedgerEvent e;
                Integer hold = openHolds.get(account);
                if (kind < 4) {
                    e = history.credit(account, 1 + random.nextInt(10_000));
                } else if (kind < 7) {
                    e = history.charge(account, 1 + random.nextInt(1_000));
                } else if (hold == null) {
                    int id = ++holdSeq;
                    e = history.placeHold(account, "h" + id, 1_000, null);
                    openHolds.put(account, id);
                } else if (kind == 8) {
                    e = history.capture(account, "h" + hold, 400);
                    openHolds.remove(account);
                    send(producer, topics, e);
                    n++;
                    e = history.release(account, "h" + hold, null);
                } else {
                    e = history.release(account, "h" + hold, null);
                    openHolds.remove(account);
                }
                send(producer, topics, e);
                n++;
            }
            producer.flush();
        }
        return n;
    }

    private static void send(KafkaProducer<String, LedgerEvent> producer, LedgerTopics topics, LedgerEvent e) {
        producer.send(new ProducerRecord<>(topics.events(), e.getAccountId(), e));
    }

    private static long plainAggregate(Map<String, Object> kafka, LedgerTopics topics, Path stateDir,
            Map<String, Object> settings, String applicationId)
            throws Exception {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(topics.events(), Consumed.with(LedgerTopics.keySerde(), LedgerTopics.EVENT_SERDE))
                .groupByKey(Grouped.with(LedgerTopics.keySerde(), LedgerTopics.EVENT_SERDE))
                .aggregate(() -> 0L, (account, event, sum) -> sum + (event.getAmountMinor() == null ? 0 : event.getAmountMinor()),
                        Materialized.<String, Long, org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]>>as("sums")
                                .withKeySerde(LedgerTopics.keySerde()).withValueSerde(Serdes.Long()));
        java.util.Properties props = new java.util.Properties();
        props.putAll(kafka);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.putAll(settings);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        try (Admin admin = Admin.create(kafka)) {
            Map<TopicPartition, Long> end = ProjectionRebuild.endOffsets(admin, topics.events());
            long startNs = System.nanoTime();
            try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
                streams.start();
                while (ProjectionRebuild.caughtUp(admin, applicationId, end) >= 0) {
                    Thread.sleep(200);
                }
                return (System.nanoTime() - startNs) / 1_000_000;
            }
        }
    }

    /** A listener that keeps the process CPU time at each progress report; the last comes when the replay ends. */
    private static ProjectionRebuild.Listener cpuAtLastProgress(AtomicLong cpuNs) {
        return new ProjectionRebuild.Listener() {
            @Override
            public void started(long totalOffsets) {}

            @Override
            public void progress(long committedOffsets, long events) {
                cpuNs.set(cpuNs());
            }
        };
    }
}
