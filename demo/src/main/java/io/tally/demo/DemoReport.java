package io.tally.demo;

import java.util.List;
import java.util.Map;

/**
 * The demo's JSON report ({@code --report}): a summary and one object per account. Amounts are
 * minor units (CZK, scale 2); durations milliseconds. Written with Jackson.
 *
 * @param summary the run's counts and timings
 * @param largestDiscrepancies the largest differences to the bank's statement, largest first
 * @param accounts every account, in account-id order
 */
public record DemoReport(Summary summary, List<Account> largestDiscrepancies, List<Account> accounts) {

    /**
     * The run's counts.
     *
     * @param dataSet what was replayed: the real Berka file or a GENERATED history
     * @param transactionsFile the file read
     * @param transactionsRead rows read
     * @param malformedLines lines that could not be read (with {@code malformedSamples})
     * @param zeroAmountRows rows of 0.00 (no money moved; counted, not sent: the ledger rejects a zero amount)
     * @param accounts accounts opened (every account that appears in the transactions)
     * @param requestsSent requests published (openings and transactions)
     * @param accepted requests decided and accepted in this run
     * @param replayed requests whose idempotency key was already decided (a re-run): nothing appended
     * @param rejectedByCode rejected requests by rejection code
     * @param deadLettered records that reached {@code ledger.requests.dlq} during the run
     * @param eventsAppended events appended to {@code ledger.events} in this run
     * @param ledgerEqualsSumOfAmounts accounts whose ledger balance equals the exact sum of the file's
     *     credits minus debits (an independent check, computed from the input)
     * @param statement the reconciliation against the bank's statement balances
     * @param cache the reconciliation against the PostgreSQL cache {@code account_balances}
     * @param phasesMs time per phase
     * @param requestsPerSecond requests sent per second of publish-and-decide time
     * @param eventsPerSecond events appended per second of publish-and-decide time
     * @param anomalies what was unexpected (empty when the exit code is 0)
     * @param exitCode 0 as expected, 1 something unexpected, 2 the run failed
     */
    public record Summary(String dataSet, String transactionsFile, long transactionsRead, long malformedLines,
            List<String> malformedSamples, long zeroAmountRows, long accounts, long requestsSent, long accepted,
            long replayed, Map<String, Long> rejectedByCode, long deadLettered, long eventsAppended,
            long ledgerEqualsSumOfAmounts, Reconciliation statement, Reconciliation cache, Map<String, Long> phasesMs,
            long requestsPerSecond, long eventsPerSecond, List<String> anomalies, int exitCode) {}

    /**
     * One reconciliation's counts.
     *
     * @param source what the projection was compared with
     * @param checked accounts seen on either side
     * @param byStatus accounts by status (IN_SYNC, DRIFT, IN_FLIGHT, MISSING_IN_CACHE, ...)
     * @param driftByTier drifting accounts by tier (MINOR, WARN, CRITICAL)
     * @param largestDifferenceMinor the largest absolute difference, minor units
     */
    public record Reconciliation(String source, long checked, Map<String, Long> byStatus,
            Map<String, Long> driftByTier, long largestDifferenceMinor) {}

    /**
     * One account.
     *
     * @param accountId the bank's account id
     * @param currency CZK
     * @param availableMinor the ledger's (projection's) available balance
     * @param lockedMinor the ledger's locked balance
     * @param version the account's version (events applied)
     * @param statementBalanceMinor the bank's running balance after the account's last transaction
     * @param differenceMinor statement minus ledger
     * @param status the statement comparison's status
     * @param tier its drift tier
     * @param cacheStatus the PostgreSQL cache comparison's status
     */
    public record Account(String accountId, String currency, long availableMinor, long lockedMinor, long version,
            long statementBalanceMinor, long differenceMinor, String status, String tier, String cacheStatus) {}
}
