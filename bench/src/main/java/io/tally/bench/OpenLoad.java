package io.tally.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * An open-model load generator: request {@code i} is due at {@code start + i / rate}, whatever
 * happened to the ones before, and its latency is measured from that due (intended) time, not from
 * when it was actually sent. A stall of the system, or of this generator, therefore shows in the
 * latency of every request that was due during it: the correction for coordinated omission that
 * Gil Tene's wrk2 and HdrHistogram's {@code recordValueWithExpectedInterval} exist for (here the
 * measurement itself is from the intended time, so no after-the-fact correction is needed).
 *
 * <p>Latencies go into an HdrHistogram {@link Recorder} in microseconds (3 significant digits, up to
 * one hour). Only requests due within the measured window count; the warm-up's are sent but not
 * recorded.
 *
 * <p>At most {@value #MAX_IN_FLIGHT} requests are in flight: past that the generator waits for one to
 * finish (each connection costs file descriptors on both ends, and an overloaded service would
 * otherwise exhaust them). The wait delays the actual send, never the intended time, so it shows in
 * the latencies as it should.
 *
 * <p>Thread-safe: completions may arrive on any thread; {@link #run} is called from one thread at a time.
 */
public final class OpenLoad {
    /** Sends request {@code sequence}; the future completes when its round trip is done (exceptionally: an error). */
    @FunctionalInterface
    public interface Sender {
        CompletableFuture<?> send(long sequence);
    }

    /**
     * What a measured window gave.
     *
     * @param completed requests due in the window that completed without error
     * @param errors requests due in the window that failed or did not complete
     * @param achievedPerS completed requests per second of window
     * @param latency latencies from intended send time, microseconds
     */
    public record Outcome(long completed, long errors, double achievedPerS, Histogram latency) {
        /** The latency at {@code percentile} (0-100), milliseconds. */
        public double ms(double percentile) {
            return latency.getValueAtPercentile(percentile) / 1000.0;
        }

        /** The largest latency, milliseconds. */
        public double maxMs() {
            return latency.getMaxValue() / 1000.0;
        }

        /** p50/p90/p99/p99.9/max in milliseconds, for the notes. */
        public String describe() {
            return String.format(java.util.Locale.ROOT, "p50 %.1f / p90 %.1f / p99 %.1f / p99.9 %.1f / max %.1f ms,"
                    + " %,d ok, %,d errors", ms(50), ms(90), ms(99), ms(99.9), maxMs(), completed, errors);
        }
    }

    /** Requests in flight at most. */
    public static final int MAX_IN_FLIGHT = 1_024;

    private OpenLoad() {}

    /** When request {@code sequence} is due: {@code startNs + sequence * 1e9 / ratePerS}, nanoseconds. */
    static long dueNs(long startNs, long sequence, int ratePerS) {
        return startNs + Math.round(sequence * (1e9 / ratePerS));
    }

    /**
     * Offers {@code ratePerS} requests per second for {@code warmup}, then for {@code measured}, and
     * waits up to {@code drain} for the measured ones still in flight (those still open then count as
     * errors).
     */
    public static Outcome run(Sender sender, int ratePerS, Duration warmup, Duration measured, Duration drain)
            throws InterruptedException {
        Recorder recorder = new Recorder(TimeUnit.HOURS.toMicros(1), 3);
        AtomicLong completed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong outstanding = new AtomicLong();
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(MAX_IN_FLIGHT);
        long startNs = System.nanoTime();
        long windowStartNs = startNs + warmup.toNanos();
        long endNs = windowStartNs + measured.toNanos();
        for (long i = 0; ; i++) {
            long dueNs = dueNs(startNs, i, ratePerS);
            if (dueNs >= endNs) {
                break;
            }
            long waitNs;
            while ((waitNs = dueNs - System.nanoTime()) > 0) {
                LockSupport.parkNanos(waitNs);
            }
            inFlight.acquire();
            boolean inWindow = dueNs >= windowStartNs;
            if (inWindow) {
                outstanding.incrementAndGet();
            }
            CompletableFuture<?> roundTrip;
            try {
                roundTrip = sender.send(i);
            } catch (RuntimeException e) {
                roundTrip = CompletableFuture.failedFuture(e);
            }
            roundTrip.whenComplete((ok, error) -> {
                inFlight.release();
                if (!inWindow) {
                    return;
                }
                if (error == null) {
                    recorder.recordValue(Math.max(0, (System.nanoTime() - dueNs) / 1_000));
                    completed.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                }
                outstanding.decrementAndGet();
            });
        }
        long drainUntilNs = System.nanoTime() + drain.toNanos();
        while (outstanding.get() > 0 && System.nanoTime() < drainUntilNs) {
            Thread.sleep(10);
        }
        long ok = completed.get();
        return new Outcome(ok, failed.get() + outstanding.get(), ok / (measured.toNanos() / 1e9),
                recorder.getIntervalHistogram());
    }
}
