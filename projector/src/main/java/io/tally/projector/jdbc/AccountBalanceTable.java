package io.tally.projector.jdbc;

import java.io.IOException;
import java.io.Reader;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.sqlobject.SqlObject;
import org.jdbi.v3.sqlobject.config.KeyColumn;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.config.ValueColumn;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;
import org.postgresql.PGConnection;

/**
 * The {@code account_balances} table (migration {@code V1__account_balances.sql}), as a Jdbi
 * SqlObject: attach it to a handle ({@code handle.attach(AccountBalanceTable.class)}) or get an
 * on-demand instance from {@code jdbi.onDemand}. The one place that table's SQL is written: the cache
 * sink and the rebuild's refill write through it, the reconciler reads and corrects through it, the demo
 * and the benchmarks read and fill through it.
 *
 * <p>Thread-safe as Jdbi's on-demand objects are; an attached instance belongs to its handle.
 */
@RegisterConstructorMapper(CachedBalance.class)
public interface AccountBalanceTable extends SqlObject {
    /** What an upsert sets when the account's row exists: every column from the new row, and the sync time. */
    String ON_CONFLICT_SET_EVERY_COLUMN = """
            ON CONFLICT (account_id) DO UPDATE SET
                currency = EXCLUDED.currency,
                scale = EXCLUDED.scale,
                available_minor = EXCLUDED.available_minor,
                locked_minor = EXCLUDED.locked_minor,
                version = EXCLUDED.version,
                last_event_id = EXCLUDED.last_event_id,
                updated_at = EXCLUDED.updated_at,
                synced_at = now()
            """;

    /** The insert-or-update of a row by its values, with no version guard: {@link #refill} adds its own. */
    String UPSERT = """
            INSERT INTO account_balances
                (account_id, currency, scale, available_minor, locked_minor, version, last_event_id, updated_at)
            VALUES (:accountId, :currency, :scale, :availableMinor, :lockedMinor, :version, :lastEventId, :updatedAt)
            """ + ON_CONFLICT_SET_EVERY_COLUMN;

    /** Every column of a row but {@code synced_at}, as {@link CachedBalance} maps them. */
    String SELECT_ROW = """
            SELECT account_id, currency, scale, available_minor, locked_minor, version, last_event_id, updated_at
            FROM account_balances""";

    /**
     * The columns a reconciliation compares, unordered: SQL text rather than a method because the
     * reconciler's cache source streams it through a server-side cursor with a row reader of its own
     * (one that reads an application's table by configured SQL too), wrapped to order it.
     */
    String COMPARED_ROWS = "SELECT account_id, currency, available_minor, locked_minor, version FROM account_balances";

    /**
     * {@link #COMPARED_ROWS} in account order (the unsigned order of the ids' UTF-8 bytes): the plain
     * ordered scan a reconciliation is measured against ({@code ./tally bench reconcile}).
     */
    String COMPARED_ROWS_IN_ACCOUNT_ORDER = COMPARED_ROWS + " ORDER BY account_id COLLATE \"C\"";

    /**
     * One currency of the table and its minor-unit digits.
     *
     * @param currency currency or asset code
     * @param scale minor-unit digits
     */
    record CurrencyScale(String currency, int scale) {}

    /**
     * The version-guarded upsert of column arrays ({@link BalanceColumns}), one statement for all the
     * rows: {@code INSERT ... SELECT FROM unnest(...) ON CONFLICT ... DO UPDATE ... WHERE} the row's
     * version is lower. A batch of single-row upserts, one per row, took the cache sink 2-2.5x as long
     * as a plain batched insert of the same rows (issue 16, {@code ./tally bench sink}).
     */
    String UPSERT_COLUMNS = """
            INSERT INTO account_balances
                (account_id, currency, scale, available_minor, locked_minor, version, last_event_id, updated_at)
            SELECT account_id, currency, scale, available_minor, locked_minor, version, last_event_id,
                   TIMESTAMPTZ 'epoch' + updated_at_micros * INTERVAL '1 microsecond'
            FROM unnest(CAST(:accountIds AS text[]), CAST(:currencies AS text[]), CAST(:scales AS integer[]),
                        CAST(:availableMinor AS bigint[]), CAST(:lockedMinor AS bigint[]),
                        CAST(:versions AS bigint[]), CAST(:lastEventIds AS text[]),
                        CAST(:updatedAtMicros AS bigint[]))
                AS balance (account_id, currency, scale, available_minor, locked_minor, version, last_event_id,
                            updated_at_micros)
            """ + ON_CONFLICT_SET_EVERY_COLUMN + """
            WHERE account_balances.version < EXCLUDED.version
            """;

    /**
     * Rows as column arrays, the shape {@link #UPSERT_COLUMNS} binds as PostgreSQL arrays: element
     * {@code i} of every array is row {@code i}; all arrays have the same length.
     *
     * @param updatedAtMicros the acceptance time in microseconds since the epoch ({@code timestamptz}'s
     *     resolution, so no instant PostgreSQL can hold is rounded)
     */
    record BalanceColumns(String[] accountIds, String[] currencies, int[] scales, long[] availableMinor,
            long[] lockedMinor, long[] versions, String[] lastEventIds, long[] updatedAtMicros) {
        /**
         * The columns of {@code rows}, in their order.
         *
         * @throws IllegalArgumentException if two rows are of the same account: one statement cannot move
         *     a row twice (PostgreSQL would refuse it with SQLSTATE 21000)
         */
        public static BalanceColumns of(Collection<CachedBalance> rows) {
            int n = rows.size();
            BalanceColumns columns = new BalanceColumns(new String[n], new String[n], new int[n], new long[n],
                    new long[n], new long[n], new String[n], new long[n]);
            Set<String> accounts = new HashSet<>(n * 2);
            int i = 0;
            for (CachedBalance row : rows) {
                if (!accounts.add(row.accountId())) {
                    throw new IllegalArgumentException("two rows of account '" + row.accountId() + "' in one upsert");
                }
                columns.accountIds[i] = row.accountId();
                columns.currencies[i] = row.currency();
                columns.scales[i] = row.scale();
                columns.availableMinor[i] = row.availableMinor();
                columns.lockedMinor[i] = row.lockedMinor();
                columns.versions[i] = row.version();
                columns.lastEventIds[i] = row.lastEventId();
                columns.updatedAtMicros[i] = ChronoUnit.MICROS.between(Instant.EPOCH, row.updatedAt());
                i++;
            }
            return columns;
        }
    }

    /**
     * Inserts or moves forward each row: an existing row is replaced only by a higher version, so
     * replays and out-of-order deliveries never move a row back. One statement ({@link #UPSERT_COLUMNS}),
     * all or nothing: if PostgreSQL refuses one row, none is written.
     *
     * @param rows at most one row per account (callers keep the newest version of each)
     * @return the rows inserted or moved forward (a row already at that version or newer is not)
     * @throws IllegalArgumentException if two rows are of the same account
     * @throws org.jdbi.v3.core.statement.UnableToExecuteStatementException if PostgreSQL refuses a row
     *     (a NUL in a text value: SQLSTATE 22021; a version below 1: 23514)
     */
    default int upsert(Collection<CachedBalance> rows) {
        return rows.isEmpty() ? 0 : upsertColumns(BalanceColumns.of(rows));
    }

    /**
     * As {@link #upsert}, saying which rows moved: for a caller that acts on those rows only (the cache
     * sink's application SQL). Returning them cost some 10% of the statement's time, so {@link #upsert}
     * does not.
     *
     * @return the accounts whose rows were inserted or moved forward, in no particular order
     */
    default List<String> upsertListingMoved(Collection<CachedBalance> rows) {
        return rows.isEmpty() ? List.of() : upsertColumnsListingMoved(BalanceColumns.of(rows));
    }

    /** {@link #upsert} of columns; prefer {@link #upsert}, which makes them and checks the accounts. */
    @SqlUpdate(UPSERT_COLUMNS)
    int upsertColumns(@BindMethods BalanceColumns columns);

    /** {@link #upsertListingMoved} of columns; prefer {@link #upsertListingMoved}. */
    @SqlQuery(UPSERT_COLUMNS + "RETURNING account_id")
    List<String> upsertColumnsListingMoved(@BindMethods BalanceColumns columns);

    /**
     * As {@link #upsert}, but a row of the same version is overwritten too: a rebuild's refill repairs a
     * row whose amounts drifted without its version moving; a newer row is still never moved back.
     */
    @SqlBatch(UPSERT + "WHERE account_balances.version <= EXCLUDED.version")
    int[] refill(@BindMethods Collection<CachedBalance> rows);

    /**
     * Inserts rows of accounts not in the table yet, with no conflict handling: the plain batched insert
     * the cache sink is measured against ({@code ./tally bench sink}).
     *
     * @return per row, 1
     * @throws org.jdbi.v3.core.statement.UnableToExecuteStatementException if an account is there already
     */
    @SqlBatch("""
            INSERT INTO account_balances
                (account_id, currency, scale, available_minor, locked_minor, version, last_event_id, updated_at)
            VALUES (:accountId, :currency, :scale, :availableMinor, :lockedMinor, :version, :lastEventId, :updatedAt)""")
    int[] insert(@BindMethods Collection<CachedBalance> rows);

    /**
     * Loads rows by PostgreSQL's {@code COPY ... FROM STDIN (FORMAT csv)}, the fastest way to fill the
     * table for a benchmark: each line {@code account_id,currency,scale,available_minor,locked_minor,
     * version,last_event_id,updated_at}.
     *
     * @param csv the lines; read to its end, not closed
     * @return the rows copied
     * @throws SQLException if PostgreSQL refuses a line (nothing is copied then)
     * @throws IOException if {@code csv} cannot be read
     */
    default long copyCsv(Reader csv) throws SQLException, IOException {
        return getHandle().getConnection().unwrap(PGConnection.class).getCopyAPI().copyIn("""
                COPY account_balances
                    (account_id, currency, scale, available_minor, locked_minor, version, last_event_id, updated_at)
                FROM STDIN (FORMAT csv)""", csv);
    }

    /** Updates the planner's statistics and the visibility map after a bulk load; outside a transaction only. */
    @SqlUpdate("VACUUM ANALYZE account_balances")
    void vacuumAnalyze();

    /** The row of {@code accountId}, if any. */
    @SqlQuery(SELECT_ROW + " WHERE account_id = :accountId")
    Optional<CachedBalance> find(@Bind("accountId") String accountId);

    /** Every row, ordered by account id. */
    @SqlQuery(SELECT_ROW + " ORDER BY account_id")
    List<CachedBalance> findAll();

    /** Each currency in the table with its scale (a currency written with two scales is listed twice). */
    @SqlQuery("SELECT DISTINCT currency, scale FROM account_balances")
    @RegisterConstructorMapper(CurrencyScale.class)
    List<CurrencyScale> currencyScales();

    /** The version of every row, by account id. */
    @SqlQuery("SELECT account_id, version FROM account_balances")
    @KeyColumn("account_id")
    @ValueColumn("version")
    Map<String, Long> versionByAccount();

    /**
     * The database's {@code now()}: the clock that stamps {@code synced_at}, so a reader that follows
     * {@link #syncedBetween} asks with the same clock's instants.
     */
    @SqlQuery("SELECT now()")
    Instant syncClock();

    /**
     * The rows written (by the sink or a correction) after {@code since} and up to {@code until}
     * ({@code synced_at}), in account order (the unsigned order of the ids' UTF-8 bytes).
     */
    @SqlQuery(SELECT_ROW + " WHERE synced_at > :since AND synced_at <= :until ORDER BY account_id COLLATE \"C\"")
    List<CachedBalance> syncedBetween(@Bind("since") Instant since, @Bind("until") Instant until);

    /**
     * The row of {@code accountId}, locked ({@code FOR UPDATE}) until the transaction ends; call in a
     * transaction.
     */
    @SqlQuery(SELECT_ROW + " WHERE account_id = :accountId FOR UPDATE")
    Optional<CachedBalance> lock(@Bind("accountId") String accountId);

    /**
     * Writes a reconciliation's fix into the row of {@code accountId}: the projection's available and
     * locked at {@code version}; {@code last_event_id} becomes {@code accountId:version} unless the
     * version stays, and {@code synced_at} now. The caller has checked the row is what its run saw
     * ({@link #lock}) and that {@code version} is not below the row's.
     *
     * @return 1, or 0 if there is no such row
     */
    @SqlUpdate("""
            UPDATE account_balances SET available_minor = :availableMinor, locked_minor = :lockedMinor,
                last_event_id = CASE WHEN version = :version THEN last_event_id
                                     ELSE account_id || ':' || CAST(:version AS text) END,
                version = :version, synced_at = now()
            WHERE account_id = :accountId""")
    int correct(@Bind("accountId") String accountId, @Bind("availableMinor") long availableMinor,
            @Bind("lockedMinor") long lockedMinor, @Bind("version") long version);
}
