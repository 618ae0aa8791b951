package io.tally.schemas.codec;

import io.tally.avro.AccountBalance;
import io.tally.avro.internal.AccountSnapshot;
import io.tally.core.AccountState;
import io.tally.core.Balance;
import io.tally.core.Currency;
import io.tally.core.ProjectedBalance;

/**
 * Maps the core's account state and projected balance to and from their stored and published
 * records.
 *
 * <p>Thread-safe: stateless.
 */
public final class StateCodec {
    private StateCodec() {}

    /** The state-store record of a write-side account state. */
    public static AccountSnapshot toSnapshot(AccountState s) {
        return AccountSnapshot.newBuilder().setAccountId(s.accountId()).setCurrency(s.currency().code())
                .setScale(s.currency().scale()).setOverdraftLimitMinor(s.overdraftLimitMinor())
                .setAvailableMinor(s.balance().availableMinor()).setLockedMinor(s.balance().lockedMinor())
                .setVersion(s.version()).build();
    }

    /** The write-side account state of a state-store record; {@code null} for {@code null}. */
    public static AccountState fromSnapshot(AccountSnapshot s) {
        if (s == null) {
            return null;
        }
        return new AccountState(s.getAccountId(), new Currency(s.getCurrency(), s.getScale()),
                s.getOverdraftLimitMinor(), new Balance(s.getAvailableMinor(), s.getLockedMinor()), s.getVersion());
    }

    /** The {@code ledger.balances} record of a projected balance. */
    public static AccountBalance toAvro(ProjectedBalance p) {
        return AccountBalance.newBuilder().setAccountId(p.accountId()).setCurrency(p.currency().code())
                .setScale(p.currency().scale()).setAvailableMinor(p.balance().availableMinor())
                .setLockedMinor(p.balance().lockedMinor()).setVersion(p.version()).setLastEventId(p.lastEventId())
                .setUpdatedAtMs(p.updatedAtMs()).build();
    }

    /** The projected balance of a {@code ledger.balances} record; {@code null} for {@code null}. */
    public static ProjectedBalance fromAvro(AccountBalance b) {
        if (b == null) {
            return null;
        }
        return new ProjectedBalance(b.getAccountId(), new Currency(b.getCurrency(), b.getScale()),
                new Balance(b.getAvailableMinor(), b.getLockedMinor()), b.getVersion(), b.getLastEventId(),
                b.getUpdatedAtMs());
    }
}
