package io.tally.reconciler.jdbc;

import io.tally.core.reconciliation.BalanceView;
import io.tally.projector.jdbc.AccountBalanceTable;
import io.tally.reconciler.AccountOrder;
import io.tally.reconciler.CloseableIterator;
import io.tally.reconciler.QuarantinedAccountException;
import io.tally.reconciler.SourceRowException;
import java.util.Arrays;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.result.ResultIterator;
import org.jdbi.v3.core.statement.NoTemplateEngine;

/**
 * A balance cache in PostgreSQL as the actual side of a reconciliation, streamed in
 * {@link AccountOrder} through a server-side cursor: the projector's {@code account_balances}
 * table, or an application's own balance table read by configured SQL.
 *
 * <p>The SQL must return the columns {@code account_id} (any type; compared as text),
 * {@code available_minor} and {@code locked_minor} (whole numbers of minor units, integer or
 * numeric), and optionally {@code version} (the last event reflected; {@code NULL} for unknown)
 * and {@code currency}. It runs as written, with values only through named bind parameters
 * ({@code :workspace}), never concatenated, wrapped in {@code SELECT * FROM (sql) ... ORDER BY
 * CAST(account_id AS text) COLLATE "C"} so that the order is this source's guarantee, not the
 * SQL author's. It runs in a read-only transaction. The database must be UTF-8 (or
 * {@code SQL_ASCII}), where {@code COLLATE "C"} is the order of the UTF-8 bytes.
 *
 * <p>A row whose values cannot be read ({@code NULL} balance, a fraction of a minor unit, out of
 * the {@code long} range) is yielded as a {@link SourceRowException} and the stream goes on; a row
 * without an account id is reported the same way with no id.
 *
 * <p>{@link #accountBalances} also merges in the projector's {@code account_balances_quarantine}
 * (the records its cache sink set aside, issue 21), read in the same snapshot (a repeatable-read
 * transaction) by a second cursor in the order of the ids' UTF-8 bytes, which is
 * {@link AccountOrder}: an account whose newest quarantined row has no version (an undecodable
 * record) or a version above its {@code account_balances} row's, or that has no row there, is
 * yielded as a {@link QuarantinedAccountException} (with the older row, if any) in its place in the
 * order; an older quarantined row, which the cache has since moved past, changes nothing. Ids are
 * compared exactly ({@code bytea}: text cannot hold an id with NUL). A quarantined record without a
 * key, or whose key is not UTF-8, has no place in the order and is reported as an error without an
 * account.
 *
 * <p>Holds a connection and an open transaction until {@link #close()}d. Not thread-safe.
 */
public final class PostgresCacheSource implements CloseableIterator<BalanceView> {
    /** The projector's cache table, as the rows this source reads ({@link AccountBalanceTable#COMPARED_ROWS}). */
    public static final String ACCOUNT_BALANCES_SQL = AccountBalanceTable.COMPARED_ROWS;
    /** The source name of {@link #accountBalances} in reports. */
    public static final String ACCOUNT_BALANCES = "account_balances";
    /** Rows fetched per round trip unless told otherwise. */
    public static final int DEFAULT_FETCH_SIZE = 10_000;

    private final Handle handle;
    private final ResultIterator<CacheRow> rows;
    /** {@code null} unless the quarantine is merged in ({@link #accountBalances}). */
    private final ResultIterator<QuarantinedRecord> quarantine;
    private CacheRow cacheHead;
    private QuarantinedRecord quarantineHead;
    private boolean closed;

    private PostgresCacheSource(Handle handle, ResultIterator<CacheRow> rows, ResultIterator<QuarantinedRecord> quarantine) {
        this.handle = handle;
        this.rows = rows;
        this.quarantine = quarantine;
    }

    /**
     * Streams the projector's {@code account_balances} table ({@code ProjectorSchema}), with
     * {@value #DEFAULT_FETCH_SIZE} rows per fetch, and its quarantined accounts (class documentation).
     *
     * @param jdbi the cache's database
     * @return the source; close it
     * @throws org.jdbi.v3.core.JdbiException if the query cannot run
     * @throws IllegalStateException if the database is not UTF-8
     */
    public static PostgresCacheSource accountBalances(Jdbi jdbi) {
        return open(jdbi, ACCOUNT_BALANCES_SQL, Map.of(), DEFAULT_FETCH_SIZE, true);
    }

    /**
     * Streams the rows of configured SQL, such as
     * {@code SELECT id AS account_id, (balance * 100)::bigint AS available_minor,
     * (locked_balance * 100)::bigint AS locked_minor FROM wallets WHERE workspace_id = :workspace}.
     *
     * @param jdbi the database
     * @param sql a single {@code SELECT} returning the columns above; a trailing {@code ;} is dropped
     * @param bindings values of the SQL's named parameters
     * @param fetchSize rows per round trip, at least 1
     * @return the source; close it
     * @throws IllegalArgumentException if the fetch size is below 1 or a required column is absent
     * @throws org.jdbi.v3.core.JdbiException if the query cannot run (syntax, no {@code account_id})
     * @throws IllegalStateException if the database is not UTF-8
     */
    public static PostgresCacheSource query(Jdbi jdbi, String sql, Map<String, ?> bindings, int fetchSize) {
        return open(jdbi, sql, bindings, fetchSize, false);
    }

    private static PostgresCacheSource open(Jdbi jdbi, String sql, Map<String, ?> bindings, int fetchSize,
            boolean withQuarantine) {
        Objects.requireNonNull(jdbi, "jdbi");
        Objects.requireNonNull(bindings, "bindings");
        if (fetchSize < 1) {
            throw new IllegalArgumentException("fetch size must be >= 1: " + fetchSize);
        }
        String ordered = orderedSql(sql);
        Handle handle = jdbi.open();
        try {
            String encoding = handle.createQuery("SHOW server_encoding").mapTo(String.class).one();
            if (!encoding.equals("UTF8") && !encoding.equals("SQL_ASCII")) {
                throw new IllegalStateException("the database encoding is " + encoding
                        + ": COLLATE \"C\" orders UTF-8 bytes only in a UTF8 database");
            }
            // PostgreSQL streams with a fetch size only inside a transaction; otherwise it sends every row at once.
            handle.begin();
            // Two cursors read one snapshot only under repeatable read.
            handle.execute(withQuarantine ? "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                    : "SET TRANSACTION READ ONLY");
            ResultIterator<CacheRow> rows = handle.createQuery(ordered)
                    .setTemplateEngine(new NoTemplateEngine())
                    .bindMap(bindings)
                    .setFetchSize(fetchSize)
                    .map(new CacheRow.Reader())
                    .iterator();
            ResultIterator<QuarantinedRecord> quarantine = !withQuarantine ? null : handle.createQuery(QuarantinedRecord.NEWEST_FIRST_SQL)
                    .setTemplateEngine(new NoTemplateEngine())
                    .setFetchSize(fetchSize)
                    .map(QuarantinedRecord::read)
                    .iterator();
            return new PostgresCacheSource(handle, rows, quarantine);
        } catch (RuntimeException e) {
            release(handle, e);
            throw e;
        }
    }

    /**
     * {@code sql} wrapped so that its rows come in {@link AccountOrder}.
     *
     * @param sql a single {@code SELECT}; a trailing {@code ;} is dropped
     * @return {@code SELECT * FROM (sql) AS cache ORDER BY CAST(account_id AS text) COLLATE "C"}
     * @throws IllegalArgumentException if {@code sql} is blank
     */
    public static String orderedSql(String sql) {
        Objects.requireNonNull(sql, "sql");
        String body = sql.strip();
        while (body.endsWith(";")) {
            body = body.substring(0, body.length() - 1).strip();
        }
        if (body.isEmpty()) {
            throw new IllegalArgumentException("the cache SQL is empty");
        }
        // The newline ends a trailing "--" comment in the configured SQL.
        return "SELECT * FROM (\n" + body + "\n) AS cache ORDER BY CAST(account_id AS text) COLLATE \"C\"";
    }

    @Override
    public boolean hasNext() {
        if (closed) {
            throw new IllegalStateException("the cache source is closed");
        }
        return cacheHead != null || rows.hasNext()
                || quarantine != null && (quarantineHead != null || quarantine.hasNext());
    }

    /**
     * The next row's view.
     *
     * @throws QuarantinedAccountException for an account whose newest row the cache sink quarantined
     *     (class documentation); the next call goes on
     * @throws SourceRowException if the row's values cannot be read, or for a quarantined record
     *     without an account id; the next call goes on
     * @throws NoSuchElementException if there is none
     * @throws org.jdbi.v3.core.JdbiException if fetching fails
     */
    @Override
    public BalanceView next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        if (quarantine == null) {
            return viewOf(rows.next());
        }
        if (cacheHead == null && rows.hasNext()) {
            cacheHead = rows.next();
        }
        if (quarantineHead == null && quarantine.hasNext()) {
            quarantineHead = quarantine.next();
        }
        CacheRow cache = cacheHead;
        QuarantinedRecord quarantined = quarantineHead;
        if (quarantined != null && quarantined.accountId() == null) {
            int records = takeQuarantined();
            throw new SourceRowException(null, quarantined.reason(records));
        }
        int order = quarantined == null ? -1 : cache == null ? 1 : AccountOrder.compareIds(cache.accountId(), quarantined.accountId());
        if (order < 0) {
            cacheHead = null;
            return viewOf(cache);
        }
        int records = takeQuarantined();
        BalanceView older = null;
        if (order == 0) {
            cacheHead = null;
            older = cache.view();
            if (quarantined.version() != null && older != null && older.version() != null
                    && older.version() >= quarantined.version()) {
                return older; // the cache has moved past the refused version since
            }
        }
        throw new QuarantinedAccountException(quarantined.accountId(), older, quarantined.reason(records));
    }

    private static BalanceView viewOf(CacheRow read) {
        if (read.error() != null) {
            throw new SourceRowException(read.accountId(), read.error());
        }
        return read.view();
    }

    /**
     * Moves past the head of the quarantine and the older rows of the same account (the same id bytes;
     * rows without an id are one each); the number of rows passed.
     */
    private int takeQuarantined() {
        QuarantinedRecord taken = quarantineHead;
        quarantineHead = null;
        int records = 1;
        while (taken.idUtf8() != null && quarantine.hasNext()) {
            QuarantinedRecord next = quarantine.next();
            if (!Arrays.equals(next.idUtf8(), taken.idUtf8())) {
                quarantineHead = next;
                break;
            }
            records++;
        }
        return records;
    }

    /** Closes the cursor, ends the read-only transaction and returns the connection; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        try {
            rows.close();
            if (quarantine != null) {
                quarantine.close();
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        release(handle, failure);
        if (failure != null) {
            throw failure;
        }
    }

    /** Rolls back (nothing was written) and closes; adds any failure to {@code primary}, or throws it. */
    private static void release(Handle handle, RuntimeException primary) {
        try {
            try {
                if (handle.isInTransaction()) {
                    handle.rollback();
                }
            } finally {
                handle.close();
            }
        } catch (RuntimeException e) {
            if (primary == null) {
                throw e;
            }
            primary.addSuppressed(e);
        }
    }
}
