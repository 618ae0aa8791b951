package io.tally.reconciler;

import io.tally.core.reconciliation.AccountComparison;
import io.tally.core.reconciliation.BalanceView;
import java.util.Objects;

/**
 * One account whose cache disagrees with the projection, with its size, as listed among a run's
 * largest discrepancies.
 *
 * <p>The size, in minor units of the account's currency: for {@code DRIFT},
 * {@code |differenceAvailableMinor| + |differenceLockedMinor|}, which is {@code |differenceMinor|}
 * when the two differences share a sign and also counts a shift between available and locked that
 * leaves the total unchanged; for {@code MISSING_IN_CACHE}, {@code MISSING_IN_PROJECTION},
 * {@code CURRENCY_MISMATCH} and {@code QUARANTINED}, {@code |available| + |locked|} of the
 * projection's side if present, else of the cache's (0 for a quarantined account that neither side
 * holds): the amount one side cannot account for. A size beyond the {@code long} range
 * is {@code Long.MAX_VALUE}. Sizes of different currencies are ranked together as plain numbers.
 *
 * @param comparison the verdict
 * @param sizeMinor the size, minor units, at least 0
 */
public record Discrepancy(AccountComparison comparison, long sizeMinor) {
    public Discrepancy {
        Objects.requireNonNull(comparison, "comparison");
        if (sizeMinor < 0) {
            throw new IllegalArgumentException("size must be >= 0: " + sizeMinor);
        }
    }

    /** The account. */
    public String accountId() {
        return comparison.accountId();
    }

    /**
     * The size of {@code comparison} as this record defines it; 0 for an account in sync or in
     * flight. Never throws; saturates at {@code Long.MAX_VALUE}.
     */
    public static long sizeOf(AccountComparison comparison) {
        switch (comparison.status()) {
            case DRIFT:
                return saturatedSum(magnitude(comparison.differenceAvailableMinor()),
                        magnitude(comparison.differenceLockedMinor()));
            case MISSING_IN_CACHE:
            case MISSING_IN_PROJECTION:
            case CURRENCY_MISMATCH:
            case QUARANTINED:
                BalanceView present = comparison.expected() != null ? comparison.expected() : comparison.actual();
                if (present == null) {
                    return 0;
                }
                return saturatedSum(magnitude(present.availableMinor()), magnitude(present.lockedMinor()));
            default:
                return 0;
        }
    }

    /** |value|, with {@code Long.MIN_VALUE} as {@code Long.MAX_VALUE}. */
    static long magnitude(long value) {
        return value == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(value);
    }

    /** a + b for a, b >= 0, at most {@code Long.MAX_VALUE}. */
    static long saturatedSum(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
