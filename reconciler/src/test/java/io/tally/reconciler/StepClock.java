package io.tally.reconciler;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that starts at {@code startMs} and moves {@code stepMs} forward on every read. */
final class StepClock extends Clock {
    private long nextMs;
    private final long stepMs;

    StepClock(long startMs, long stepMs) {
        this.nextMs = startMs;
        this.stepMs = stepMs;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long millis() {
        long ms = nextMs;
        nextMs += stepMs;
        return ms;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }
}
