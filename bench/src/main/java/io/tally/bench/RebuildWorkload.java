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
import org.apache.kafka.streams.StreamsConfig;

/**
 * Projector rebuild: a {@code ledger.events} made by the real ledger-service from
 * {@link BenchOptions#eventAccounts} opens and {@link BenchOptions#events} mixed requests (untimed),
 * replayed by {@link ProjectionRebuild} (tables only: version guard, balances, versioned history,
 * holds, flags; at least once, a thread per partition, {@link ProjectionRebuild#replaySettings})
 * against a plain aggregate over the same topic, run twice per round: with the live projector's
 * settings (exactly_once_v2, one thread, 100 ms commits: what a plain Streams job does out of the box)
 * and with the rebuild's own settings. Each is timed from start until its group committed every offset;
 * each rate is the rebuild's processed event count over its own time. Two rows, one per baseline. Goal:
 * at least 1.0x the baseline. Ported from the projector's {@code RebuildBenchmark} (issue 5).
 */
public final class RebuildWorkload implements Workload {
    /** The goal, rebuild rate over baseline rate. */
    public static final double GOAL_RATIO = 1.0;
    /** The live projector's commit interval, the baseline's under the live settings. */
    private static final int LIVE_COMMIT_INTERVAL_MS = 100;

    @Override
    public String name() {
        return "rebuild";
    }

    @Override
    public List<Row> run(BenchEnvironment env) throws Exception {
        BenchOptions o = env.options();
        LedgerTopics topics = env.newTopics("rebuild");
        Map<TopicPartition, Long> end = decidedEvents(env, topics, "rebuild");
        DataSource database = env.newDatabase("rebuild");
        ProjectorSchema.migrate(database);
        Map<String, Object> replay = ProjectionRebuild.replaySettings(o.partitions());
        double bestLiveBaseline = 0;
        double bestReplayBaseline = 0;
        long events = 0;
        long bestMs = Long.MAX_VALUE;
        for (int round = 1; round <= o.rounds(); round++) {
            String liveId = BenchEnvironment.unique("rebuild-plain-live");
            long liveMs = StreamsTiming.plainAggregate(env.kafka(), topics.events().name(), topics.events().valueSerde(),
                    RebuildWorkload::amountOf, end, env.newStateDir(liveId), liveId, LIVE_COMMIT_INTERVAL_MS);
            String replayId = BenchEnvironment.unique("rebuild-plain-replay");
            long replayMs = StreamsTiming.plainAggregate(env.kafka(), topics.events().name(), topics.events().valueSerde(),
                    RebuildWorkload::amountOf, end, env.newStateDir(replayId), replayId, replay);
            String rebuiltId = BenchEnvironment.unique("rebuild-projector");
            ProjectionRebuild.Result rebuilt = new ProjectionRebuild(env.kafka(), topics, env.newStateDir(rebuiltId), 1)
                    .run(database, "bench-no-live-projection", rebuiltId, false, ProjectionRebuild.Listener.NONE,
                            Duration.ofMinutes(30));
            events = rebuilt.events();
            env.progress("rebuild round %d: plain aggregate %,d ms (live settings), %,d ms (replay settings); rebuild"
                    + " %,d ms for %,d events", round, liveMs, replayMs, rebuilt.replayMs(), events);
            bestLiveBaseline = Math.max(bestLiveBaseline, events * 1000.0 / liveMs);
            bestReplayBaseline = Math.max(bestReplayBaseline, events * 1000.0 / replayMs);
            bestMs = Math.min(bestMs, rebuilt.replayMs());
        }
        double bestRebuild = events * 1000.0 / bestMs;
        String notes = String.format(Locale.ROOT, "best of %d rounds each; %,d accounts, %d partitions", o.rounds(),
                o.eventAccounts(), o.partitions());
        return List.of(
                Row.throughput("projector rebuild vs plain (live: eos, 1 thread)", events, bestMs / 1000.0,
                        bestLiveBaseline, ">= " + GOAL_RATIO + "x baseline", bestRebuild / bestLiveBaseline >= GOAL_RATIO,
                        notes),
                Row.throughput("projector rebuild vs plain (replay settings)", events, bestMs / 1000.0,
                        bestReplayBaseline, ">= " + GOAL_RATIO + "x baseline",
                        bestRebuild / bestReplayBaseline >= GOAL_RATIO, notes + "; both at least once, "
                                + replay.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG)
                                + " threads"));
    }

    /**
     * Writes {@link BenchOptions#eventAccounts} opens and {@link BenchOptions#events} mixed requests to
     * {@code topics}' requests and has the real ledger-service decide them (untimed).
     *
     * @return the read-committed end offsets of {@code ledger.events} after
     */
    static Map<TopicPartition, Long> decidedEvents(BenchEnvironment env, LedgerTopics topics, String row) throws Exception {
        BenchOptions o = env.options();
        long requests = new RequestMix(o.eventAccounts()).write(env.kafka(), topics, o.events());
        String ledgerId = BenchEnvironment.unique(row + "-ledger");
        try (LedgerServiceApp app = new LedgerServiceApp(new LedgerServiceConfig(env.kafka(), ledgerId,
                env.newStateDir(ledgerId), topics, 1), new SimpleMeterRegistry())) {
            app.start();
            StreamsTiming.awaitCommitted(env.kafka(), ledgerId, StreamsTiming.endOffsets(env.kafka(), topics.requests().name()),
                    Duration.ofMinutes(30));
        }
        Map<TopicPartition, Long> end = StreamsTiming.endOffsets(env.kafka(), topics.events().name());
        env.progress("%s: ledger-service decided %,d requests into %,d offsets of ledger.events", row, requests,
                StreamsTiming.offsets(end));
        return end;
    }

    private static long amountOf(LedgerEvent event) {
        Long amount = event.getAmountMinor();
        return amount == null ? 0 : amount;
    }
}
