package io.tally.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.LedgerEvent;
import io.tally.ledger.kafka.LedgerServiceApp;
import io.tally.ledger.kafka.LedgerServiceConfig;
import io.tally.projector.jdbc.ProjectorSchema;
import io.tally.projector.rebuild.ProjectionRebuild;
import io.tally.schemas.LedgerTopics;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;

/**
 * Projector rebuild: a {@code ledger.events} made by the real ledger-service from
 * {@link BenchOptions#eventAccounts} opens and {@link BenchOptions#events} mixed requests (untimed),
 * replayed by {@link ProjectionRebuild} (tables only: version guard, balances, versioned history,
 * holds, flags) against a plain exactly_once_v2 aggregate over the same topic, both with the
 * rebuild's commit interval (100 ms). Both are timed from start until their group committed every
 * offset; the rate of each is the rebuild's processed event count over its own time. Goal: at least
 * 1.0x the baseline. Ported from the projector's {@code RebuildBenchmark} (issue 5).
 */
public final class RebuildWorkload implements Workload {
    /** The goal, rebuild rate over baseline rate. */
    public static final double GOAL_RATIO = 1.0;
    /** The commit interval {@link ProjectionRebuild} uses, given to the baseline too. */
    private static final int REBUILD_COMMIT_INTERVAL_MS = 100;

    @Override
    public String name() {
        return "rebuild";
    }

    @Override
    public List<Row> run(BenchEnvironment env) throws Exception {
        BenchOptions o = env.options();
        LedgerTopics topics = env.newTopics("rebuild");
        long requests = new RequestMix(o.eventAccounts()).write(env.kafka(), topics, o.events());
        String ledgerId = BenchEnvironment.unique("rebuild-ledger");
        try (LedgerServiceApp app = new LedgerServiceApp(new LedgerServiceConfig(env.kafka(), ledgerId,
                env.newStateDir(ledgerId), topics, 1), new SimpleMeterRegistry())) {
            app.start();
            StreamsTiming.awaitCommitted(env.kafka(), ledgerId, StreamsTiming.endOffsets(env.kafka(), topics.requests()),
                    Duration.ofMinutes(30));
        }
        Map<TopicPartition, Long> end = StreamsTiming.endOffsets(env.kafka(), topics.events());
        env.progress("rebuild: ledger-service decided %,d requests into %,d offsets of ledger.events", requests,
                StreamsTiming.offsets(end));
        DataSource database = env.newDatabase("rebuild");
        ProjectorSchema.migrate(database);
        double bestBaseline = 0;
        double bestRebuild = 0;
        long events = 0;
        long bestMs = Long.MAX_VALUE;
        for (int round = 1; round <= o.rounds(); round++) {
            String plainId = BenchEnvironment.unique("rebuild-plain");
            long baselineMs = StreamsTiming.plainAggregate(env.kafka(), topics.events(), LedgerTopics.EVENT_SERDE,
                    RebuildWorkload::amountOf, end, env.newStateDir(plainId), plainId, REBUILD_COMMIT_INTERVAL_MS);
            String rebuiltId = BenchEnvironment.unique("rebuild-projector");
            ProjectionRebuild.Result rebuilt = new ProjectionRebuild(env.kafka(), topics, env.newStateDir(rebuiltId), 1)
                    .run(database, "bench-no-live-projection", rebuiltId, false, QUIET, Duration.ofMinutes(30));
            events = rebuilt.events();
            env.progress("rebuild round %d: plain aggregate %,d ms, rebuild %,d ms for %,d events", round, baselineMs,
                    rebuilt.replayMs(), events);
            bestBaseline = Math.max(bestBaseline, events * 1000.0 / baselineMs);
            if (rebuilt.replayMs() < bestMs) {
                bestMs = rebuilt.replayMs();
                bestRebuild = events * 1000.0 / bestMs;
            }
        }
        return List.of(Row.throughput("projector rebuild (tables)", events, bestMs / 1000.0, bestBaseline,
                ">= " + GOAL_RATIO + "x baseline", bestRebuild / bestBaseline >= GOAL_RATIO,
                String.format(Locale.ROOT, "best of %d rounds each; %,d accounts, %d partitions", o.rounds(),
                        o.eventAccounts(), o.partitions())));
    }

    private static long amountOf(LedgerEvent event) {
        Long amount = event.getAmountMinor();
        return amount == null ? 0 : amount;
    }

    private static final ProjectionRebuild.Listener QUIET = new ProjectionRebuild.Listener() {
        @Override
        public void started(long totalOffsets) {}

        @Override
        public void progress(long committedOffsets, long events) {}
    };
}
