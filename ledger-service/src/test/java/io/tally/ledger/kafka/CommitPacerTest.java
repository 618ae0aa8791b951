package io.tally.ledger.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When the decide task asks Streams to commit (issue 15, item 3): at once for a live request, not again
 * within the gap, after the gap from its punctuator, and never for a backlog, which commits on
 * {@code commit.interval.ms}. Kafka's own {@link MockProcessorContext} records the commit requests.
 */
class CommitPacerTest {
    private static final Duration GAP = Duration.ofMillis(5);
    /** The gap is kept per stream thread, and the tests share one: each starts a day after the last. */
    private static final AtomicLong EPOCH_NS = new AtomicLong(System.nanoTime());

    private final AtomicLong nowNs = new AtomicLong();
    private final MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private CommitPacer pacer;

    @BeforeEach
    void start() {
        nowNs.set(EPOCH_NS.addAndGet(TimeUnit.DAYS.toNanos(1)));
        context.setCurrentSystemTimeMs(1_000_000);
        pacer = new CommitPacer(context, GAP, metrics, nowNs::get);
        pacer.schedule();
    }

    @Test
    void aLiveRequestOnAnIdleTaskIsCommittedAtOnce() {
        pacer.decided(1_000_000 - 3);

        assertThat(context.committed()).isTrue();
        assertThat(metrics.counter("tally.ledger.commits.requested").count()).isEqualTo(1);
    }

    @Test
    void requestsWithinTheGapShareTheNextCommitWhichThePunctuatorAsksForWhenTheGapHasPassed() {
        pacer.decided(1_000_000);
        context.resetCommit();

        advance(Duration.ofMillis(2));
        pacer.decided(1_000_000);
        punctuate();
        assertThat(context.committed()).as("within the gap").isFalse();

        advance(Duration.ofMillis(3));
        punctuate();
        assertThat(context.committed()).as("the gap has passed").isTrue();
        context.resetCommit();

        advance(Duration.ofMillis(20));
        punctuate();
        assertThat(context.committed()).as("nothing decided since").isFalse();
    }

    @Test
    void aBacklogAsksForNothingAndCommitsOnTheInterval() {
        pacer.decided(1_000_000 - CommitPacer.CAUGHT_UP_MS - 1);
        advance(Duration.ofMillis(50));
        punctuate();

        assertThat(context.committed()).isFalse();
    }

    @Test
    void catchingUpAfterABacklogCommitsAtOnce() {
        pacer.decided(1_000_000 - 60_000);
        assertThat(context.committed()).isFalse();

        pacer.decided(1_000_000 - 1);

        assertThat(context.committed()).isTrue();
    }

    private void advance(Duration by) {
        nowNs.addAndGet(by.toNanos());
    }

    private void punctuate() {
        for (MockProcessorContext.CapturedPunctuator p : context.scheduledPunctuators()) {
            assertThat(p.getType()).isEqualTo(PunctuationType.WALL_CLOCK_TIME);
            p.getPunctuator().punctuate(context.currentSystemTimeMs());
        }
    }
}
