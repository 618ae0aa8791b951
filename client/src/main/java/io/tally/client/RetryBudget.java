package io.tally.client;

import java.time.Duration;
import java.util.Objects;

/**
 * How long {@link TallyClient} keeps trying one call: at most {@code maxAttempts} HTTP requests and
 * {@code maxDuration} in all, waiting {@code initialDelay} after the first retryable answer and doubling up to
 * {@code maxDelay}; a 503's {@code Retry-After} (seconds) replaces the wait when present. Retried: 202 (the
 * outcome is not back), 503, and requests that time out or fail to connect; every retry of a write carries the
 * same idempotency key (DESIGN.md, The Java client).
 *
 * <p>Immutable and thread-safe.
 *
 * @param maxAttempts requests per call, at least 1 (1: no retries)
 */
public record RetryBudget(int maxAttempts, Duration maxDuration, Duration initialDelay, Duration maxDelay) {
    /** @throws IllegalArgumentException if {@code maxAttempts < 1} or a duration is not positive */
    public RetryBudget {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        for (Duration d : new Duration[] {maxDuration, initialDelay, maxDelay}) {
            if (Objects.requireNonNull(d, "durations").isNegative() || d.isZero()) {
                throw new IllegalArgumentException("retry durations must be positive, was " + d);
            }
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("maxDelay " + maxDelay + " is shorter than initialDelay " + initialDelay);
        }
    }

    /** The default: 10 attempts within 30 s, waits from 50 ms doubling to 2 s. */
    public static RetryBudget defaults() {
        return new RetryBudget(10, Duration.ofSeconds(30), Duration.ofMillis(50), Duration.ofSeconds(2));
    }

    /** One attempt, no retry: for a load generator, where a retry would hide latency. */
    public static RetryBudget none() {
        return new RetryBudget(1, Duration.ofDays(1), Duration.ofMillis(1), Duration.ofMillis(1));
    }
}
