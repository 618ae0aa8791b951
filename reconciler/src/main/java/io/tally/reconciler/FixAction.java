package io.tally.reconciler;

/** What a run did about one account's discrepancy; stored in {@code reconciliation_discrepancies.fix}. */
public enum FixAction {
    /** Nothing: a dry run, or a status a run does not fix (missing on a side, another currency, an error). */
    NONE,
    /** A correction for the cache went to {@code ledger.corrections}; {@code CorrectionConsumer} applies it. */
    CORRECTION_EMITTED,
    /** The source is authoritative: a CORRECT request went to ledger-service, the ledger gains an adjusting entry. */
    LEDGER_CORRECTION_REQUESTED,
    /**
     * Drift above the auto-fix ceiling (tier CRITICAL): an operator decides (seed 000); and an account
     * the cache quarantined (QUARANTINED), whose correction the cache would refuse as it refused the row.
     */
    NOT_AUTO_FIXABLE
}
