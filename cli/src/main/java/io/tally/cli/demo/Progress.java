package io.tally.cli.demo;

import java.time.Duration;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Terminal progress bars (the progressbar library) for the demo's long phases, with rate and ETA.
 */
final class Progress {
    private Progress() {}

    /** A bar of {@code total} steps named {@code task}, counting {@code unit}s. */
    static ProgressBar bar(String task, long total, String unit) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setUnit(" " + unit, 1)
                .showSpeed()
                .setStyle(ProgressBarStyle.ASCII)
                .setMaxRenderedLength(100)
                .setUpdateIntervalMillis(200)
                .continuousUpdate()
                .build();
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
