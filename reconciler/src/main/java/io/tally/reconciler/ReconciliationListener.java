package io.tally.reconciler;

import io.tally.core.reconciliation.AccountComparison;

/**
 * Receives every account of a run as it is compared, in {@link AccountOrder}: the demo writes one
 * JSON object per account, a fixing run would emit corrections. Called on the thread that runs
 * the {@link Reconciler}; an exception it throws ends the run (a report that cannot be written is
 * not a per-account error).
 */
@FunctionalInterface
public interface ReconciliationListener {
    /** Ignores everything. */
    ReconciliationListener NONE = comparison -> { };

    /**
     * One account compared, whatever its status.
     *
     * @param comparison the verdict, never {@code null}
     */
    void onComparison(AccountComparison comparison);

    /**
     * One account whose newest row the cache quarantined ({@code QUARANTINED}; issue 21); by default
     * passed to {@link #onComparison}, which then does not see the reason.
     *
     * @param comparison the verdict, status {@code QUARANTINED}, with the older row the cache still
     *     holds as its actual side ({@code null} if none)
     * @param reason why the row was set aside and where it is
     */
    default void onQuarantined(AccountComparison comparison, String reason) {
        onComparison(comparison);
    }

    /**
     * One account that could not be compared; by default ignored.
     *
     * @param error what went wrong, never {@code null}
     */
    default void onError(AccountError error) {
    }
}
