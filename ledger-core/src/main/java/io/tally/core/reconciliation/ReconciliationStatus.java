package io.tally.core.reconciliation;

/** What comparing one account's projection with one cache found. */
public enum ReconciliationStatus {
    /** Equal, or different by no more than the tolerance. */
    IN_SYNC,
    /** Same version (or no versions) and a difference beyond the tolerance. */
    DRIFT,
    /** The cache reflects an older version than the projection: the change is on its way. */
    IN_FLIGHT,
    /** The projection has the account, the cache does not. */
    MISSING_IN_CACHE,
    /** The cache has the account, the projection does not. */
    MISSING_IN_PROJECTION,
    /** Both have the account in different currencies. */
    CURRENCY_MISMATCH,
    /**
     * The cache refused the account's newest row for good and set it aside (the projector's cache
     * sink quarantines a row PostgreSQL rejects with a data error, and a record it cannot decode;
     * issue 21), so what the cache holds of the account, if anything, is behind. A discrepancy,
     * never fixed by a cache correction: the same write would be refused again.
     */
    QUARANTINED
}
