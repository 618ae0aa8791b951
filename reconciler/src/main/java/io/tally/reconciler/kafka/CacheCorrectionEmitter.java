package io.tally.reconciler.kafka;

import io.tally.avro.BalanceCorrection;
import io.tally.core.reconciliation.AccountComparison;
import io.tally.core.reconciliation.BalanceView;
import io.tally.reconciler.FixAction;
import io.tally.schemas.LedgerTopics;
import java.util.Map;

/**
 * The fixer of a cache: emits one {@link BalanceCorrection} per auto-fixable drift to
 * {@code ledger.corrections}, keyed by account id, with the projection's values as expected, the
 * cache's as actual, the cache row's version, and the id {@code runId:accountId} (so the applier
 * applies it at most once). {@link CorrectionConsumer} reads it back and its writer fixes the row.
 *
 * <p>The producer is idempotent with {@code acks=all}: a retry never duplicates a correction, and
 * {@link #flush} returns only when every one is on the brokers.
 *
 * <p>Not thread-safe: used from the run's thread.
 */
public final class CacheCorrectionEmitter extends ProducingFixer<BalanceCorrection> {
    private final String source;

    /**
     * @param kafka client properties, passed through
     * @param topics where {@code ledger.corrections} is
     * @param source the cache corrected, e.g. {@code account_balances}; the applier of that cache
     *     picks these corrections
     */
    public CacheCorrectionEmitter(Map<String, Object> kafka, LedgerTopics topics, String source) {
        super(kafka, topics.corrections(), "a correction");
        this.source = source;
    }

    /**
     * The correction that brings the cache's row to the projection's values.
     *
     * @param runId the run
     * @param c a drift with both sides present
     * @param nowMs when, epoch milliseconds
     * @param source the cache's name
     * @throws ArithmeticException if the totals' difference overflows
     */
    public static BalanceCorrection correctionOf(String runId, AccountComparison c, long nowMs, String source) {
        BalanceView expected = c.expected();
        BalanceView actual = c.actual();
        String currency = expected.currencyCode() != null ? expected.currencyCode()
                : actual.currencyCode() != null ? actual.currencyCode() : "";
        return BalanceCorrection.newBuilder()
                .setCorrectionId(runId + ":" + c.accountId())
                .setRunId(runId)
                .setAccountId(c.accountId())
                .setSource(source)
                .setCurrency(currency)
                .setExpectedAvailableMinor(expected.availableMinor())
                .setActualAvailableMinor(actual.availableMinor())
                .setExpectedLockedMinor(expected.lockedMinor())
                .setActualLockedMinor(actual.lockedMinor())
                .setDeltaMinor(Math.subtractExact(expected.totalMinor(), actual.totalMinor()))
                .setProjectionVersion(expected.version())
                .setCacheVersion(actual.version())
                .setReason("reconciliation " + runId + ": " + c.status() + " " + c.tier() + " against the projection"
                        + (expected.version() != null && !expected.version().equals(actual.version())
                                ? " (cache stayed at version " + actual.version() + " past the grace period)" : ""))
                .setCreatedAtMs(nowMs)
                .build();
    }

    @Override
    public FixAction fix(String runId, AccountComparison comparison, long nowMs) {
        BalanceCorrection correction = correctionOf(runId, comparison, nowMs, source);
        send(correction.getAccountId(), correction);
        return FixAction.CORRECTION_EMITTED;
    }

}
