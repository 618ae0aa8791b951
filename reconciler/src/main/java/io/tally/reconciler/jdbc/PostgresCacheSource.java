package io.tally.reconciler.jdbc;

import io.tally.core.Ids;
import io.tally.core.reconciliation.BalanceView;
import io.tally.projector.jdbc.BalanceQuarantineTable;
import io.tally.reconciler.AccountOrder;
import io.tally.reconciler.CloseableIterator;
import io.tally.reconciler.QuarantinedAccountException;
import io.tally.reconciler.SourceRowException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.result.ResultIterator;
import org.jdbi.v3.core.statement.NoTemplateEngine;
import org.jdbi.v3.core.statement.StatementContext;

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
    /** The projector's cache table, as the rows this source reads. */
    public static final String ACCOUNT_BALANCES_SQL =
            "SELECT account_id, currency, available_minor, locked_minor, version FROM account_balances";
    /** The source name of {@link #accountBalances} in reports. */
    public static final String ACCOUNT_BALANCES = "account_balances";
    /** Rows fetched per round trip unless told otherwise. */
    public static final int DEFAULT_FETCH_SIZE = 10_000;
    /**
     * The quarantined records of {@link #accountBalances}: per account, the newest first (an
     * undecodable record, without a version, before any), accounts in the order of their ids' bytes,
     * those without a key last.
     */
    static final String QUARANTINE_SQL = "SELECT account_id_utf8, version, reason, sqlstate, message, source_topic,"
            + " source_partition, source_offset FROM " + BalanceQuarantineTable.TABLE
            + " ORDER BY account_id_utf8 NULLS LAST, version DESC NULLS FIRST, quarantined_at DESC, source_offset DESC";

    private final Handle handle;
    private final ResultIterator<Read> rows;
    /** {@code null} unless the quarantine is merged in ({@link #accountBalances}). */
    private final ResultIterator<Quarantined> quarantine;
    private Read cacheHead;
    private Quarantined quarantineHead;
    private boolean closed;

    private PostgresCacheSource(Handle handle, ResultIterator<Read> rows, ResultIterator<Quarantined> quarantine) {
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
            ResultIterator<Read> rows = handle.createQuery(ordered)
                    .setTemplateEngine(new NoTemplateEngine())
                    .bindMap(bindings)
                    .setFetchSize(fetchSize)
                    .map(new RowReader())
                    .iterator();
            ResultIterator<Quarantined> quarantine = !withQuarantine ? null : handle.createQuery(QUARANTINE_SQL)
                    .setTemplateEngine(new NoTemplateEngine())
                    .setFetchSize(fetchSize)
                    .map(Quarantined::read)
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
        Read cache = cacheHead;
        Quarantined quarantined = quarantineHead;
        if (quarantined != null && quarantined.accountId == null) {
            int records = takeQuarantined();
            throw new SourceRowException(null, quarantined.reason(records));
        }
        int order = quarantined == null ? -1 : cache == null ? 1 : AccountOrder.compareIds(cache.accountId, quarantined.accountId);
        if (order < 0) {
            cacheHead = null;
            return viewOf(cache);
        }
        int records = takeQuarantined();
        BalanceView older = null;
        if (order == 0) {
            cacheHead = null;
            older = cache.view;
            if (quarantined.version != null && older != null && older.version() != null
                    && older.version() >= quarantined.version) {
                return older; // the cache has moved past the refused version since
            }
        }
        throw new QuarantinedAccountException(quarantined.accountId, older, quarantined.reason(records));
    }

    private static BalanceView viewOf(Read read) {
        if (read.error != null) {
            throw new SourceRowException(read.accountId, read.error);
        }
        return read.view;
    }

    /**
     * Moves past the head of the quarantine and the older rows of the same account (the same id bytes;
     * rows without an id are one each); the number of rows passed.
     */
    private int takeQuarantined() {
        Quarantined taken = quarantineHead;
        quarantineHead = null;
        int records = 1;
        while (taken.idUtf8 != null && quarantine.hasNext()) {
            Quarantined next = quarantine.next();
            if (!Arrays.equals(next.idUtf8, taken.idUtf8)) {
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

    /**
     * The newest quarantined record of an account, as {@link #QUARANTINE_SQL} reads it.
     *
     * @param idUtf8 the account id's bytes, or {@code null} (a record without a key)
     * @param accountId those bytes decoded, or {@code null} if there are none or they are not UTF-8
     */
    private record Quarantined(byte[] idUtf8, String accountId, Long version, String kind, String sqlState,
            String message, String source) {

        static Quarantined read(ResultSet rs, StatementContext ctx) throws SQLException {
            byte[] id = rs.getBytes("account_id_utf8");
            long version = rs.getLong("version");
            Long versionValue = rs.wasNull() ? null : version;
            String source = rs.getString("source_topic") + "-" + rs.getInt("source_partition") + "@"
                    + rs.getLong("source_offset");
            return new Quarantined(id, id == null ? null : utf8(id), versionValue, rs.getString("reason"),
                    rs.getString("sqlstate"), rs.getString("message"), source);
        }

        private static String utf8(byte[] bytes) {
            try {
                return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                return null;
            }
        }

        /** The reason, for the report: what was set aside, why, where it was read and where it is. */
        String reason(int records) {
            String whose = accountId != null ? "of this account"
                    : idUtf8 == null ? "without a key"
                    : "whose key is not UTF-8 (" + Ids.printable(new String(idUtf8, StandardCharsets.UTF_8)) + ")";
            String what = "UNDECODABLE".equals(kind)
                    ? "could not decode a ledger.balances record " + whose
                    : "had version " + version + " " + whose + " refused by PostgreSQL (SQLSTATE " + sqlState + ")";
            String more = records > 1 ? " (and " + (records - 1) + " older quarantined records)" : "";
            return "the cache sink " + what + " at " + source + more + ": "
                    + message.strip().replaceAll("\\s*\\R\\s*", "; ") + "; it is in " + BalanceQuarantineTable.TABLE;
        }
    }

    /** One row: a view, or why it could not be read. */
    private static final class Read {
        final String accountId;
        final BalanceView view;
        final String error;

        Read(String accountId, BalanceView view, String error) {
            this.accountId = accountId;
            this.view = view;
            this.error = error;
        }
    }

    /** Finds the columns once per result set, then reads each row without throwing for bad values. */
    private static final class RowReader implements RowMapper<Read> {
        @Override
        public Read map(ResultSet rs, StatementContext ctx) {
            throw new IllegalStateException("used only through specialize");
        }

        @Override
        public RowMapper<Read> specialize(ResultSet rs, StatementContext ctx) throws SQLException {
            ResultSetMetaData meta = rs.getMetaData();
            Map<String, Integer> columns = new HashMap<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                columns.putIfAbsent(meta.getColumnLabel(i).toLowerCase(Locale.ROOT), i);
            }
            int accountId = required(columns, "account_id");
            Column available = new Column("available_minor", required(columns, "available_minor"), meta);
            Column locked = new Column("locked_minor", required(columns, "locked_minor"), meta);
            Integer versionIndex = columns.get("version");
            Column version = versionIndex == null ? null : new Column("version", versionIndex, meta);
            Integer currency = columns.get("currency");
            return (row, context) -> {
                String id = row.getString(accountId);
                if (id == null) {
                    return new Read(null, null, "a row has no account_id");
                }
                try {
                    long availableMinor = available.required(row);
                    long lockedMinor = locked.required(row);
                    Long versionValue = version == null ? null : version.optional(row);
                    String currencyCode = currency == null ? null : row.getString(currency);
                    return new Read(id, new BalanceView(id, currencyCode, availableMinor, lockedMinor, versionValue), null);
                } catch (BadValueException e) {
                    return new Read(id, null, e.getMessage());
                }
            };
        }

        private static int required(Map<String, Integer> columns, String name) {
            Integer index = columns.get(name);
            if (index == null) {
                throw new IllegalArgumentException("the cache SQL returns no column " + name
                        + " (needs account_id, available_minor, locked_minor; may add version, currency): has "
                        + columns.keySet());
            }
            return index;
        }
    }

    /** A whole-number column, read as a {@code long} exactly. */
    private static final class Column {
        private final String name;
        private final int index;
        private final boolean integral;

        Column(String name, int index, ResultSetMetaData meta) throws SQLException {
            this.name = name;
            this.index = index;
            int type = meta.getColumnType(index);
            this.integral = type == Types.BIGINT || type == Types.INTEGER || type == Types.SMALLINT;
        }

        long required(ResultSet rs) throws SQLException {
            Long value = optional(rs);
            if (value == null) {
                throw new BadValueException(name + " is NULL");
            }
            return value;
        }

        Long optional(ResultSet rs) throws SQLException {
            if (integral) {
                long value = rs.getLong(index);
                return rs.wasNull() ? null : value;
            }
            BigDecimal value;
            try {
                value = rs.getBigDecimal(index);
            } catch (SQLException e) {
                throw new BadValueException(name + " is not a number: " + e.getMessage());
            }
            if (value == null) {
                return null;
            }
            try {
                return value.longValueExact();
            } catch (ArithmeticException e) {
                throw new BadValueException(name + " " + value.toPlainString()
                        + " is not a whole number of minor units within the long range");
            }
        }
    }

    /** A value of one row that cannot be read; becomes that row's {@link SourceRowException}. */
    private static final class BadValueException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadValueException(String message) {
            super(message, null, false, false);
        }
    }
}
