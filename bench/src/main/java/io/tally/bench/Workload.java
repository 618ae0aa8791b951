package io.tally.bench;

import java.util.List;

/**
 * One benchmark: prepares its data (untimed), then times the subject and its baseline alternately,
 * round by round, on the same records.
 *
 * <p>Implementations are not thread-safe; the runner calls {@link #run} from one thread.
 */
public interface Workload {
    /** The name {@code ./tally bench <name>} selects, e.g. {@code write}. */
    String name();

    /**
     * Runs the workload.
     *
     * @return one or more rows (a workload measuring several rates or services returns one per each)
     * @throws Exception if the infrastructure fails; the runner records a failed row and goes on
     */
    List<Row> run(BenchEnvironment env) throws Exception;
}
