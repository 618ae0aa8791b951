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
    CURRENCY_MISMATCH
}
