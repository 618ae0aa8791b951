package io.tally.schemas.codec;

import io.tally.avro.AccountBalance;
import io.tally.avro.HoldState;
import io.tally.avro.internal.AccountSnapshot;
import io.tally.avro.internal.HoldSnapshot;
import io.tally.core.AccountState;
import io.tally.core.Balance;
import io.tally.core.Currency;
import io.tally.core.Hold;
import io.tally.core.LedgerEvent;
import io.tally.core.ProjectedBalance;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps the core's account state, holds and projected balance to and from their stored and published
 * records.
 *
 * <p>Thread-safe: stateless.
 */
public final class StateCodec {
    private StateCodec() {}

    /**
     * The {@code accounts} state-store record of a write-side account state: currency, overdraft
     * limit, balance and version only. The account's holds and charges are not in it: ledger-service
     * keeps each in a store of its own (one record per hold, one per charge; see {@link #toHoldSnapshot})
     * so that deciding a request costs the same however long the account's history is (DESIGN.md,
     * Write-side state). {@code s.holds()} and {@code s.refundableByCharge()} are ignored.
     */
    public static AccountSnapshot toSnapshot(AccountState s) {
        return AccountSnapshot.newBuilder().setAccountId(s.accountId()).setCurrency(s.currency().code())
                .setScale(s.currency().scale()).setOverdraftLimitMinor(s.overdraftLimitMinor())
                .setAvailableMinor(s.balance().availableMinor()).setLockedMinor(s.balance().lockedMinor())
                .setVersion(s.version())
                .setHolds(List.of())
                .setRefundableByCharge(Map.of())
                .build();
    }

    /**
     * The write-side account state of a state-store record; {@code null} for {@code null}. A record
     * written before holds and charges had stores of their own still carries them, and they are
     * returned in the state's maps (for the caller to move into those stores); a current record
     * carries none.
     */
    public static AccountState fromSnapshot(AccountSnapshot s) {
        if (s == null) {
            return null;
        }
        Map<String, Hold> holds = new HashMap<>();
        for (HoldSnapshot h : s.getHolds()) {
            holds.put(h.getHoldId(), fromHoldSnapshot(h));
        }
        return new AccountState(s.getAccountId(), new Currency(s.getCurrency(), s.getScale()),
                s.getOverdraftLimitMinor(), new Balance(s.getAvailableMinor(), s.getLockedMinor()), s.getVersion(),
                holds, s.getRefundableByCharge());
    }

    /** The state-store record of one hold. */
    public static HoldSnapshot toHoldSnapshot(Hold h) {
        return HoldSnapshot.newBuilder().setHoldId(h.holdId()).setAmountMinor(h.amountMinor())
                .setCapturedMinor(h.capturedMinor()).setReleasedMinor(h.releasedMinor())
                .setExpiresAtMs(h.expiresAtMs()).build();
    }

    /**
     * The hold of a state-store record; {@code null} for {@code null}.
     *
     * @throws IllegalArgumentException if the record's amounts are inconsistent (see {@link Hold})
     */
    public static Hold fromHoldSnapshot(HoldSnapshot h) {
        if (h == null) {
            return null;
        }
        return new Hold(h.getHoldId(), h.getAmountMinor(), h.getCapturedMinor(), h.getReleasedMinor(),
                h.getExpiresAtMs());
    }

    /**
     * The core hold of a {@code ledger.holds} record: its id, amounts and expiry, for
     * {@link io.tally.core.HoldEvolution}; {@code null} for {@code null}.
     *
     * @throws IllegalArgumentException if the record's amounts are inconsistent (see {@link Hold})
     */
    public static Hold fromHoldState(HoldState h) {
        if (h == null) {
            return null;
        }
        return new Hold(h.getHoldId(), h.getAmountMinor(), h.getCapturedMinor(), h.getReleasedMinor(),
                h.getExpiresAtMs());
    }

    /**
     * The {@code ledger.holds} record of {@code hold} as {@code event} left it: the amounts from the
     * evolved hold, {@code expired} when the event is an expiry, and the event's version, id and time.
     *
     * @param hold the hold after {@code event} (from {@link io.tally.core.HoldEvolution})
     * @param before the record before the event, whose account, currency and placement time are kept, or
     *     {@code null} for a placement, which takes them from {@code balance}
     * @param event the hold event just applied
     * @param balance the account's projected balance after {@code event}
     */
    public static HoldState toHoldState(Hold hold, HoldState before, LedgerEvent event, ProjectedBalance balance) {
        HoldState.Builder record = before != null ? HoldState.newBuilder(before) : HoldState.newBuilder()
                .setAccountId(balance.accountId()).setCurrency(balance.currency().code())
                .setScale(balance.currency().scale()).setPlacedAtMs(balance.updatedAtMs());
        return record.setHoldId(hold.holdId()).setAmountMinor(hold.amountMinor())
                .setCapturedMinor(hold.capturedMinor()).setReleasedMinor(hold.releasedMinor())
                .setRemainingMinor(hold.remainingMinor()).setOpen(hold.isOpen())
                .setExpired(event instanceof LedgerEvent.HoldReleased released && released.expired())
                .setExpiresAtMs(hold.expiresAtMs())
                .setVersion(balance.version()).setLastEventId(balance.lastEventId())
                .setUpdatedAtMs(balance.updatedAtMs()).build();
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
