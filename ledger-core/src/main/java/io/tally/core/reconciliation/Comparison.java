package io.tally.core.reconciliation;

/**
 * Compares one account's projection with one cache row (DESIGN.md, Stored caches and
 * reconciliation): a missing side is its own status; a cache whose version is behind is in flight;
 * otherwise the differences are classified by the tolerance tiers.
 *
 * <p>Thread-safe: stateless.
 */
public final class Comparison {
    private Comparison() {}

    /** What is compared. */
    public enum Measure {
        /** available and locked separately (caches that keep both, such as {@code account_balances}). */
        AVAILABLE_AND_LOCKED,
        /** only available + locked (statements that give a single balance). */
        TOTAL
    }

    /**
     * Compares {@code expected} (the projection) with {@code actual} (the cache) for one account.
     *
     * @param expected the projection's view, or {@code null} if the projection lacks the account
     * @param actual the cache's view, or {@code null} if the cache lacks the account
     * @param tiers the thresholds of the account's currency
     * @param measure what to compare
     * @return the verdict; never {@code null}
     * @throws IllegalArgumentException if both sides are {@code null} or name different accounts
     * @throws ArithmeticException if a difference overflows a {@code long}
     */
    public static AccountComparison compare(
            BalanceView expected, BalanceView actual, ToleranceTiers tiers, Measure measure) {
        if (expected == null && actual == null) {
            throw new IllegalArgumentException("nothing to compare");
        }
        if (expected == null) {
            return new AccountComparison(actual.accountId(), ReconciliationStatus.MISSING_IN_PROJECTION,
                    DriftTier.NONE, null, actual, 0, 0);
        }
        if (actual == null) {
            return new AccountComparison(expected.accountId(), ReconciliationStatus.MISSING_IN_CACHE,
                    DriftTier.NONE, expected, null, 0, 0);
        }
        if (!expected.accountId().equals(actual.accountId())) {
            throw new IllegalArgumentException(
                    "comparing " + expected.accountId() + " with " + actual.accountId());
        }
        if (expected.currencyCode() != null && actual.currencyCode() != null
                && !expected.currencyCode().equals(actual.currencyCode())) {
            return new AccountComparison(expected.accountId(), ReconciliationStatus.CURRENCY_MISMATCH,
                    DriftTier.NONE, expected, actual, 0, 0);
        }
        long differenceAvailable;
        long differenceLocked;
        if (measure == Measure.TOTAL) {
            differenceAvailable = Math.subtractExact(actual.totalMinor(), expected.totalMinor());
            differenceLocked = 0;
        } else {
            differenceAvailable = Math.subtractExact(actual.availableMinor(), expected.availableMinor());
            differenceLocked = Math.subtractExact(actual.lockedMinor(), expected.lockedMinor());
        }
        if (expected.version() != null && actual.version() != null
                && !expected.version().equals(actual.version())) {
            // One side has not seen the other's latest event yet: not drift (yet).
            return new AccountComparison(expected.accountId(), ReconciliationStatus.IN_FLIGHT, DriftTier.NONE,
                    expected, actual, differenceAvailable, differenceLocked);
        }
        DriftTier tier = max(tiers.classify(differenceAvailable), tiers.classify(differenceLocked));
        ReconciliationStatus status = tier.isDrift() ? ReconciliationStatus.DRIFT : ReconciliationStatus.IN_SYNC;
        return new AccountComparison(expected.accountId(), status, tier, expected, actual,
                differenceAvailable, differenceLocked);
    }

    private static DriftTier max(DriftTier a, DriftTier b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
