package io.tally.bench;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Where the HTTP row's time and CPU went between two moments (issue 15, item 1): the mean of each of
 * ledger-service's write stages ({@code tally.http.write.stage}, DESIGN.md, HTTP), and the CPU time of
 * this JVM's threads by part (Jetty's, the outcome reader's, the decide task's, the producers', the
 * broker's, the load generator's), in CPU milliseconds per 1,000 requests. CPU time is steady on a
 * shared machine where wall-clock time is not, and says which part costs.
 *
 * <p>Not thread-safe: one per measured window, used from the bench's thread.
 */
final class HttpBreakdown {
    /** Thread-name fragments, in the order they are tried, and the part each names. */
    private static final List<Map.Entry<String, String>> PARTS = List.of(
            Map.entry("ledger-http-outcomes", "outcome reader"),
            Map.entry("ledger-http", "jetty"),
            Map.entry("StreamThread", "decide task"),
            Map.entry("kafka-producer-network-thread", "producers"),
            Map.entry("HttpClient", "load generator"),
            Map.entry("bench-", "load generator"),
            Map.entry("data-plane", "broker"),
            Map.entry("kafka", "broker"),
            Map.entry("Txn", "broker"),
            Map.entry("group-coordinator", "broker"),
            Map.entry("executor-", "broker"));
    private static final List<String> STAGES = List.of("parse", "publish", "decide", "commit", "respond", "total");

    private final MeterRegistry registry;
    private final Map<String, double[]> stagesBefore;
    private final Map<String, Long> cpuBefore;
    private final long processCpuBefore;
    private final double commitsBefore;
    private final LongSupplier brokerProcessCpuNs;
    private final long brokerProcessCpuBefore;

    /** Takes the "before" reading now. */
    HttpBreakdown(MeterRegistry registry, LongSupplier brokerProcessCpuNs) {
        this.registry = registry;
        this.brokerProcessCpuNs = brokerProcessCpuNs;
        this.brokerProcessCpuBefore = brokerProcessCpuNs.getAsLong();
        this.stagesBefore = stages();
        this.cpuBefore = cpuByPart();
        this.processCpuBefore = processCpuNs();
        this.commitsBefore = commitsRequested();
    }

    /**
     * The stage means (ms) and CPU per 1,000 requests (ms) since the "before" reading, for the notes.
     *
     * @param requests the requests offered meanwhile
     * @param loadProcessCpuNs the CPU of a load generator in a JVM of its own meanwhile, or -1 if it ran here
     */
    String describe(long requests, long loadProcessCpuNs) {
        Map<String, double[]> stagesAfter = stages();
        StringBuilder s = new StringBuilder("stages (mean ms):");
        for (String stage : STAGES) {
            double[] before = stagesBefore.get(stage);
            double[] after = stagesAfter.get(stage);
            double count = after[0] - before[0];
            s.append(String.format(Locale.ROOT, " %s %.2f", stage, count > 0 ? (after[1] - before[1]) / count : Double.NaN));
        }
        Map<String, Long> cpuAfter = cpuByPart();
        double per = Math.max(requests, 1) / 1000.0;
        s.append(String.format(Locale.ROOT, "; commits asked for by caught-up tasks per 1,000 requests %.0f",
                (commitsRequested() - commitsBefore) / per));
        s.append(String.format(Locale.ROOT, "; stream thread commit latency avg %.1f / max %.1f ms, %.1f commits/s",
                streamsGauge("kafka.stream.thread.commit.latency.avg"), streamsGauge("kafka.stream.thread.commit.latency.max"),
                streamsGauge("kafka.stream.thread.commit.rate")));
        s.append(String.format(Locale.ROOT, "; CPU ms per 1,000 requests: service process %.0f",
                (processCpuNs() - processCpuBefore) / 1e6 / per));
        if (loadProcessCpuNs >= 0) {
            s.append(String.format(Locale.ROOT, ", load generator process %.0f", loadProcessCpuNs / 1e6 / per));
        }
        long brokerNow = brokerProcessCpuNs.getAsLong();
        if (brokerNow >= 0 && brokerProcessCpuBefore >= 0) {
            s.append(String.format(Locale.ROOT, ", broker process %.0f", (brokerNow - brokerProcessCpuBefore) / 1e6 / per));
        }
        s.append("; of the service process's threads:");
        for (Map.Entry<String, Long> e : cpuAfter.entrySet()) {
            long delta = e.getValue() - cpuBefore.getOrDefault(e.getKey(), 0L);
            if (delta > 0) {
                s.append(String.format(Locale.ROOT, " %s %.0f,", e.getKey(), delta / 1e6 / per));
            }
        }
        s.setLength(s.length() - 1);
        return s.toString();
    }

    /** Per stage: {count, total ms}. */
    private Map<String, double[]> stages() {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (String stage : STAGES) {
            Timer t = registry.find("tally.http.write.stage").tag("stage", stage).timer();
            m.put(stage, t == null ? new double[2] : new double[] {t.count(), t.totalTime(TimeUnit.MILLISECONDS)});
        }
        return m;
    }

    /** A Kafka Streams thread metric (its recent window, as Streams keeps it), summed over threads; NaN if absent. */
    private double streamsGauge(String name) {
        return registry.find(name).gauges().stream().mapToDouble(g -> g.value()).filter(v -> !Double.isNaN(v))
                .reduce(Double::sum).orElse(Double.NaN);
    }

    private double commitsRequested() {
        return registry.find("tally.ledger.commits.requested").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /**
     * CPU nanoseconds of the live threads by part. A thread that ended between the readings drops out of
     * its part, which is why the process total is printed beside the parts.
     */
    private static Map<String, Long> cpuByPart() {
        Map<String, Long> byPart = new LinkedHashMap<>();
        PARTS.stream().map(Map.Entry::getValue).distinct().forEach(p -> byPart.put(p, 0L));
        byPart.put("other", 0L);
        byPart.putAll(ApplicationCpu.byPart(HttpBreakdown::partOf));
        return byPart;
    }

    private static String partOf(String thread) {
        return PARTS.stream().filter(p -> thread.contains(p.getKey())).map(Map.Entry::getValue).findFirst()
                .orElse("other");
    }

    private static long processCpuNs() {
        return ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime();
    }
}
