package io.tally.core;

/**
 * Stable, machine-readable reasons a request is rejected. Codes are part of the public contract
 * (they travel in {@code ledger.results} and HTTP bodies): never rename one, only add.
 *
 * <p>A request that breaks several rules gets the code of the first, in the one precedence every
 * operation shares (DESIGN.md, Rejections: the request by itself, the account, the hold or charge it
 * names, overflow, then funds), as TigerBeetle lists its results in order of precedence.
 *
 * <p>Source: DESIGN.md, Operations; the style of TigerBeetle's result codes (TIGER_STYLE.md).
 */
public enum RejectionCode {
    /** The account would go below its overdraft limit. */
    INSUFFICIENT_FUNDS,
    /** The request names an account that has not been opened. */
    ACCOUNT_NOT_FOUND,
    /** An open-account request names an account that already exists. */
    ACCOUNT_EXISTS,
    /** The request's currency is not the account's currency. */
    CURRENCY_MISMATCH,
    /** An amount is zero, negative, or an overdraft limit is negative. */
    INVALID_AMOUNT,
    /** Applying the request would overflow a 64-bit count of minor units. */
    AMOUNT_OVERFLOW,
    /** The idempotency key was used before with a different request. */
    IDEMPOTENCY_KEY_REUSED,
    /** The request is malformed in a way no other code describes (blank ids, bad currency). */
    INVALID_REQUEST,
    /** A capture, release or expiry names a hold the account does not have. */
    HOLD_NOT_FOUND,
    /** A capture or release names a hold with nothing remaining. */
    HOLD_CLOSED,
    /** A hold is placed under an id the account already used. */
    HOLD_EXISTS,
    /** A capture or release asks for more than the hold's remaining amount. */
    AMOUNT_EXCEEDS_HOLD,
    /** A refund names a charge the account does not have. */
    CHARGE_NOT_FOUND,
    /** A refund asks for more than what of the charge is not refunded yet. */
    AMOUNT_EXCEEDS_REFUNDABLE,
    /** A transfer or capture names the paying account as its payee. */
    SAME_ACCOUNT,
    /**
     * The request's type may not arrive where it did: an internal type (the payee's side of a
     * transfer) or an operator's (a correction) on the public request topic (DESIGN.md, Trust
     * boundaries). Never decided, so it changes no balance.
     */
    REQUEST_TYPE_NOT_ALLOWED
}
