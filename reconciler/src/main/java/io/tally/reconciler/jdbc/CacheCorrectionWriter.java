package io.tally.reconciler.jdbc;

import io.tally.avro.BalanceCorrection;
import io.tally.projector.jdbc.AccountBalanceTable;
import io.tally.projector.jdbc.CachedBalance;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/**
 * Writes a correction from {@code ledger.corrections} into the projector's {@code account_balances}
 * cache: in ONE database transaction it locks the cached row, writes the projection's values into
 * it, and inserts the audit row into {@code balance_corrections_applied} (DESIGN.md: applying a fix
 * to a cache writes an audit row in the same database transaction, and applying it twice changes
 * nothing). {@link io.tally.reconciler.kafka.CorrectionConsumer} reads the topic and hands it each one.
 *
 * <p>The rules:
 * <ul>
 *   <li>A correction id already in the audit table is skipped ({@link Outcome#ALREADY_APPLIED}):
 *       redelivery, a replay of the topic, two writers racing (the audit row's primary key lets one
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
 * <p>Corrections for another source than {@link #SOURCE} are not this writer's and are ignored
 * ({@link Outcome#OTHER_SOURCE}).
 *
 * <p>Thread-safe: each call runs in its own transaction.
 */
public final class CacheCorrectionWriter {
    /** The source name of the cache this writer fixes. */
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
    public CacheCorrectionWriter(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi").installPlugin(new SqlObjectPlugin());
    }

    /**
     * Writes one correction, in one transaction.
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
        CorrectionAuditTable audit = h.attach(CorrectionAuditTable.class);
        if (audit.isAudited(c.getCorrectionId())) {
            return Outcome.ALREADY_APPLIED;
        }
        AccountBalanceTable balances = h.attach(AccountBalanceTable.class);
        Optional<CachedBalance> before = balances.lock(c.getAccountId());
        boolean unchanged = before.isPresent()
                && (c.getCacheVersion() == null || before.get().version() == c.getCacheVersion())
                && before.get().availableMinor() == c.getActualAvailableMinor()
                && before.get().lockedMinor() == c.getActualLockedMinor();
        long afterVersion = before.map(CachedBalance::version).orElse(0L);
        if (unchanged && c.getProjectionVersion() != null) {
            afterVersion = Math.max(afterVersion, c.getProjectionVersion());
        }
        Outcome outcome = unchanged ? Outcome.APPLIED : Outcome.STALE;
        if (audit.add(auditRow(c, outcome, before, afterVersion)) == 0) {
            return Outcome.ALREADY_APPLIED; // another writer audited it after our check
        }
        if (unchanged) {
            balances.correct(c.getAccountId(), c.getExpectedAvailableMinor(), c.getExpectedLockedMinor(), afterVersion);
        }
        return outcome;
    }

    private static AppliedCorrection auditRow(BalanceCorrection c, Outcome outcome, Optional<CachedBalance> before,
            long afterVersion) {
        boolean applied = outcome == Outcome.APPLIED;
        return new AppliedCorrection(c.getCorrectionId(), c.getRunId(), c.getAccountId(), c.getSource(), outcome.name(),
                before.map(CachedBalance::availableMinor).orElse(null), before.map(CachedBalance::lockedMinor).orElse(null),
                before.map(CachedBalance::version).orElse(null),
                applied ? (Long) c.getExpectedAvailableMinor() : null, applied ? (Long) c.getExpectedLockedMinor() : null,
                applied ? (Long) afterVersion : null, c.getDeltaMinor(), c.getReason());
    }
}
