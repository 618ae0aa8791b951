package io.tally.reconciler.jdbc;

import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * {@code balance_corrections_applied} (reconciler migration V1), the audit trail of the corrections
 * {@link CacheCorrectionWriter} wrote into {@code account_balances}, as a Jdbi SqlObject.
 *
 * <p>Thread-safe as Jdbi's on-demand objects are; an attached instance belongs to its handle.
 */
public interface CorrectionAuditTable {
    /** Whether the correction {@code correctionId} is audited already. */
    @SqlQuery("SELECT EXISTS (SELECT 1 FROM balance_corrections_applied WHERE correction_id = :correctionId)")
    boolean isAudited(@Bind("correctionId") String correctionId);

    /**
     * Audits a correction, unless its id is audited already (another writer's transaction got there
     * first).
     *
     * @return 1 if the row was added, 0 if the id was there
     */
    @SqlUpdate("""
            INSERT INTO balance_corrections_applied (correction_id, run_id, account_id, source, outcome,
                before_available_minor, before_locked_minor, before_version,
                after_available_minor, after_locked_minor, after_version, delta_minor, reason)
            VALUES (:correctionId, :runId, :accountId, :source, :outcome, :beforeAvailableMinor, :beforeLockedMinor,
                :beforeVersion, :afterAvailableMinor, :afterLockedMinor, :afterVersion, :deltaMinor, :reason)
            ON CONFLICT (correction_id) DO NOTHING""")
    int add(@BindMethods AppliedCorrection row);
}
