package io.tally.core;

import java.util.Objects;

/**
 * The read side's row for one account: what the projector materializes from {@code ledger.events}
 * and publishes on {@code ledger.balances}.
 *
 * <p>Why this shape exists (DESIGN.md, Balance shapes): a {@link Balance} with what a reader of the
 * projection needs beside it, the currency and the version and time of the last event applied, so that
 * {@link BalanceProjection} can skip a replayed event and a reader can ask for its own write. Its wire
 * form is the Avro {@code AccountBalance}; the write side's counterpart is {@link AccountState}.
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
