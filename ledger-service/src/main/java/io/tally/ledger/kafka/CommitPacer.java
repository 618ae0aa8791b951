package io.tally.ledger.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Commits the decide task's transaction when the work is done rather than on a timer (issue 15, item 3;
 * DESIGN.md, Commits): an outcome is readable only once its Streams transaction commits, so a caller
 * waiting on a write waits for the commit.
 *
 * <p>The rule: while the task is <em>caught up</em> (the record it last decided was appended at most
 * {@link #CAUGHT_UP_MS} ago, by its record timestamp: a live request, not a backlog), it asks Streams
 * for a commit ({@link ProcessorContext#commit}) as soon as it has decided something and its last
 * request (or another task's of the same stream thread) is at least the gap ago ({@link LedgerServiceConfig#commitGap}). An idle instance therefore
 * commits a lone request at once, and a busy one commits at most once per gap: every request that
 * arrived meanwhile goes into that transaction, so the batch per transaction grows with the load. A
 * task that is behind (a replay, a bulk load, an overload) asks for nothing and commits on
 * {@code commit.interval.ms}, in the largest batches, until it has caught up. A 1 ms wall-clock
 * punctuator makes the same check, so a request decided within the gap is committed when the gap has
 * passed, not on the next request.
 *
 * <p>Streams carries out a requested commit after the records it is processing in this round
 * ({@code StreamThread}: process, punctuate, then commit), so the request never splits a batch it has
 * in hand.
 *
 * <p>Exactly-once is Streams': an earlier commit commits the same transaction earlier; nothing is
 * visible to a {@code read_committed} reader before its transaction commits.
 *
 * <p>Not thread-safe: one per stream task, on the task's thread.
 */
final class CommitPacer {
    /** How old a record may be, by its timestamp, for its task to count as caught up. */
    static final long CAUGHT_UP_MS = 100;
    /** How often the punctuator looks. */
    static final Duration LOOK = Duration.ofMillis(1);

    private final ProcessorContext<?, ?> context;
    private final Counter requested;
    /**
     * When a task of this stream thread last asked for a commit, {@link System#nanoTime}: a commit
     * commits every task of its thread ({@code exactly_once_v2}: one producer per thread), so the gap is
     * kept per thread, not per task.
     */
    private static final ThreadLocal<long[]> LAST_REQUEST_NS = ThreadLocal.withInitial(() -> new long[] {Long.MIN_VALUE});

    private final long gapNs;
    private final LongSupplier nanoClock;
    private boolean caughtUp;
    private boolean uncommitted;

    /** @param gap the least time between two commits asked for (positive) */
    CommitPacer(ProcessorContext<?, ?> context, Duration gap, MeterRegistry metrics) {
        this(context, gap, metrics, System::nanoTime);
    }

    /** @param nanoClock the monotonic clock the gap is kept by, nanoseconds ({@link System#nanoTime}) */
    CommitPacer(ProcessorContext<?, ?> context, Duration gap, MeterRegistry metrics, LongSupplier nanoClock) {
        this.context = context;
        this.nanoClock = nanoClock;
        this.gapNs = gap.toNanos();
        this.requested = Counter.builder("tally.ledger.commits.requested")
                .description("commits the decide task asked for because it was caught up and had decided something")
                .register(metrics);
    }

    /** Starts the punctuator. */
    void schedule() {
        context.schedule(LOOK, PunctuationType.WALL_CLOCK_TIME, ignored -> maybeCommit(nanoClock.getAsLong()));
    }

    /**
     * The task decided a record appended at {@code recordTimestampMs} (epoch ms); its outputs are in the
     * open transaction.
     */
    void decided(long recordTimestampMs) {
        long nowNs = nanoClock.getAsLong();
        caughtUp = context.currentSystemTimeMs() - recordTimestampMs <= CAUGHT_UP_MS;
        uncommitted = true;
        maybeCommit(nowNs);
    }

    private void maybeCommit(long nowNs) {
        long[] lastRequestNs = LAST_REQUEST_NS.get();
        if (uncommitted && caughtUp && (lastRequestNs[0] == Long.MIN_VALUE || nowNs - lastRequestNs[0] >= gapNs)) {
            context.commit();
            requested.increment();
            uncommitted = false;
            lastRequestNs[0] = nowNs;
        }
    }
}
