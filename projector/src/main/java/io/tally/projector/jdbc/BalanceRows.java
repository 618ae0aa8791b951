package io.tally.projector.jdbc;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatements;

/**
 * Writes balance rows on a transaction's handle: the version-guarded upsert into
 * {@code account_balances} ({@link AccountBalanceTable#upsert}, one statement for all the rows) and, for the rows that moved forward,
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
     * @param rows at most one row per account
     * @return the rows that moved forward (inserted, or replaced by a higher version)
     * @throws ArithmeticException if a row's {@code :total} overflows a {@code long}
     * @throws org.jdbi.v3.core.JdbiException if the database refuses a statement
     */
    long write(Handle handle, List<CachedBalance> rows) {
        AccountBalanceTable table = handle.attach(AccountBalanceTable.class);
        if (applicationSql.isEmpty()) {
            return table.upsert(rows);
        }
        Set<String> moved = new HashSet<>(table.upsertListingMoved(rows));
        if (!moved.isEmpty()) {
            PreparedBatch batch = handle.prepareBatch(applicationSql.get());
            batch.getConfig(SqlStatements.class).setUnusedBindingAllowed(true);
            for (CachedBalance row : rows) {
                if (moved.contains(row.accountId())) {
                    bindApplicationRow(batch, row).add();
                }
            }
            batch.execute();
        }
        return moved.size();
    }

    private static PreparedBatch bindApplicationRow(PreparedBatch batch, CachedBalance row) {
        return batch.bind("account_id", row.accountId()).bind("currency", row.currency()).bind("scale", row.scale())
                .bind("available", row.availableMinor()).bind("locked", row.lockedMinor())
                .bind("total", Math.addExact(row.availableMinor(), row.lockedMinor())).bind("version", row.version())
                .bind("last_event_id", row.lastEventId());
    }
}
