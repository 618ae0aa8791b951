package io.tally.core;

/** Which of an account's balances an entry adjusts. */
public enum BalanceField {
    /** The spendable balance (the seeds' {@code balance}). */
    AVAILABLE,
    /** The balance under holds (the seeds' {@code locked_balance}). */
    LOCKED
}
