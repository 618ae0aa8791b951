package io.tally.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs workloads by name, one after another on one {@link BenchEnvironment}, and reports their rows
 * as a table and, optionally, as JSON. A workload that fails gives a failed row; the others still run.
 *
 * <p>Not thread-safe.
 */
public final class BenchRunner {
    /** Every workload, in the order {@code ./tally bench} without names runs them. */
    public static List<Workload> all() {
        return List.of(new WritePathWorkload(), new RebuildWorkload(), new CacheSinkWorkload(),
                new ReconcileWorkload(), new HttpLatencyWorkload(), new HttpBatchWorkload(),
                new MemoryWorkload(), new RestoreWorkload());
    }

    /** The names of {@link #all()}. */
    public static List<String> names() {
        return all().stream().map(Workload::name).toList();
    }

    private BenchRunner() {}

    /**
     * Runs {@code names} (all when empty) and prints progress and the table to {@code out}.
     *
     * @param json where to write the results as JSON, or empty
     * @return the rows
     * @throws IllegalArgumentException for an unknown workload name
     * @throws Exception if Kafka or PostgreSQL cannot start
     */
    public static List<Row> run(List<String> names, BenchOptions options, Optional<String> bootstrapServers,
            Optional<String> jdbcUrl, Optional<Path> json, PrintStream out) throws Exception {
        List<Workload> chosen = new ArrayList<>();
        for (String name : names.isEmpty() ? names() : names) {
            chosen.add(all().stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("unknown workload '" + name + "'; known: " + names())));
        }
        Map<String, Object> machine = machine();
        out.println("tally bench " + chosen.stream().map(Workload::name).toList() + " on " + machine);
        List<Row> rows = new ArrayList<>();
        Path dir = Files.createTempDirectory("tally-bench");
        String where;
        try (BenchEnvironment env = BenchEnvironment.start(bootstrapServers, jdbcUrl, dir, options, out)) {
            where = env.where();
            out.println("on " + where);
            for (Workload w : chosen) {
                long startNs = System.nanoTime();
                try {
                    rows.addAll(w.run(env));
                } catch (Exception | AssertionError e) {
                    e.printStackTrace(out);
                    rows.add(Row.failed(w.name(), e));
                }
                out.printf(java.util.Locale.ROOT, "%s took %.0f s in all%n", w.name(), (System.nanoTime() - startNs) / 1e9);
            }
        }
        out.println();
        out.print(Results.table(rows));
        if (json.isPresent()) {
            Results.writeJson(json.get(), machine, where, options, rows);
            out.println("results written to " + json.get());
        }
        deleteQuietly(dir);
        return rows;
    }

    /** Cores, memory, JDK and OS of this machine, as the JSON and the table's heading give them. */
    static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            m.put("memoryGiB", Math.round(sun.getTotalMemorySize() / (1024.0 * 1024 * 1024)));
        }
        m.put("maxHeapMiB", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("at", Instant.now().toString());
        return m;
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory; the OS cleans it up
        }
    }
}
