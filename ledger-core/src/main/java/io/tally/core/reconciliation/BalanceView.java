package io.tally.core.reconciliation;

import java.util.Objects;

/**
 * One account's balance as one side of a reconciliation sees it: the projection, a cache table, an
 * application's column or an external statement.
 *
 * <p>Why this shape exists (DESIGN.md, Balance shapes): the one form in which {@link Comparison} meets
 * every source, so it compares any two without knowing where they come from; what a source does not
 * know is {@code null} (a statement has no version and no currency of its own, only a total).
 *
 * @param accountId the account
 * @param currencyCode its currency, or {@code null} when the source does not say
 * @param availableMinor available balance, minor units (for a statement that gives one balance,
 *     the total)
 * @param lockedMinor locked balance, minor units (0 for a statement)
 * @param version the version of the last event the source reflects, or {@code null} when it does
 *     not know (statements)
 * @param updatedAtMs the acceptance time of that event, epoch milliseconds, or {@code null} when the
 *     source does not know; the projection always knows, and {@link InFlightGrace} measures from it
 */
public record BalanceView(String accountId, String currencyCode, long availableMinor, long lockedMinor, Long version,
        Long updatedAtMs) {
    public BalanceView {
        Objects.requireNonNull(accountId, "accountId");
    }

    /** A view whose source does not know when its last event was accepted. */
    public BalanceView(String accountId, String currencyCode, long availableMinor, long lockedMinor, Long version) {
        this(accountId, currencyCode, availableMinor, lockedMinor, version, null);
    }

    /** available + locked, minor units; throws {@link ArithmeticException} on overflow. */
    public long totalMinor() {
        return Math.addExact(availableMinor, lockedMinor);
    }
}
