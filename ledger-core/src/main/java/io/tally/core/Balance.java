package io.tally.core;

/**
 * An account's balances in minor units: {@code available} may be negative down to the account's
 * overdraft limit; {@code locked} is money under holds and is never negative.
 *
 * <p>Why this shape exists (one of six, DESIGN.md, Balance shapes): it is the two numbers alone, what
 * evolution moves ({@link LedgerEvent#applyTo}) and every event carries after it; the others wrap it
 * with what their reader needs.
 *
 * @param availableMinor spendable balance, minor units (the seeds' {@code balance})
 * @param lockedMinor balance under holds, minor units (the seeds' {@code locked_balance})
 */
public record Balance(long availableMinor, long lockedMinor) {
    /** The balance of a newly opened account. */
    public static final Balance ZERO = new Balance(0, 0);

    /**
     * available + locked.
     *
     * @throws ArithmeticException if the sum overflows (the decision rules prevent it)
     */
    public long totalMinor() {
        return Math.addExact(availableMinor, lockedMinor);
    }
}
