package io.tally.ledger.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.LedgerRequest;
import io.tally.core.Currency;
import io.tally.core.EventHeader;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.ledger.kafka.LedgerServiceApp;
import io.tally.ledger.kafka.LedgerServiceConfig;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Not a test (no {@code Test}/{@code IT} suffix): the write-path harness of issue 8. Publishes
 * {@code requests} requests to a fresh {@code ledger.requests} of 4 partitions on the embedded broker:
 * first an opening and a funding credit for each of {@code accounts} accounts, then a mix drawn with a
 * fixed seed (35% credits, 30% charges, 5% refunds of the account's last charge, 30% holds: placed, then
 * captured in part and released, or released). Then times, alternately in each round and each with a
 * new application id and the same Streams settings (exactly-once v2, commit every 100 ms,
 * {@code threads} stream threads):
 * <ol>
 *   <li>baseline: a plain Kafka Streams aggregate over the same topic: {@code groupByKey().aggregate(sum
 *       of amounts)} into a persistent store, no output;</li>
 *   <li>the real write path: {@link LedgerServiceApp} (decide, idempotency store, events, results).</li>
 * </ol>
 * Each is timed from {@code start()} until the consumer group has committed every offset of the
 * request topic (polled every 100 ms). Prints one row per run, the ratio of the best of each and the
 * median of the rounds' ratios. Each row also has CPU figures, which other load on a shared machine
 * inflates far less than wall time: the CPU time of the application's own threads (stream threads,
 * their producers and consumers) with records per CPU second, and the CPU time of the whole JVM
 * (broker, GC and RocksDB's threads included) during the run.
 *
 * <p>Run: {@code java -cp <test classpath> io.tally.ledger.bench.WritePathBenchmark [requests]
 * [accounts] [rounds] [threads]}; defaults 400000, 100000, 3, 2.
 */
public final class WritePathBenchmark {
    private static final Currency CZK = new Currency("CZK", 2);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration TIMEOUT = Duration.ofMinutes(20);

    /** CPU ms of the application's threads in the last timed run. */
    private static long lastCpuMs;
    /** CPU ms of the whole JVM (application, broker, GC, RocksDB) during the last timed run. */
    private static long lastProcessCpuMs;

    private WritePathBenchmark() {}

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 400_000;
        int accounts = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        TestInfrastructure infra = TestInfrastructure.get();
        Map<String, Object> kafka = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
        LedgerTopics topics = LedgerTopics.withPrefix(TestInfrastructure.uniqueName("wbench") + ".", 4);
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        publish(infra, topics, requests, accounts);
        Map<TopicPartition, Long> end;
        try (Admin admin = Admin.create(kafka)) {
            end = endOffsets(admin, topics.requests());
        }
        long records = end.values().stream().mapToLong(Long::longValue).sum();
        Path stateDir = Files.createTempDirectory("tally-write-bench");
        String workload = String.format(Locale.ROOT, "mixed/%d-acct/%dp/%dt", accounts, topics.partitions(), threads);
        System.out.printf(Locale.ROOT, "%,d requests over %,d accounts on %d partitions, %d stream threads%n",
                records, accounts, topics.partitions(), threads);
        System.out.printf(Locale.ROOT, "%-5s %-24s %-26s %10s %8s %12s %12s %6s %8s %10s %11s%n", "round", "workload",
                "what", "records", "ms", "records/s", "baseline/s", "ratio", "cpu ms", "rec/cpu-s", "jvm cpu ms");
        double bestBaseline = 0;
        double bestDecide = 0;
        List<Double> ratios = new java.util.ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            long baselineMs = timed(kafka, end, "wbench-plain-" + round + "-" + System.nanoTime(),
                    id -> new KafkaStreams(plainAggregate(topics), streamsProperties(kafka, id, stateDir, threads)));
            double baselineRate = records * 1000.0 / baselineMs;
            row(round, workload, "plain EOSv2 aggregate", records, baselineMs, baselineRate, baselineRate);
            long decideMs = timedDecide(kafka, topics, end, "wbench-decide-" + round + "-" + System.nanoTime(), stateDir,
                    threads);
            double decideRate = records * 1000.0 / decideMs;
            row(round, workload, "ledger-service decide", records, decideMs, decideRate, baselineRate);
            ratios.add(decideRate / baselineRate);
            bestBaseline = Math.max(bestBaseline, baselineRate);
            bestDecide = Math.max(bestDecide, decideRate);
        }
        System.out.printf(Locale.ROOT, "best: %s plain %,.0f records/s, decide %,.0f records/s, decide/plain = %.2f%n",
                workload, bestBaseline, bestDecide, bestDecide / bestBaseline);
        // Each round's pair ran back to back, so the median of the rounds' ratios is the steadier figure
        // on a machine whose load changes between rounds.
        java.util.Collections.sort(ratios);
        double median = ratios.size() % 2 == 1 ? ratios.get(ratios.size() / 2)
                : (ratios.get(ratios.size() / 2 - 1) + ratios.get(ratios.size() / 2)) / 2;
        System.out.printf(Locale.ROOT, "median of the rounds' ratios: %.2f%n", median);
        System.exit(0);
    }

    private static void row(int round, String workload, String what, long records, long ms, double rate,
            double baselineRate) {
        System.out.printf(Locale.ROOT, "%-5d %-24s %-26s %,10d %,8d %,12.0f %,12.0f %6.2f %,8d %,10.0f %,11d%n", round,
                workload, what, records, ms, rate, baselineRate, rate / baselineRate, lastCpuMs,
                records * 1000.0 / Math.max(1, lastCpuMs), lastProcessCpuMs);
    }

    /** Writes the openings, the funding credits and then the mix; returns how many were sent. */
    private static void publish(TestInfrastructure infra, LedgerTopics topics, int requests, int accounts) {
        Random random = new Random(42);
        Serde<LedgerRequest> serde = ValueSerdes.singleObject().requests();
        // The generator follows each account's version so that a refund names a real charge event.
        long[] versions = new long[accounts];
        long[] lastCharge = new long[accounts];
        Map<Integer, String> openHolds = new HashMap<>();
        try (KafkaProducer<String, LedgerRequest> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers(),
                        // As RebuildBenchmark: on a topic this new an idempotent producer's retries can end in
                        // OutOfOrderSequence; one request in flight keeps each account's order.
                        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
                        ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024),
                Serdes.String().serializer(), serde.serializer())) {
            long n = 0;
            for (int a = 0; a < accounts; a++) {
                send(producer, topics, RequestCodec.openAccount("r" + n, "k" + n, account(a), CZK, 0, n));
                n++;
                send(producer, topics, RequestCodec.credit("r" + n, "k" + n, account(a), CZK.code(), 1_000_000_000L, n, null));
                n++;
                versions[a] = 2;
            }
            int holdSeq = 0;
            while (n < requests) {
                int a = random.nextInt(accounts);
                String account = account(a);
                int kind = random.nextInt(100);
                String hold = openHolds.get(a);
                LedgerRequest request;
                if (kind < 35) {
                    request = RequestCodec.credit("r" + n, "k" + n, account, CZK.code(), 1 + random.nextInt(10_000), n, null);
                } else if (kind < 65) {
                    request = RequestCodec.charge("r" + n, "k" + n, account, CZK.code(), 1 + random.nextInt(1_000), n, null);
                    lastCharge[a] = versions[a] + 1;
                } else if (kind < 70 && lastCharge[a] > 0) {
                    request = RequestCodec.refundCharge("r" + n, "k" + n, account, CZK.code(),
                            EventHeader.eventIdOf(account, lastCharge[a]), 1, n);
                } else if (hold == null) {
                    hold = "h" + ++holdSeq;
                    request = RequestCodec.placeHold("r" + n, "k" + n, account, CZK.code(), hold, 1_000, null, n);
                    openHolds.put(a, hold);
                } else if (kind < 85) {
                    request = RequestCodec.captureHold("r" + n, "k" + n, account, CZK.code(), hold, 400, null, n);
                    send(producer, topics, request);
                    versions[a]++;
                    n++;
                    request = RequestCodec.releaseHold("r" + n, "k" + n, account, CZK.code(), hold, null, n);
                    openHolds.remove(a);
                } else {
                    request = RequestCodec.releaseHold("r" + n, "k" + n, account, CZK.code(), hold, null, n);
                    openHolds.remove(a);
                }
                send(producer, topics, request);
                versions[a]++;
                n++;
            }
            producer.flush();
        }
    }

    private static String account(int a) {
        return "acct-" + a;
    }

    private static void send(KafkaProducer<String, LedgerRequest> producer, LedgerTopics topics, LedgerRequest r) {
        producer.send(new ProducerRecord<>(topics.requests(), r.getAccountId(), r));
    }

    private static org.apache.kafka.streams.Topology plainAggregate(LedgerTopics topics) {
        Serde<LedgerRequest> serde = ValueSerdes.singleObject().requests();
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(topics.requests(), Consumed.with(Serdes.String(), serde))
                .groupByKey(Grouped.with(Serdes.String(), serde))
                .aggregate(() -> 0L,
                        (account, request, sum) -> sum + (request.getAmountMinor() == null ? 0 : request.getAmountMinor()),
                        Materialized.<String, Long, KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]>>as("sums")
                                .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()));
        return builder.build();
    }

    private static Properties streamsProperties(Map<String, Object> kafka, String applicationId, Path stateDir,
            int threads) {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        return props;
    }

    private static long timedDecide(Map<String, Object> kafka, LedgerTopics topics, Map<TopicPartition, Long> end,
            String applicationId, Path stateDir, int threads) throws Exception {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        LedgerServiceConfig config = new LedgerServiceConfig(props, applicationId, stateDir, topics, 1);
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (Admin admin = Admin.create(kafka)) {
            long startNs = System.nanoTime();
            long startCpuNs = processCpuNs();
            try (LedgerServiceApp app = new LedgerServiceApp(config, metrics)) {
                app.start();
                awaitCommitted(admin, applicationId, end, startNs);
                lastCpuMs = cpuMsOfThreads(applicationId);
                lastProcessCpuMs = (processCpuNs() - startCpuNs) / 1_000_000;
                return (System.nanoTime() - startNs) / 1_000_000;
            }
        }
    }

    private static long timed(Map<String, Object> kafka, Map<TopicPartition, Long> end, String applicationId,
            java.util.function.Function<String, KafkaStreams> streamsOf) throws Exception {
        try (Admin admin = Admin.create(kafka)) {
            long startNs = System.nanoTime();
            long startCpuNs = processCpuNs();
            try (KafkaStreams streams = streamsOf.apply(applicationId)) {
                streams.start();
                awaitCommitted(admin, applicationId, end, startNs);
                lastCpuMs = cpuMsOfThreads(applicationId);
                lastProcessCpuMs = (processCpuNs() - startCpuNs) / 1_000_000;
                return (System.nanoTime() - startNs) / 1_000_000;
            }
        }
    }

    /**
     * CPU time of the live threads whose name carries {@code applicationId} (stream threads, their
     * producers and consumers), ms: what the application itself spent, whatever else loads the machine.
     */
    private static long cpuMsOfThreads(String applicationId) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long ns = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains(applicationId)) {
                long t = Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
                ns += t;
                if (Boolean.getBoolean("bench.threads")) {
                    System.out.printf(Locale.ROOT, "  thread %-90s %,8d cpu ms%n",
                            info.getThreadName().replace(applicationId, "<app>"), t / 1_000_000);
                }
            }
        }
        return ns / 1_000_000;
    }

    private static long processCpuNs() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void awaitCommitted(Admin admin, String applicationId, Map<TopicPartition, Long> end, long startNs)
            throws Exception {
        while (true) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get();
            boolean all = end.entrySet().stream().allMatch(e -> {
                OffsetAndMetadata c = committed.get(e.getKey());
                return e.getValue() == 0 || (c != null && c.offset() >= e.getValue());
            });
            if (all) {
                return;
            }
            if (System.nanoTime() - startNs > TIMEOUT.toNanos()) {
                throw new IllegalStateException(applicationId + " had not committed " + end + " after " + TIMEOUT
                        + ": " + committed);
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        return admin.listOffsets(latest).all().get().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }
}
