package io.tally.projector.rebuild;

import io.tally.projector.rebuild.ProjectionRebuild.Difference;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * The comparison of a live and a rebuilt projection, table by table and row by row: a row differs when
 * it is on one side only or its values are not {@link Object#equals equal} (Avro records compare by
 * field). Keeps the first {@link ProjectionRebuild#MAX_DIFFERENCES} differences and counts them all.
 *
 * <p>Not thread-safe: one comparison, built by one thread.
 */
final class TableComparison {
    private final List<Difference> differences = new ArrayList<>();
    private int count;

    /**
     * Compares one table, both sides read whole ({@link ChangelogTable}).
     *
     * @param table the table's name in a {@link Difference} ({@code balances}, {@code holds})
     * @return this comparison
     */
    <V> TableComparison add(String table, SortedMap<String, V> live, SortedMap<String, V> rebuilt) {
        TreeSet<String> keys = new TreeSet<>(live.keySet());
        keys.addAll(rebuilt.keySet());
        for (String key : keys) {
            V a = live.get(key);
            V b = rebuilt.get(key);
            if (!Objects.equals(a, b)) {
                count++;
                if (differences.size() < ProjectionRebuild.MAX_DIFFERENCES) {
                    differences.add(new Difference(table, key, a, b));
                }
            }
        }
        return this;
    }

    /** How many rows differ, over every table added. */
    int count() {
        return count;
    }

    /** The first rows that differ, in table then key order, at most {@link ProjectionRebuild#MAX_DIFFERENCES}. */
    List<Difference> differences() {
        return List.copyOf(differences);
    }
}
