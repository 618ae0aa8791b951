package io.tally.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results of a run as a fixed-width text table and as JSON (NaN becomes {@code null}).
 *
 * <p>Thread-safe: static functions.
 */
public final class Results {
    private static final String FORMAT = "%-38s %12s %9s %12s %12s %7s %-22s %-4s %9s %9s %9s  %s%n";

    private Results() {}

    /** The table: a header line and one line per row; numbers in {@link Locale#ROOT}. */
    public static String table(List<Row> rows) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, FORMAT, "workload", "records", "seconds", "records/s", "baseline/s",
                "ratio", "goal", "met", "p50 ms", "p99 ms", "heap MiB", "notes"));
        for (Row r : rows) {
            out.append(String.format(Locale.ROOT, FORMAT, r.workload(), String.format(Locale.ROOT, "%,d", r.records()),
                    Row.fixed(r.seconds(), 2), Row.fixed(r.recordsPerSecond(), 0),
                    Row.fixed(r.baselineRecordsPerSecond(), 0), Row.fixed(r.ratio(), 2), r.goal(),
                    r.met() == null ? "-" : r.met() ? "yes" : "NO", Row.fixed(r.p50Ms(), 1), Row.fixed(r.p99Ms(), 1),
                    Row.fixed(r.heapMb(), 0), r.notes()));
        }
        return out.toString();
    }

    /** A row as JSON-ready fields, in table order; NaN as {@code null}. */
    public static Map<String, Object> fields(Row r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workload", r.workload());
        m.put("records", r.records());
        m.put("seconds", number(r.seconds()));
        m.put("recordsPerSecond", number(r.recordsPerSecond()));
        m.put("baselineRecordsPerSecond", number(r.baselineRecordsPerSecond()));
        m.put("ratio", number(r.ratio()));
        m.put("goal", r.goal());
        m.put("met", r.met());
        m.put("p50Ms", number(r.p50Ms()));
        m.put("p99Ms", number(r.p99Ms()));
        m.put("heapMb", number(r.heapMb()));
        m.put("notes", r.notes());
        return m;
    }

    /**
     * Writes {@code {"machine": ..., "environment": ..., "options": ..., "rows": [...]}} to {@code file}.
     *
     * @throws IOException if the file cannot be written
     */
    public static void writeJson(Path file, Map<String, Object> machine, String environment, BenchOptions options,
            List<Row> rows) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("machine", machine);
        doc.put("environment", environment);
        Map<String, Object> opts = new LinkedHashMap<>();
        for (var component : BenchOptions.class.getRecordComponents()) {
            try {
                Object value = component.getAccessor().invoke(options);
                opts.put(component.getName(), value instanceof java.util.OptionalInt o
                        ? (o.isPresent() ? (Object) o.getAsInt() : null) : value);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("a record accessor is public", e);
            }
        }
        doc.put("options", opts);
        List<Map<String, Object>> list = new ArrayList<>();
        rows.forEach(r -> list.add(fields(r)));
        doc.put("rows", list);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), doc);
    }

    private static Double number(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? null : value;
    }
}
