package io.tally.reconciler.jdbc;

import java.time.Instant;

/**
 * One row of {@code reconciliation_runs}.
 *
 * @param runId the run's id
 * @param source the cache or statement compared ({@code account_balances}, {@code sql:wallets}, ...)
 * @param mode {@code DRY_RUN} or {@code FIX}
 * @param status {@code RUNNING}, {@code IN_SYNC}, {@code DRIFT} (a discrepancy or an account error) or {@code FAILED}
 * @param startedAt when it started
 * @param finishedAt when it finished, or {@code null} while running
 * @param checked accounts seen on either side
 * @param inSync accounts in sync
 * @param drift accounts drifting
 * @param inFlight accounts in flight
 * @param missingInCache accounts only in the projection
 * @param missingInProjection accounts only in the source
 * @param currencyMismatch accounts in another currency
 * @param quarantined accounts whose newest cache row the cache sink quarantined
 * @param fixed corrections the run issued
 * @param errors accounts that could not be compared
 * @param failure why the run failed as a whole, or {@code null}
 */
public record RunRow(String runId, String source, String mode, String status, Instant startedAt, Instant finishedAt,
        long checked, long inSync, long drift, long inFlight, long missingInCache, long missingInProjection,
        long currencyMismatch, long quarantined, long fixed, long errors, String failure) {
}
