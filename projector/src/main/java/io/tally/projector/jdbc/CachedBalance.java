package io.tally.projector.jdbc;

import io.tally.avro.AccountBalance;
import java.time.Instant;
import java.util.Objects;

/**
 * One row of the {@code account_balances} table: an account's balance as of {@code version}.
 *
 * @param accountId the account
 * @param currency currency or asset code
 * @param scale minor-unit digits of the currency
 * @param availableMinor available balance, minor units
 * @param lockedMinor locked balance, minor units
 * @param version version of the last ledger event reflected, {@code >= 1}
 * @param lastEventId that event's id
 * @param updatedAt that event's acceptance time
 */
public record CachedBalance(
        String accountId, String currency, int scale, long availableMinor, long lockedMinor, long version,
        String lastEventId, Instant updatedAt) {
    public CachedBalance {
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(lastEventId, "lastEventId");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /** The row of a {@code ledger.balances} record. */
    public static CachedBalance of(AccountBalance b) {
        return new CachedBalance(b.getAccountId(), b.getCurrency(), b.getScale(), b.getAvailableMinor(),
                b.getLockedMinor(), b.getVersion(), b.getLastEventId(), Instant.ofEpochMilli(b.getUpdatedAtMs()));
    }
}
