package io.tally.reconciler.jdbc;

import io.tally.avro.BalanceCorrection;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Applies a correction from {@code ledger.corrections} to the projector's {@code account_balances}
 * cache: in ONE database transaction it locks the cached row, writes the projection's values into
 * it, and inserts the audit row into {@code balance_corrections_applied} (DESIGN.md: applying a fix
 * to a cache writes an audit row in the same database transaction, and applying it twice changes
 * nothing).
 *
 * <p>The rules:
 * <ul>
 *   <li>A correction id already in the audit table is skipped ({@link Outcome#ALREADY_APPLIED}):
 *       redelivery, a replay of the topic, two appliers racing (the audit row's primary key lets one
 *       win; the other's transaction writes nothing).
 *   <li>The row is fixed only if it is still exactly what the run saw (same version as
 *       {@code cacheVersion} when given, same available and locked as the correction's actual
 *       values). If the sink has moved it on since (a newer version from the projection, which is
 *       the truth), or someone changed it again, the correction is {@link Outcome#STALE}: it is
 *       audited as such and not applied, and the next run judges the row afresh. Writing the
 *       correction's older expected values over a newer row would create drift, not fix it.
 *   <li>A fixed row gets the projection's available and locked, and its version moves up to the
 *       correction's {@code projectionVersion} (never down), with {@code last_event_id} the
 *       deterministic id {@code accountId:version}. A later balance from the sink with a higher
 *       version overwrites it as usual (its upsert is version-guarded): the projection stays the
 *       source of truth; the correction only repairs the row in between.
 * </ul>
 *
 * <p>Corrections for another source than {@link #SOURCE} are not this applier's and are ignored
 * ({@link Outcome#OTHER_SOURCE}).
 *
 * <p>Thread-safe: each call runs in its own transaction.
 */
public final class CacheCorrectionApplier {
    /** The source name of the cache this applier fixes. */
    public static final String SOURCE = PostgresCacheSource.ACCOUNT_BALANCES;

    /** What became of one correction. */
    public enum Outcome {
        /** The row was fixed and the audit row written. */
        APPLIED,
        /** The row had changed since the run: not fixed; audited as STALE. */
        STALE,
        /** The correction id was already audited: nothing done. */
        ALREADY_APPLIED,
        /** Meant for another cache: nothing done. */
        OTHER_SOURCE
    }

    private final Jdbi jdbi;

    /** @param jdbi the database with {@code account_balances} and the reconciler's tables */
    public CacheCorrectionApplier(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
    }

    private record Row(long availableMinor, long lockedMinor, long version) {}

    /**
     * Applies one correction, in one transaction.
     *
     * @param correction a value from {@code ledger.corrections}
     * @return what became of it
     * @throws org.jdbi.v3.core.JdbiException if the database fails (nothing is written then)
     */
    public Outcome apply(BalanceCorrection correction) {
        if (!SOURCE.equals(correction.getSource())) {
            return Outcome.OTHER_SOURCE;
        }
        return jdbi.inTransaction(h -> apply(h, correction));
    }

    private static Outcome apply(Handle h, BalanceCorrection c) {
        boolean audited = h.createQuery("SELECT 1 FROM balance_corrections_applied WHERE correction_id = :id")
                .bind("id", c.getCorrectionId()).mapTo(Integer.class).findOne().isPresent();
        if (audited) {
            return Outcome.ALREADY_APPLIED;
        }
        Optional<Row> before = h.createQuery("""
                        SELECT available_minor, locked_minor, version FROM account_balances
                        WHERE account_id = :id FOR UPDATE""")
                .bind("id", c.getAccountId())
                .map((rs, ctx) -> new Row(rs.getLong(1), rs.getLong(2), rs.getLong(3)))
                .findOne();
        boolean unchanged = before.isPresent()
                && (c.getCacheVersion() == null || before.get().version() == c.getCacheVersion())
                && before.get().availableMinor() == c.getActualAvailableMinor()
                && before.get().lockedMinor() == c.getActualLockedMinor();
        long afterVersion = before.map(Row::version).orElse(0L);
        if (unchanged && c.getProjectionVersion() != null) {
            afterVersion = Math.max(afterVersion, c.getProjectionVersion());
        }
        Outcome outcome = unchanged ? Outcome.APPLIED : Outcome.STALE;
        int inserted = h.createUpdate("""
                        INSERT INTO balance_corrections_applied (correction_id, run_id, account_id, source, outcome,
                            before_available_minor, before_locked_minor, before_version,
                            after_available_minor, after_locked_minor, after_version, delta_minor, reason)
                        VALUES (:id, :runId, :accountId, :source, :outcome, :beforeAvailable, :beforeLocked,
                            :beforeVersion, :afterAvailable, :afterLocked, :afterVersion, :delta, :reason)
                        ON CONFLICT (correction_id) DO NOTHING""")
                .bind("id", c.getCorrectionId()).bind("runId", c.getRunId()).bind("accountId", c.getAccountId())
                .bind("source", c.getSource()).bind("outcome", outcome.name())
                .bind("beforeAvailable", before.map(Row::availableMinor).orElse(null))
                .bind("beforeLocked", before.map(Row::lockedMinor).orElse(null))
                .bind("beforeVersion", before.map(Row::version).orElse(null))
                .bind("afterAvailable", unchanged ? (Long) c.getExpectedAvailableMinor() : null)
                .bind("afterLocked", unchanged ? (Long) c.getExpectedLockedMinor() : null)
                .bind("afterVersion", unchanged ? (Long) afterVersion : null)
                .bind("delta", c.getDeltaMinor()).bind("reason", c.getReason())
                .execute();
        if (inserted == 0) {
            return Outcome.ALREADY_APPLIED; // another applier audited it after our check
        }
        if (unchanged) {
            h.createUpdate("""
                            UPDATE account_balances SET available_minor = :available, locked_minor = :locked,
                                last_event_id = CASE WHEN version = :version THEN last_event_id
                                                     ELSE account_id || ':' || CAST(:version AS text) END,
                                version = :version, synced_at = now()
                            WHERE account_id = :id""")
                    .bind("available", c.getExpectedAvailableMinor()).bind("locked", c.getExpectedLockedMinor())
                    .bind("version", afterVersion).bind("id", c.getAccountId())
                    .execute();
        }
        return outcome;
    }
}
