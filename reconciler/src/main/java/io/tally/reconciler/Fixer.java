package io.tally.reconciler;

import io.tally.core.reconciliation.AccountComparison;

/**
 * Issues the fix of one drifting account during a fixing run: a correction for a cache on
 * {@code ledger.corrections}, or a CORRECT request to the ledger where the source is authoritative.
 * Called on the run's thread, in account order, only for {@code DRIFT} comparisons whose tier is
 * auto-fixable.
 */
public interface Fixer extends AutoCloseable {
    /**
     * The fixer of a source that is not ours to change and not the truth (a statement that is not
     * authoritative): fixes nothing, and says so ({@link FixAction#NONE}).
     */
    Fixer NONE = new Fixer() {
        @Override
        public FixAction fix(String runId, AccountComparison comparison, long nowMs) {
            return FixAction.NONE;
        }

        @Override
        public void flush() {
            // nothing sent
        }

        @Override
        public void close() {
            // nothing held
        }
    };

    /**
     * Issues the fix of {@code comparison}.
     *
     * @param runId the run asking
     * @param comparison a {@code DRIFT} verdict with both sides present and an auto-fixable tier
     * @param nowMs the run's time, epoch milliseconds
     * @return what was done
     */
    FixAction fix(String runId, AccountComparison comparison, long nowMs);

    /**
     * Waits until every fix issued so far is durable (acknowledged by the brokers).
     *
     * @throws RuntimeException if one could not be sent; the run then fails
     */
    void flush();

    /** Releases the producer; never throws a checked exception. */
    @Override
    void close();
}
