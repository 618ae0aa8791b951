package io.tally.core.reconciliation;

/**
 * How large a difference between a cache and the projection is, by the currency's
 * {@link ToleranceTiers}. Ordered from harmless to serious.
 */
public enum DriftTier {
    /** No difference. */
    NONE,
    /** At most the tolerance: ignored (seed 000's 0.01 NGN rounding allowance). */
    TOLERATED,
    /** Above the tolerance, at most the warn level: drift, fixable automatically. */
    MINOR,
    /** Above the warn level, at most the auto-fix ceiling: drift worth an alert, still fixable automatically. */
    WARN,
    /** Above the auto-fix ceiling: never fixed automatically, an operator decides. */
    CRITICAL;

    /** Whether a fixing run may correct a discrepancy of this tier without an operator. */
    public boolean autoFixable() {
        return this == MINOR || this == WARN;
    }

    /** Whether a discrepancy of this tier counts as drift (beyond the tolerance). */
    public boolean isDrift() {
        return this.compareTo(TOLERATED) > 0;
    }
}
