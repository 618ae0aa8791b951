package io.tally.core;

import java.util.Map;
import java.util.Objects;

/**
 * The write side's state of one account: what {@link Ledger#decide} needs to accept or reject
 * the next command. Built only by {@link Ledger#evolve}.
 *
 * <p>Holds (open and closed, so that a capture on a closed hold is told HOLD_CLOSED rather than
 * HOLD_NOT_FOUND) and the refundable remainder of each charge are kept in the state; both grow with
 * the account's history, which is fine for wallets and the Berka accounts and is the first thing to
 * move into stores of their own for accounts with millions of charges.
 *
 * @param accountId the account
 * @param currency its currency and scale
 * @param overdraftLimitMinor how far below zero available may go, minor units
 * @param balance current balances
 * @param version the version of the last event applied (1 after opening)
 * @param holds the account's holds by id
 * @param refundableByCharge per charge event id, what may still be refunded, minor units (a fully
 *     refunded charge stays with 0, so a further refund is AMOUNT_EXCEEDS_REFUNDABLE, not CHARGE_NOT_FOUND)
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

    /** The sum of the open holds' remaining amounts: what {@code locked} must equal (seed 000). */
    public long heldMinor() {
        long sum = 0;
        for (Hold h : holds.values()) {
            sum = Math.addExact(sum, h.remainingMinor());
        }
        return sum;
    }
}
