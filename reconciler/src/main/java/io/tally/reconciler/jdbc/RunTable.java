package io.tally.reconciler.jdbc;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * {@code reconciliation_runs} and {@code reconciliation_discrepancies} (migration
 * {@code V1__reconciliation_runs.sql}, {@code V2__quarantined_and_exact_account_ids.sql}) as a Jdbi SqlObject.
 *
 * <p>Thread-safe as Jdbi's on-demand objects are; an attached instance belongs to its handle.
 */
@RegisterConstructorMapper(RunRow.class)
@RegisterConstructorMapper(DiscrepancyRow.class)
public interface RunTable {

    /** Records that a run started. */
    @SqlUpdate("""
            INSERT INTO reconciliation_runs (run_id, source, mode, status, started_at)
            VALUES (:runId, :source, :mode, 'RUNNING', :startedAt)""")
    void start(@Bind("runId") String runId, @Bind("source") String source, @Bind("mode") String mode,
            @Bind("startedAt") Instant startedAt);

    /** Records a run's end: its status and counts. */
    @SqlUpdate("""
            UPDATE reconciliation_runs SET status = :status, finished_at = :finishedAt, checked = :checked,
                in_sync = :inSync, drift = :drift, in_flight = :inFlight, missing_in_cache = :missingInCache,
                missing_in_projection = :missingInProjection, currency_mismatch = :currencyMismatch,
                quarantined = :quarantined, fixed = :fixed, errors = :errors
            WHERE run_id = :runId""")
    int finish(@BindMethods RunRow run);

    /** Records that a run failed as a whole (a source broke off); per-account errors are not this. */
    @SqlUpdate("""
            UPDATE reconciliation_runs SET status = 'FAILED', finished_at = :finishedAt, failure = :failure
            WHERE run_id = :runId""")
    int fail(@Bind("runId") String runId, @Bind("finishedAt") Instant finishedAt, @Bind("failure") String failure);

    /** Adds discrepancies of a run, keyed by the account id's bytes (any id, NUL included). */
    @SqlBatch("""
            INSERT INTO reconciliation_discrepancies (run_id, account_id, account_id_utf8, status, tier, currency,
                expected_available_minor, expected_locked_minor, expected_version,
                actual_available_minor, actual_locked_minor, actual_version, difference_minor, size_minor, fix, message)
            VALUES (:runId, :accountIdText, :accountIdUtf8, :status, :tier, :currencyText, :expectedAvailableMinor,
                :expectedLockedMinor, :expectedVersion, :actualAvailableMinor, :actualLockedMinor, :actualVersion,
                :differenceMinor, :sizeMinor, :fix, :messageText)""")
    void addDiscrepancies(@BindMethods Collection<DiscrepancyRow> rows);

    /** One run. */
    @SqlQuery("""
            SELECT run_id, source, mode, status, started_at, finished_at, checked, in_sync, drift, in_flight,
                missing_in_cache, missing_in_projection, currency_mismatch, quarantined, fixed, errors, failure
            FROM reconciliation_runs WHERE run_id = :runId""")
    Optional<RunRow> find(@Bind("runId") String runId);

    /** The latest runs, newest first. */
    @SqlQuery("""
            SELECT run_id, source, mode, status, started_at, finished_at, checked, in_sync, drift, in_flight,
                missing_in_cache, missing_in_projection, currency_mismatch, quarantined, fixed, errors, failure
            FROM reconciliation_runs ORDER BY started_at DESC, run_id LIMIT :limit""")
    List<RunRow> latest(@Bind("limit") int limit);

    /** A run's discrepancies, largest first (ties by account id). */
    @SqlQuery("""
            SELECT run_id, account_id, status, tier, currency, expected_available_minor, expected_locked_minor,
                expected_version, actual_available_minor, actual_locked_minor, actual_version, difference_minor,
                size_minor, fix, message
            FROM reconciliation_discrepancies WHERE run_id = :runId
            ORDER BY size_minor DESC, account_id_utf8 LIMIT :limit""")
    List<DiscrepancyRow> largestFirst(@Bind("runId") String runId, @Bind("limit") int limit);
}
