package io.tally.reconciler.jdbc;

/**
 * One row of {@code balance_corrections_applied} (reconciler migration V1): what became of one
 * correction from {@code ledger.corrections} in {@code account_balances}. Amounts are minor units.
 *
 * @param correctionId the correction's id ({@code runId:accountId}), the primary key
 * @param runId the run that issued it
 * @param accountId the account
 * @param source the cache it was for
 * @param outcome {@code APPLIED} or {@code STALE}
 * @param beforeAvailableMinor the row's available before, or {@code null} if there was no row
 * @param beforeLockedMinor the row's locked before, or {@code null}
 * @param beforeVersion the row's version before, or {@code null}
 * @param afterAvailableMinor available after, or {@code null} when not applied
 * @param afterLockedMinor locked after, or {@code null} when not applied
 * @param afterVersion the version after, or {@code null} when not applied
 * @param deltaMinor the correction's delta on the total
 * @param reason the correction's reason
 */
public record AppliedCorrection(String correctionId, String runId, String accountId, String source, String outcome,
        Long beforeAvailableMinor, Long beforeLockedMinor, Long beforeVersion, Long afterAvailableMinor,
        Long afterLockedMinor, Long afterVersion, long deltaMinor, String reason) {}
