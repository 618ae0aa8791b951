package io.tally.demo;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Wall-clock time per phase of a run, in milliseconds, in the order the phases ended. Not thread-safe. */
final class Phases {
    private final Map<String, Long> phasesMs = new LinkedHashMap<>();
    private long lastNs = System.nanoTime();

    /** Ends the current phase under {@code name}; returns its duration as text ("1.2 s"). */
    String end(String name) {
        long now = System.nanoTime();
        long ms = (now - lastNs) / 1_000_000;
        phasesMs.merge(name, ms, Long::sum);
        lastNs = now;
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    /** The duration of {@code name}, 0 if it did not run. */
    long get(String name) {
        return phasesMs.getOrDefault(name, 0L);
    }

    /** Every phase's duration. */
    Map<String, Long> all() {
        return new LinkedHashMap<>(phasesMs);
    }
}
