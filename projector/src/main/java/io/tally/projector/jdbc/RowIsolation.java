package io.tally.projector.jdbc;

import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache sink's failure path, inside one transaction: finds the rows the database refuses for good
 * by bisection, writes the others, and quarantines the refused ones in
 * {@code account_balances_quarantine} ({@link BalanceQuarantineTable}).
 *
 * <p>Each slice of rows is written under a savepoint; a slice that fails with a row error
 * ({@link WriteFailure#isRowError}: SQLSTATE class 22 or 23) is rolled back to it and split in halves,
 * down to the single rows to blame. The cost is about {@code 2 log2(rows)} batches and savepoints per
 * refused row, all of them (up to {@code 2n}) if every row is refused. A failure that is not the rows'
 * ends the transaction (it is thrown, and the poll is retried from the committed offsets).
 *
 * <p>Thread-safe: immutable; each call works on the handle it is given.
 */
final class RowIsolation {
    // The sink's own logger, so that an operator's log configuration for it covers every line it writes.
    private static final Logger log = LoggerFactory.getLogger(BalanceCacheSink.class);

    private final BalanceRows rows;
    private final String topic;

    /**
     * What the failure path wrote.
     *
     * @param changedRows rows of {@code account_balances} inserted or moved forward
     * @param quarantined the refused rows new to the quarantine (a record quarantined before is not)
     */
    record Outcome(long changedRows, List<QuarantinedBalance> quarantined) {}

    /**
     * @param rows writes a slice of rows
     * @param topic the topic the rows were read from, for their quarantine rows
     */
    RowIsolation(BalanceRows rows, String topic) {
        this.rows = rows;
        this.topic = topic;
    }

    /**
     * Writes {@code candidates} but the refused ones, and quarantines those, on {@code handle}'s transaction.
     *
     * @throws JdbiException if the database fails otherwise than by refusing rows
     */
    Outcome isolate(Handle handle, List<PolledBalance> candidates) {
        Bisection bisection = new Bisection(handle);
        bisection.write(candidates);
        List<QuarantinedBalance> added = new ArrayList<>();
        if (!bisection.refused.isEmpty()) {
            int[] counts = handle.attach(BalanceQuarantineTable.class).add(bisection.refused);
            for (int i = 0; i < counts.length; i++) {
                QuarantinedBalance row = bisection.refused.get(i);
                if (counts[i] > 0) {
                    added.add(row);
                } else {
                    log.debug("balance of account '{}' at {} refused again, already quarantined",
                            row.accountIdPrintable(), row.source());
                }
            }
        }
        return new Outcome(bisection.changedRows, List.copyOf(added));
    }

    /** One bisection's state: what it wrote, what it refused, and the savepoints it named. */
    private final class Bisection {
        private final Handle handle;
        private final List<QuarantinedBalance> refused = new ArrayList<>();
        private long changedRows;
        private int savepoints;

        Bisection(Handle handle) {
            this.handle = handle;
        }

        /**
         * Writes {@code candidates} under a savepoint; if the database refuses a row of them for good, rolls
         * back to it and writes each half the same way, down to the single rows to blame.
         */
        void write(List<PolledBalance> candidates) {
            // Plain SQL rather than Jdbi's savepoint API, which forgets a savepoint rolled back to, so it
            // could not be released and the rest of the transaction would nest ever deeper inside it.
            String savepoint = "balance_rows_" + savepoints++;
            handle.execute("SAVEPOINT " + savepoint);
            try {
                changedRows += rows.write(handle, candidates.stream().map(PolledBalance::row).toList());
                handle.execute("RELEASE SAVEPOINT " + savepoint);
                return;
            } catch (JdbiException | ArithmeticException e) {
                WriteFailure failure = WriteFailure.of(e);
                if (!failure.isRowError()) {
                    throw e;
                }
                handle.execute("ROLLBACK TO SAVEPOINT " + savepoint);
                handle.execute("RELEASE SAVEPOINT " + savepoint);
                if (candidates.size() == 1) {
                    PolledBalance bad = candidates.get(0);
                    refused.add(QuarantinedBalance.rejected(topic, bad.partition(), bad.offset(), bad.row(), failure));
                    return;
                }
            }
            int half = candidates.size() / 2;
            write(candidates.subList(0, half));
            write(candidates.subList(half, candidates.size()));
        }
    }
}
