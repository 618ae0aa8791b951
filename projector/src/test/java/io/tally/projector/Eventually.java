package io.tally.projector;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition that another thread makes true. */
public final class Eventually {
    private Eventually() {}

    /**
     * Polls {@code condition} every 50 ms until it holds.
     *
     * @throws AssertionError naming {@code what} if it does not hold within {@code timeout}
     */
    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadlineNs > 0) {
                throw new AssertionError("not true within " + timeout.toMillis() + " ms: " + what);
            }
            Thread.sleep(50);
        }
    }
}
