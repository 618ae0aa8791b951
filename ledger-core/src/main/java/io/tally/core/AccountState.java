package io.tally.core;

import java.util.Objects;

/**
 * The write side's state of one account: what {@link Ledger#decide} needs to accept or reject
 * the next command. Built only by {@link Ledger#evolve}.
 *
 * @param accountId the account
 * @param currency its currency and scale
 * @param overdraftLimitMinor how far below zero available may go, minor units
 * @param balance current balances
 * @param version the version of the last event applied (1 after opening)
 */
public record AccountState(
        String accountId, Currency currency, long overdraftLimitMinor, Balance balance, long version) {
    public AccountState {
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(balance, "balance");
    }
}
