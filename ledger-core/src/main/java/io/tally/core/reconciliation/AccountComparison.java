package io.tally.core.reconciliation;

/**
 * The result of comparing one account: the two sides, the differences (actual minus expected,
 * minor units) and the verdict.
 *
 * @param accountId the account
 * @param status the verdict
 * @param tier the tier of the larger of the two differences ({@link DriftTier#NONE} unless both
 *     sides are present and comparable)
 * @param expected the projection's view, or {@code null} if it lacks the account
 * @param actual the cache's view, or {@code null} if it lacks the account
 * @param differenceAvailableMinor actual available minus expected available (0 if a side is missing)
 * @param differenceLockedMinor actual locked minus expected locked (0 if a side is missing)
 */
public record AccountComparison(
        String accountId,
        ReconciliationStatus status,
        DriftTier tier,
        BalanceView expected,
        BalanceView actual,
        long differenceAvailableMinor,
        long differenceLockedMinor) {

    /** Total difference (actual minus expected), minor units. */
    public long differenceMinor() {
        return Math.addExact(differenceAvailableMinor, differenceLockedMinor);
    }
}
