package io.tally.projector.jdbc;

import java.io.IOException;
import java.io.Reader;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    /** The insert-or-update both writers share; each adds the version guard that is its own. */
    String UPSERT = """
            INSERT INTO account_balances
                (account_id, currency, scale, available_minor, locked_minor, version, last_event_id, updated_at)
            VALUES (:accountId, :currency, :scale, :availableMinor, :lockedMinor, :version, :lastEventId, :updatedAt)
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
     * Inserts or moves forward each row: an existing row is replaced only by a higher version, so
     * replays and out-of-order deliveries never move a row back.
     *
     * @param rows at most one row per account (callers keep the newest version of each)
     * @return per row, the number of rows changed: 1 (inserted or moved forward) or 0 (not newer)
     */
    @SqlBatch(UPSERT + "WHERE account_balances.version < EXCLUDED.version")
    int[] upsert(@BindMethods Collection<CachedBalance> rows);

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
