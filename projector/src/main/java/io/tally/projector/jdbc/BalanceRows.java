package io.tally.projector.jdbc;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatements;

/**
 * Writes balance rows on a transaction's handle: the version-guarded upsert into
 * {@code account_balances} ({@link AccountBalanceTable#upsert}) and, for the rows that moved forward,
 * the application's own SQL as one batch with bound named parameters (see {@link BalanceCacheSink}).
 *
 * <p>Thread-safe: immutable; each call works on the handle it is given.
 */
final class BalanceRows {
    private final Optional<String> applicationSql;

    /** @param applicationSql SQL with named parameters run for each row that moved forward, if any */
    BalanceRows(Optional<String> applicationSql) {
        this.applicationSql = applicationSql;
    }

    /**
     * Upserts {@code rows} and runs the application SQL for those that moved forward, on {@code handle}'s
     * transaction.
     *
     * @return per row, 1 if it moved forward, 0 if not
     * @throws ArithmeticException if a row's {@code :total} overflows a {@code long}
     * @throws org.jdbi.v3.core.JdbiException if the database refuses a statement
     */
    int[] write(Handle handle, List<CachedBalance> rows) {
        int[] upserted = handle.attach(AccountBalanceTable.class).upsert(rows);
        if (applicationSql.isPresent()) {
            PreparedBatch batch = handle.prepareBatch(applicationSql.get());
            batch.getConfig(SqlStatements.class).setUnusedBindingAllowed(true);
            for (int i = 0; i < rows.size(); i++) {
                if (upserted[i] > 0) {
                    bindApplicationRow(batch, rows.get(i)).add();
                }
            }
            if (batch.size() > 0) {
                batch.execute();
            }
        }
        return upserted;
    }

    /** The rows changed, of per-row counts such as {@link #write}'s (a negative count is none). */
    static long changed(int[] counts) {
        long changedRows = 0;
        for (int count : counts) {
            changedRows += Math.max(count, 0);
        }
        return changedRows;
    }

    private static PreparedBatch bindApplicationRow(PreparedBatch batch, CachedBalance row) {
        return batch.bind("account_id", row.accountId()).bind("currency", row.currency()).bind("scale", row.scale())
                .bind("available", row.availableMinor()).bind("locked", row.lockedMinor())
                .bind("total", Math.addExact(row.availableMinor(), row.lockedMinor())).bind("version", row.version())
                .bind("last_event_id", row.lastEventId());
    }
}
