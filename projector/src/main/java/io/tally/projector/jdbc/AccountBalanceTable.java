package io.tally.projector.jdbc;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/**
 * The {@code account_balances} table (migration {@code V1__account_balances.sql}), as a Jdbi
 * SqlObject: attach it to a handle ({@code handle.attach(AccountBalanceTable.class)}) or get an
 * on-demand instance from {@code jdbi.onDemand}.
 *
 * <p>Thread-safe as Jdbi's on-demand objects are; an attached instance belongs to its handle.
 */
@RegisterConstructorMapper(CachedBalance.class)
public interface AccountBalanceTable {
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

    /** The row of {@code accountId}, if any. */
    @SqlQuery("""
            SELECT account_id, currency, scale, available_minor, locked_minor, version, last_event_id, updated_at
            FROM account_balances WHERE account_id = :accountId""")
    Optional<CachedBalance> find(@Bind("accountId") String accountId);

    /** Every row, ordered by account id. */
    @SqlQuery("""
            SELECT account_id, currency, scale, available_minor, locked_minor, version, last_event_id, updated_at
            FROM account_balances ORDER BY account_id""")
    List<CachedBalance> findAll();
}
