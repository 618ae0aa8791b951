package io.tally.reconciler;

import io.tally.core.reconciliation.AccountComparison;
import java.util.Objects;

/**
 * One account whose cache disagrees with the projection, with its size, as listed among a run's
 * largest discrepancies.
 *
 * <p>The size, in minor units of the account's currency: for {@code DRIFT},
 * {@code |differenceAvailableMinor| + |differenceLockedMinor|}, which is {@code |differenceMinor|}
 * when the two differences share a sign and also counts a shift between available and locked that
 * leaves the total unchanged; for {@code MISSING_IN_CACHE}, {@code MISSING_IN_PROJECTION} and
 * {@code CURRENCY_MISMATCH}, {@code |available| + |locked|} of the projection's side if present,
 * else of the cache's: the amount one side cannot account for. A size beyond the {@code long} range
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
}
