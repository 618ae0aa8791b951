package io.tally.ledger.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The decide task's meters: {@code tally.ledger.requests{outcome, code}} (accepted, rejected, replayed,
 * dead-lettered, hold-expired, transfer-return-refused; the rejection code or dead-letter reason, or
 * {@code none}) and the {@code tally.ledger.decide} timer.
 *
 * <p>Not thread-safe: one per stream task (the meters themselves are shared and thread-safe).
 */
final class DecideMetrics {
    private final MeterRegistry registry;
    private final Timer decideTimer;
    /** Counters by outcome and code: a registry lookup builds tags and hashes them, every time. */
    private final Map<String, Counter> counters = new HashMap<>();

    DecideMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.decideTimer = Timer.builder("tally.ledger.decide").description("time to decide one request")
                .register(registry);
    }

    /** Counts one request of {@code outcome}; {@code code} is its rejection code or reason, or {@code null}. */
    void count(String outcome, String code) {
        String tag = code == null ? "none" : code;
        counters.computeIfAbsent(outcome + "/" + tag,
                k -> registry.counter("tally.ledger.requests", "outcome", outcome, "code", tag)).increment();
    }

    /** Records the time since {@code startNs} ({@link System#nanoTime}) as one decision's. */
    void timeDecision(long startNs) {
        decideTimer.record(System.nanoTime() - startNs, TimeUnit.NANOSECONDS);
    }
}
