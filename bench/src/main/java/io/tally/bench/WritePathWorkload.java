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
 *
 * <p>A second row, hot account (issue 15): the same number of requests on a topic of their own, but
 * {@link #HOT_SHARE} of the mixed ones are credits to one account ({@link RequestMix#HOT_ACCOUNT}), so
 * one partition and one key take half the load; decided by ledger-service in the same rounds, against
 * the uniform row as its baseline. Goal: at least 0.5x the uniform row. Both ledger-service rows also
 * report the application's own CPU time per 1,000 requests ({@link ApplicationCpu}).
 */
public final class WritePathWorkload implements Workload {
    /** The goal, subject rate over baseline rate. */
    public static final double GOAL_RATIO = 0.5;
    /** The hot row's goal, its rate over the uniform row's. */
    public static final double HOT_GOAL_RATIO = 0.5;
    /** The share of the hot row's mixed requests that go to the one hot account. */
    public static final double HOT_SHARE = 0.5;

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
        LedgerTopics hotTopics = env.newTopics("write-hot");
        long hotRecords = new RequestMix(o.accounts(), HOT_SHARE).write(env.kafka(), hotTopics, o.requests());
        Map<TopicPartition, Long> hotEnd = StreamsTiming.endOffsets(env.kafka(), hotTopics.requests().name());
        int commitIntervalMs = commitIntervalMs(env);
        env.progress("write: %,d requests (%,d opens, %,d mixed) on %d partitions; commit.interval.ms %d; hot row: "
                + "%.0f%% of the mixed requests to %s", records, o.accounts(), o.requests(), o.partitions(),
                commitIntervalMs, HOT_SHARE * 100, RequestMix.HOT_ACCOUNT);
        double bestBaseline = 0;
        Run bestUniform = null;
        Run bestHot = null;
        for (int round = 1; round <= o.rounds(); round++) {
            String plainId = BenchEnvironment.unique("write-plain");
            long baselineMs = StreamsTiming.plainAggregate(env.kafka(), topics.requests().name(), topics.requests().valueSerde(),
                    RequestMix::amountOf, end, env.newStateDir(plainId), plainId, commitIntervalMs);
            Run uniform = decide(env, topics, end);
            Run hot = decide(env, hotTopics, hotEnd);
            env.progress("write round %d: plain aggregate %,d ms (%,.0f/s), ledger-service %,d ms (%,.0f/s, %.0f CPU ms "
                    + "per 1,000), hot account %,d ms (%,.0f/s, %.0f CPU ms per 1,000)", round, baselineMs,
                    records * 1000.0 / baselineMs, uniform.ms, records * 1000.0 / uniform.ms, uniform.cpuMsPer1000(records),
                    hot.ms, hotRecords * 1000.0 / hot.ms, hot.cpuMsPer1000(hotRecords));
            bestBaseline = Math.max(bestBaseline, records * 1000.0 / baselineMs);
            bestUniform = bestUniform == null || uniform.ms < bestUniform.ms ? uniform : bestUniform;
            bestHot = bestHot == null || hot.ms < bestHot.ms ? hot : bestHot;
        }
        double uniformRate = records * 1000.0 / bestUniform.ms;
        double hotRate = hotRecords * 1000.0 / bestHot.ms;
        return List.of(
                Row.throughput("write path (decide+append, EOS)", records, bestUniform.ms / 1000.0, bestBaseline,
                        ">= " + GOAL_RATIO + "x baseline", uniformRate / bestBaseline >= GOAL_RATIO,
                        String.format(Locale.ROOT, "best of %d rounds each; %,d accounts, %d partitions, "
                                + "commit.interval.ms %d; ledger-service CPU %.0f ms per 1,000 requests", o.rounds(),
                                o.accounts(), o.partitions(), commitIntervalMs, bestUniform.cpuMsPer1000(records))),
                Row.throughput("write path, hot account (vs uniform)", hotRecords, bestHot.ms / 1000.0, uniformRate,
                        ">= " + HOT_GOAL_RATIO + "x uniform", hotRate / uniformRate >= HOT_GOAL_RATIO,
                        String.format(Locale.ROOT, "best of %d rounds; %.0f%% of the mixed requests are credits to %s; "
                                + "CPU %.0f ms per 1,000 requests (uniform %.0f)", o.rounds(), HOT_SHARE * 100,
                                RequestMix.HOT_ACCOUNT, bestHot.cpuMsPer1000(hotRecords),
                                bestUniform.cpuMsPer1000(records))));
    }

    /** One timed run of ledger-service: wall time, and its own threads' CPU time. */
    private record Run(long ms, long cpuNs) {
        double cpuMsPer1000(long records) {
            return cpuNs / 1e6 / (records / 1000.0);
        }
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
        return gapMs.isEmpty() || gapMs.getAsInt() == 0 ? "none" : gapMs.getAsInt() + " ms";
    }

    private static Run decide(BenchEnvironment env, LedgerTopics topics, Map<TopicPartition, Long> end)
            throws Exception {
        String applicationId = BenchEnvironment.unique("write-ledger");
        long startNs = System.nanoTime();
        try (LedgerServiceApp app = new LedgerServiceApp(serviceConfig(env, applicationId, topics),
                new SimpleMeterRegistry())) {
            app.start();
            StreamsTiming.awaitCommitted(env.kafka(), applicationId, end, Duration.ofMinutes(30));
            long ms = (System.nanoTime() - startNs) / 1_000_000;
            return new Run(ms, ApplicationCpu.nanos(applicationId));
        }
    }
}
