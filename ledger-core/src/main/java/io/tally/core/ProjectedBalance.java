package io.tally.core;

import java.util.Objects;

/**
 * The read side's row for one account: what the projector materializes from {@code ledger.events}
 * and publishes on {@code ledger.balances}.
 *
 * @param accountId the account
 * @param currency its currency and scale
 * @param balance available and locked, minor units
 * @param version the version of the last event applied
 * @param lastEventId that event's id
 * @param updatedAtMs that event's acceptance time, epoch milliseconds
 */
public record ProjectedBalance(
        String accountId, Currency currency, Balance balance, long version, String lastEventId, long updatedAtMs) {
    public ProjectedBalance {
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(balance, "balance");
        Objects.requireNonNull(lastEventId, "lastEventId");
    }
}
