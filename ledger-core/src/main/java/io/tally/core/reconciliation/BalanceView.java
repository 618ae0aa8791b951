package io.tally.core.reconciliation;

import java.util.Objects;

/**
 * One account's balance as one side of a reconciliation sees it: the projection, a cache table, an
 * application's column or an external statement.
 *
 * @param accountId the account
 * @param currencyCode its currency, or {@code null} when the source does not say
 * @param availableMinor available balance, minor units (for a statement that gives one balance,
 *     the total)
 * @param lockedMinor locked balance, minor units (0 for a statement)
 * @param version the version of the last event the source reflects, or {@code null} when it does
 *     not know (statements)
 */
public record BalanceView(String accountId, String currencyCode, long availableMinor, long lockedMinor, Long version) {
    public BalanceView {
        Objects.requireNonNull(accountId, "accountId");
    }

    /** available + locked, minor units; throws {@link ArithmeticException} on overflow. */
    public long totalMinor() {
        return Math.addExact(availableMinor, lockedMinor);
    }
}
