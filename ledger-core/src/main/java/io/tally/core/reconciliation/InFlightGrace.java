package io.tally.core.reconciliation;

/**
 * How long a cache may stay behind the projection before it counts as drift (DESIGN.md, Stored
 * caches and reconciliation: "cache version behind: in flight; drift only if it stays behind past a
 * grace period").
 *
 * <p>The rule, pure and clock-free (the run's clock comes in as {@code nowMs}): an
 * {@link ReconciliationStatus#IN_FLIGHT} comparison stays in flight while the side that is ahead
 * accepted its newest event at most {@code graceMs} ago. That event is one the other side lacks, so
 * its age is a lower bound on how long the other side has been behind. Once it is older, the
 * comparison becomes {@link ReconciliationStatus#DRIFT}: its tier is that of the differences, and at
 * least {@link DriftTier#MINOR}, since a row that stays behind is wrong even where the amounts
 * happen to agree, and a fix (moving it to the projection's version) is always safe to apply
 * automatically at that tier. A side ahead that does not know its time ({@code updatedAtMs} null)
 * keeps the comparison in flight: nothing says how old it is.
 *
 * <p>Thread-safe: immutable.
 *
 * @param graceMs how long a side may stay behind, milliseconds, at least 0
 * @throws IllegalArgumentException if {@code graceMs} is negative
 */
public record InFlightGrace(long graceMs) {
    /** No grace: any version difference whose age is known is drift at once (for tests). */
    public static final InFlightGrace NONE = new InFlightGrace(0);

    public InFlightGrace {
        if (graceMs < 0) {
            throw new IllegalArgumentException("grace must be >= 0 ms: " + graceMs);
        }
    }

    /**
     * The verdict on {@code comparison} at {@code nowMs}: itself unless it is in flight past the grace.
     *
     * @param comparison a verdict of {@link Comparison#compare}
     * @param tiers the thresholds of the account's currency
     * @param nowMs the run's time, epoch milliseconds
     * @return the same comparison, or a {@code DRIFT} one with the same sides and differences
     */
    public AccountComparison settle(AccountComparison comparison, ToleranceTiers tiers, long nowMs) {
        if (comparison.status() != ReconciliationStatus.IN_FLIGHT) {
            return comparison;
        }
        BalanceView expected = comparison.expected();
        BalanceView actual = comparison.actual();
        BalanceView ahead = expected.version() > actual.version() ? expected : actual;
        if (ahead.updatedAtMs() == null || nowMs - ahead.updatedAtMs() <= graceMs) {
            return comparison;
        }
        DriftTier tier = max(max(tiers.classify(comparison.differenceAvailableMinor()),
                tiers.classify(comparison.differenceLockedMinor())), DriftTier.MINOR);
        return new AccountComparison(comparison.accountId(), ReconciliationStatus.DRIFT, tier, expected, actual,
                comparison.differenceAvailableMinor(), comparison.differenceLockedMinor());
    }

    private static DriftTier max(DriftTier a, DriftTier b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
