package io.tally.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class OpenLoadTest {
    @Test
    void requestsAreDueOnAFixedScheduleWhateverHappenedBefore() {
        assertThat(OpenLoad.dueNs(1_000, 0, 1_000)).isEqualTo(1_000);
        assertThat(OpenLoad.dueNs(1_000, 1, 1_000)).isEqualTo(1_001_000);
        assertThat(OpenLoad.dueNs(0, 2_500, 1_000)).isEqualTo(2_500_000_000L);
    }

    @Test
    void aStallShowsInTheLatencyOfEveryRequestDueDuringIt() throws Exception {
        // 500 requests/s for 1 s, answered at once, except that sending request 100 stalls the caller
        // for 300 ms: about 150 requests were due during the stall. Timed from when each was sent,
        // they would all look instant (coordinated omission); timed from when each was due, the
        // slowest waited the whole stall.
        OpenLoad.Sender sender = sequence -> {
            if (sequence == 100) {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return CompletableFuture.completedFuture(null);
        };
        OpenLoad.Outcome outcome = OpenLoad.run(sender, 500, Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(5));

        assertThat(outcome.completed()).isEqualTo(500);
        assertThat(outcome.errors()).isZero();
        assertThat(outcome.maxMs()).isGreaterThanOrEqualTo(290);
        assertThat(outcome.ms(90)).isGreaterThan(50);
    }

    @Test
    void failedRequestsAreCountedNotTimed() throws Exception {
        OpenLoad.Outcome outcome = OpenLoad.run(sequence -> sequence % 2 == 0
                ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(new IllegalStateException("HTTP 503")),
                200, Duration.ZERO, Duration.ofMillis(500), Duration.ofSeconds(5));

        assertThat(outcome.completed()).isEqualTo(50);
        assertThat(outcome.errors()).isEqualTo(50);
    }
}
