package io.tally.core;

import java.util.Map;
import java.util.Objects;

/**
 * The write side's state of one account: what {@link Ledger#decide} needs to accept or reject
 * the next command. Built only by {@link Ledger#evolve}.
 *
 * <p>Holds (open and closed, so that a capture on a closed hold is told HOLD_CLOSED rather than
 * HOLD_NOT_FOUND) and the refundable remainder of each charge are in the state. Both grow with the
 * account's history, so a state may carry only some of them: {@link Ledger#decide} looks a hold or a
 * charge up only by the id its command names, and decides the same as long as that one entry is in
 * the state if the account has it. ledger-service loads just that entry from stores of its own
 * (DESIGN.md, Write-side state); a state evolved from the opening has them all.
 *
 * @param accountId the account
 * @param currency its currency and scale
 * @param overdraftLimitMinor how far below zero available may go, minor units
 * @param balance current balances
 * @param version the version of the last event applied (1 after opening)
 * @param holds the account's holds by id (all, or at least the one the next command names)
 * @param refundableByCharge per charge event id, what may still be refunded, minor units (a fully
 *     refunded charge stays with 0, so a further refund is AMOUNT_EXCEEDS_REFUNDABLE, not
 *     CHARGE_NOT_FOUND); all, or at least the one the next command names
 */
public record AccountState(
        String accountId, Currency currency, long overdraftLimitMinor, Balance balance, long version,
        Map<String, Hold> holds, Map<String, Long> refundableByCharge) {
    public AccountState {
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(balance, "balance");
        holds = Map.copyOf(holds);
        refundableByCharge = Map.copyOf(refundableByCharge);
    }

    /** A state without holds or charges (an account just opened, or a snapshot that keeps neither). */
    public AccountState(String accountId, Currency currency, long overdraftLimitMinor, Balance balance, long version) {
        this(accountId, currency, overdraftLimitMinor, balance, version, Map.of(), Map.of());
    }

    /**
     * The sum of the remaining amounts of the holds in this state: what {@code locked} must equal
     * (seed 000) when the state has all the account's holds, as one evolved from the opening does.
     *
     * @throws ArithmeticException if the sum overflows a {@code long}
     */
    public long heldMinor() {
        long sum = 0;
        for (Hold h : holds.values()) {
            sum = Math.addExact(sum, h.remainingMinor());
        }
        return sum;
    }
}
