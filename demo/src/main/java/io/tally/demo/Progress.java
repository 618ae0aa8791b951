package io.tally.demo;

import java.time.Duration;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Terminal progress bars (the progressbar library) for the demo's long phases, with rate and ETA.
 */
public final class Progress {
    private Progress() {}

    /** A bar of {@code total} steps named {@code task}, counting {@code unit}s. */
    public static ProgressBar bar(String task, long total, String unit) {
        ProgressBarBuilder builder = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setUnit(" " + unit, 1)
                .showSpeed()
                .setStyle(ProgressBarStyle.ASCII)
                .setMaxRenderedLength(100)
                .continuousUpdate();
        if (System.console() == null) {
            // Not a terminal (CI, a pipe): a plain line every few seconds rather than carriage returns.
            builder.setUpdateIntervalMillis(5_000).setConsumer(new DelegatingProgressBarConsumer(System.out::println, 100));
        } else {
            builder.setUpdateIntervalMillis(200);
        }
        return builder.build();
    }

    /**
     * Shows a bar while waiting for {@code done} to reach {@code total}.
     *
     * @return true when it got there, false when {@code timeout} passed first
     */
    static boolean await(String task, long total, String unit, LongSupplier done, Duration timeout)
            throws InterruptedException {
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        try (ProgressBar bar = bar(task, total, unit)) {
            while (true) {
                long now = done.getAsLong();
                bar.stepTo(now);
                if (now >= total) {
                    return true;
                }
                if (System.nanoTime() > deadlineNs) {
                    return false;
                }
                Thread.sleep(100);
            }
        }
    }
}
