package io.tally.reconciler;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.tally.core.reconciliation.DriftTier;
import io.tally.reconciler.jdbc.RecordedRuns;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The reconciler's Prometheus-ready meters (issue 6, alerts), per source:
 * <ul>
 *   <li>{@code tally.reconciliation.drift.accounts{source,tier}}: drifting accounts of the last run, by tier;
 *   <li>{@code tally.reconciliation.drift.amount.minor{source,tier}}: the sum of their sizes, minor units;
 *   <li>{@code tally.reconciliation.last.run.timestamp.seconds{source}}: when the last run finished;
 *   <li>{@code tally.reconciliation.last.run.status{source}}: 0 in sync, 1 drift, 2 failed;
 *   <li>{@code tally.reconciliation.runs{source,status}}: runs, counted;
 *   <li>{@code tally.reconciliation.fixed{source}}: corrections issued, counted.
 * </ul>
 * Gauges show the last run's values until the next run replaces them.
 *
 * <p>Thread-safe.
 */
public final class ReconciliationMetrics {
    /** {@code last.run.status} of a run in sync. */
    public static final int IN_SYNC = 0;
    /** {@code last.run.status} of a run that found drift. */
    public static final int DRIFT = 1;
    /** {@code last.run.status} of a run that failed. */
    public static final int FAILED = 2;

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> values = new ConcurrentHashMap<>();

    /** @param registry where the meters go */
    public ReconciliationMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Records a run's outcome. */
    public void recordRun(String source, RecordedRuns.Outcome outcome, long finishedAtMs) {
        for (DriftTier tier : DriftTier.values()) {
            if (tier.isDrift()) {
                gauge("tally.reconciliation.drift.accounts", source, tier).set(outcome.result().count(tier));
                gauge("tally.reconciliation.drift.amount.minor", source, tier)
                        .set(outcome.driftMinorByTier().getOrDefault(tier, 0L));
            }
        }
        finish(source, outcome.exitCode() == 0 ? IN_SYNC : DRIFT, finishedAtMs);
        registry.counter("tally.reconciliation.fixed", "source", source).increment(outcome.fixed());
    }

    /** Records a run that failed as a whole. */
    public void recordFailure(String source, long finishedAtMs) {
        finish(source, FAILED, finishedAtMs);
    }

    private void finish(String source, int status, long finishedAtMs) {
        gauge("tally.reconciliation.last.run.timestamp.seconds", source, null).set(finishedAtMs / 1000);
        gauge("tally.reconciliation.last.run.status", source, null).set(status);
        registry.counter("tally.reconciliation.runs", "source", source,
                "status", status == IN_SYNC ? "in_sync" : status == DRIFT ? "drift" : "failed").increment();
    }

    private AtomicLong gauge(String name, String source, DriftTier tier) {
        Tags tags = tier == null ? Tags.of("source", source) : Tags.of("source", source, "tier", tier.name());
        return values.computeIfAbsent(name + tags, key -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(name, value, AtomicLong::get).tags(tags).register(registry);
            return value;
        });
    }
}
