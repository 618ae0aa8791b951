package io.tally.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.ledger.kafka.LedgerServiceApp;
import io.tally.ledger.kafka.LedgerServiceConfig;
import io.tally.schemas.LedgerTopics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Write path: {@link BenchOptions#accounts} opens plus {@link BenchOptions#requests} mixed requests
 * ({@link RequestMix}) on {@code ledger.requests}, decided and appended exactly once by the real
 * {@link LedgerServiceApp} with its production settings, against a plain exactly_once_v2 aggregate
 * over the same records and partitions ({@link StreamsTiming#plainAggregate}) with the same commit
 * interval. Both are timed from start until their group committed every input offset; each round
 * uses new application ids. Goal (issue 8): at least 0.5x the baseline.
 */
public final class WritePathWorkload implements Workload {
    /** The goal, subject rate over baseline rate. */
    public static final double GOAL_RATIO = 0.5;

    @Override
    public String name() {
        return "write";
    }

    @Override
    public List<Row> run(BenchEnvironment env) throws Exception {
        BenchOptions o = env.options();
        LedgerTopics topics = env.newTopics("write");
        long records = new RequestMix(o.accounts()).write(env.kafka(), topics, o.requests());
        Map<TopicPartition, Long> end = StreamsTiming.endOffsets(env.kafka(), topics.requests().name());
        int commitIntervalMs = commitIntervalMs(env);
        env.progress("write: %,d requests (%,d opens, %,d mixed) on %d partitions; commit.interval.ms %d", records,
                o.accounts(), o.requests(), o.partitions(), commitIntervalMs);
        double bestBaseline = 0;
        double bestSubject = 0;
        long bestSubjectMs = Long.MAX_VALUE;
        for (int round = 1; round <= o.rounds(); round++) {
            String plainId = BenchEnvironment.unique("write-plain");
            long baselineMs = StreamsTiming.plainAggregate(env.kafka(), topics.requests().name(), topics.requests().valueSerde(),
                    RequestMix::amountOf, end, env.newStateDir(plainId), plainId, commitIntervalMs);
            long subjectMs = decide(env, topics, end);
            env.progress("write round %d: plain aggregate %,d ms (%,.0f/s), ledger-service %,d ms (%,.0f/s)", round,
                    baselineMs, records * 1000.0 / baselineMs, subjectMs, records * 1000.0 / subjectMs);
            bestBaseline = Math.max(bestBaseline, records * 1000.0 / baselineMs);
            if (subjectMs < bestSubjectMs) {
                bestSubjectMs = subjectMs;
                bestSubject = records * 1000.0 / subjectMs;
            }
        }
        return List.of(Row.throughput("write path (decide+append, EOS)", records, bestSubjectMs / 1000.0, bestBaseline,
                ">= " + GOAL_RATIO + "x baseline", bestSubject / bestBaseline >= GOAL_RATIO,
                String.format(Locale.ROOT, "best of %d rounds each; %,d accounts, %d partitions, commit.interval.ms %d",
                        o.rounds(), o.accounts(), o.partitions(), commitIntervalMs)));
    }

    /** The commit interval in force: the flag's, else ledger-service's default. */
    static int commitIntervalMs(BenchEnvironment env) {
        return env.options().commitIntervalMs().orElse(LedgerServiceApp.DEFAULT_COMMIT_INTERVAL_MS);
    }

    /** Kafka properties for ledger-service: the environment's, with the flag's commit interval if given. */
    static Map<String, Object> serviceKafka(BenchEnvironment env) {
        Map<String, Object> kafka = new HashMap<>(env.kafka());
        env.options().commitIntervalMs().ifPresent(ms -> kafka.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, ms));
        return kafka;
    }

    /** ledger-service's configuration for a bench row: {@link #serviceKafka}, and the flag's commit gap if given. */
    static LedgerServiceConfig serviceConfig(BenchEnvironment env, String applicationId, LedgerTopics topics)
            throws java.io.IOException {
        LedgerServiceConfig config = new LedgerServiceConfig(serviceKafka(env), applicationId,
                env.newStateDir(applicationId), topics, 1);
        OptionalInt gapMs = env.options().commitGapMs();
        return gapMs.isEmpty() ? config : config.withCommitGap(gapMs.getAsInt() == 0 ? null : Duration.ofMillis(gapMs.getAsInt()));
    }

    /** The commit gap in force, for the notes. */
    static String commitGap(BenchEnvironment env) {
        OptionalInt gapMs = env.options().commitGapMs();
        return gapMs.isEmpty() ? LedgerServiceConfig.DEFAULT_COMMIT_GAP.toMillis() + " ms"
                : gapMs.getAsInt() == 0 ? "none" : gapMs.getAsInt() + " ms";
    }

    private static long decide(BenchEnvironment env, LedgerTopics topics, Map<TopicPartition, Long> end)
            throws Exception {
        String applicationId = BenchEnvironment.unique("write-ledger");
        long startNs = System.nanoTime();
        try (LedgerServiceApp app = new LedgerServiceApp(serviceConfig(env, applicationId, topics),
                new SimpleMeterRegistry())) {
            app.start();
            StreamsTiming.awaitCommitted(env.kafka(), applicationId, end, Duration.ofMinutes(30));
            return (System.nanoTime() - startNs) / 1_000_000;
        }
    }
}
