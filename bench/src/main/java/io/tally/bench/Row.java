package io.tally.bench;

import java.util.Locale;

/**
 * One line of the results table: a workload's measured rate against its baseline's, measured in the
 * same run.
 *
 * @param workload what was measured, e.g. {@code write path}
 * @param records records (requests, events, rows, accounts) each side processed
 * @param seconds the subject's elapsed time, seconds
 * @param recordsPerSecond the subject's rate
 * @param baselineRecordsPerSecond the baseline's rate over the same records, or {@code NaN} if the row has none
 * @param goal the goal in words, e.g. {@code >= 0.5x baseline}
 * @param met whether the goal was met, or {@code null} when the row has no goal
 * @param p50Ms median latency, milliseconds, or {@code NaN} where latency does not apply
 * @param p99Ms 99th percentile latency, milliseconds, or {@code NaN}
 * @param heapMb heap used after GC attributable to the subject, MiB, or {@code NaN}
 * @param notes how it was measured (rounds, which round is reported) and figures that fit no column
 */
public record Row(String workload, long records, double seconds, double recordsPerSecond,
        double baselineRecordsPerSecond, String goal, Boolean met, double p50Ms, double p99Ms, double heapMb,
        String notes) {

    /** The subject's rate divided by the baseline's, or {@code NaN} without a baseline. */
    public double ratio() {
        return baselineRecordsPerSecond > 0 ? recordsPerSecond / baselineRecordsPerSecond : Double.NaN;
    }

    /** A throughput row: records in {@code seconds} against a baseline rate. */
    public static Row throughput(String workload, long records, double seconds, double baselineRecordsPerSecond,
            String goal, Boolean met, String notes) {
        return new Row(workload, records, seconds, records / Math.max(seconds, 1e-9), baselineRecordsPerSecond, goal,
                met, Double.NaN, Double.NaN, Double.NaN, notes);
    }

    /** This row with latency percentiles. */
    public Row withLatency(double p50, double p99) {
        return new Row(workload, records, seconds, recordsPerSecond, baselineRecordsPerSecond, goal, met, p50, p99,
                heapMb, notes);
    }

    /** This row with a heap figure. */
    public Row withHeapMb(double mb) {
        return new Row(workload, records, seconds, recordsPerSecond, baselineRecordsPerSecond, goal, met, p50Ms, p99Ms,
                mb, notes);
    }

    /** A row saying a workload failed; its notes carry the reason. */
    public static Row failed(String workload, Throwable error) {
        return new Row(workload, 0, Double.NaN, Double.NaN, Double.NaN, "", false, Double.NaN, Double.NaN, Double.NaN,
                "FAILED: " + error);
    }

    /** {@code 1.23} style, or {@code -} for NaN; {@link Locale#ROOT}. */
    static String fixed(double value, int decimals) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }
}
