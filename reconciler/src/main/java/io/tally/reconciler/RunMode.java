package io.tally.reconciler;

/** Whether a run only reports (the default, seed 001's dry run) or also issues corrections. */
public enum RunMode {
    /** Report only; changes nothing anywhere. */
    DRY_RUN,
    /** Report, and issue a correction for every auto-fixable drift (tiers MINOR and WARN). */
    FIX
}
