package io.tally.reconciler.jdbc;

/**
 * One row of {@code reconciliation_discrepancies}: an account of a run that was not in sync (or
 * could not be compared), with both sides as the run saw them. Amounts are minor units; a side's
 * columns are {@code null} when that side lacks the account.
 *
 * @param runId the run
 * @param accountId the account
 * @param status a {@code ReconciliationStatus} name, or {@code ERROR}
 * @param tier a {@code DriftTier} name
 * @param currency the account's currency, if known
 * @param expectedAvailableMinor the projection's available balance
 * @param expectedLockedMinor the projection's locked balance
 * @param expectedVersion the projection's version
 * @param actualAvailableMinor the source's available balance (a statement's balance)
 * @param actualLockedMinor the source's locked balance
 * @param actualVersion the source's version, if it has one
 * @param differenceMinor actual total minus expected total, or {@code null} if a side is missing
 * @param sizeMinor the size the run ranks by ({@link io.tally.reconciler.Discrepancy}), 0 for an error
 * @param fix what the run did about it: {@code NONE} (a dry run, or nothing to fix),
 *     {@code CORRECTION_EMITTED}, {@code LEDGER_CORRECTION_REQUESTED}, {@code NOT_AUTO_FIXABLE}
 * @param message an error's message, or {@code null}
 */
public record DiscrepancyRow(String runId, String accountId, String status, String tier, String currency,
        Long expectedAvailableMinor, Long expectedLockedMinor, Long expectedVersion, Long actualAvailableMinor,
        Long actualLockedMinor, Long actualVersion, Long differenceMinor, long sizeMinor, String fix, String message) {
}
