package io.tally.demo;

import io.tally.avro.LedgerResult;
import io.tally.avro.ResultStatus;
import io.tally.core.reconciliation.AccountComparison;
import io.tally.core.reconciliation.DriftTier;
import io.tally.core.reconciliation.ReconciliationStatus;
import io.tally.demo.berka.BankHistory;
import io.tally.demo.berka.LineError;
import io.tally.reconciler.Discrepancy;
import io.tally.reconciler.ReconciliationResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the demo's {@link DemoReport} from what each phase found, and judges it: anything unexpected
 * (malformed lines, rejections, dead letters, a ledger balance that is not the sum of the amounts, cache
 * drift, statement drift beyond the warn level) is an anomaly, and makes the exit code 1.
 *
 * <p>Thread-safe: stateless.
 */
final class DemoReports {
    private DemoReports() {}

    /**
     * What the ledger decided.
     *
     * @param sent requests published
     * @param outcomes each request's outcome, by request id
     * @param deadLettered records that reached {@code ledger.requests.dlq} meanwhile
     */
    record Decided(int sent, Map<String, LedgerResult> outcomes, long deadLettered) {}

    /**
     * The two reconciliations.
     *
     * @param statement against the bank's statement balances
     * @param cache against {@code account_balances}
     * @param byStatement each account's comparison with the statement, by account id
     * @param byCache each account's comparison with the cache, by account id
     */
    record Reconciled(ReconciliationResult statement, ReconciliationResult cache,
            Map<String, AccountComparison> byStatement, Map<String, AccountComparison> byCache) {}

    /** Requests accepted, replayed and rejected (by code), and the events the accepted ones appended. */
    private record Tally(long accepted, long replayed, long events, Map<String, Long> rejected) {
        static Tally of(Iterable<LedgerResult> outcomes) {
            long accepted = 0;
            long replayed = 0;
            long events = 0;
            Map<String, Long> rejected = new TreeMap<>();
            for (LedgerResult r : outcomes) {
                if (r.getStatus() == ResultStatus.REJECTED) {
                    rejected.merge(String.valueOf(r.getRejectionCode()), 1L, Long::sum);
                } else if (r.getReplayed()) {
                    replayed++;
                } else {
                    accepted++;
                    events += r.getEventIds().size();
                }
            }
            return new Tally(accepted, replayed, events, rejected);
        }
    }

    /** The report, with at most {@code top} of the largest differences to the statement. */
    static DemoReport of(DemoInput input, DemoInput.Read read, Decided decided, Reconciled reconciled, Phases phases,
            int top) {
        Tally tally = Tally.of(decided.outcomes().values());
        List<DemoReport.Account> accounts = accounts(reconciled);
        long equalsSum = equalsSum(reconciled, read.history());
        List<DemoReport.Account> largest = accounts.stream()
                .filter(a -> a.differenceMinor() != 0)
                .sorted((a, b) -> Long.compare(Math.abs(b.differenceMinor()), Math.abs(a.differenceMinor())))
                .limit(top).toList();
        List<String> anomalies = anomalies(read, tally, decided.deadLettered(), equalsSum, reconciled);
        long decideMs = phases.get("publish") + phases.get("decide");
        int sent = decided.sent();
        DemoReport.Summary summary = new DemoReport.Summary(
                input.label(), input.transactions().toString(), read.read().transactions().size(), read.errors().size(),
                read.errors().stream().limit(20).map(LineError::toString).toList(), read.zeroAmountRows(),
                read.history().accounts().size(), sent, tally.accepted(), tally.replayed(), tally.rejected(),
                decided.deadLettered(), tally.events(), equalsSum, reconciliation(reconciled.statement()),
                reconciliation(reconciled.cache()), phases.all(), decideMs == 0 ? 0 : sent * 1000L / decideMs,
                decideMs == 0 ? 0 : tally.events() * 1000L / decideMs, anomalies, anomalies.isEmpty() ? 0 : 1);
        return new DemoReport(summary, largest, accounts);
    }

    /** One line per account, in account-id order: the ledger, the statement, and the cache's verdict. */
    private static List<DemoReport.Account> accounts(Reconciled reconciled) {
        List<DemoReport.Account> accounts = new ArrayList<>();
        for (AccountComparison c : reconciled.byStatement().values()) {
            var expected = c.expected();
            var actual = c.actual();
            AccountComparison cache = reconciled.byCache().get(c.accountId());
            accounts.add(new DemoReport.Account(c.accountId(),
                    expected != null ? expected.currencyCode() : DemoRequests.CZK.code(),
                    expected != null ? expected.availableMinor() : 0, expected != null ? expected.lockedMinor() : 0,
                    expected != null && expected.version() != null ? expected.version() : 0,
                    actual != null ? actual.totalMinor() : 0, c.differenceMinor(), c.status().name(), c.tier().name(),
                    cache == null ? "UNKNOWN" : cache.status().name()));
        }
        return accounts;
    }

    /** The accounts whose ledger balance is the exact sum of the file's credits minus debits. */
    private static long equalsSum(Reconciled reconciled, BankHistory history) {
        long equalsSum = 0;
        for (AccountComparison c : reconciled.byStatement().values()) {
            BankHistory.AccountSummary bank = history.accounts().get(c.accountId());
            if (c.expected() != null && bank != null && c.expected().totalMinor() == bank.sumMinor()) {
                equalsSum++;
            }
        }
        return equalsSum;
    }

    private static List<String> anomalies(DemoInput.Read read, Tally tally, long deadLettered, long equalsSum,
            Reconciled reconciled) {
        List<String> anomalies = new ArrayList<>();
        if (!read.errors().isEmpty()) {
            anomalies.add(read.errors().size() + " malformed input lines (skipped, listed)");
        }
        if (!tally.rejected().isEmpty()) {
            anomalies.add("rejected requests: " + tally.rejected());
        }
        if (deadLettered > 0) {
            anomalies.add(deadLettered + " records dead-lettered");
        }
        int accounts = read.history().accounts().size();
        if (equalsSum != accounts) {
            anomalies.add((accounts - equalsSum) + " accounts whose ledger balance is not the sum of their amounts");
        }
        ReconciliationResult statement = reconciled.statement();
        long statementBeyondMinor = statement.count(DriftTier.WARN) + statement.count(DriftTier.CRITICAL);
        if (statementBeyondMinor > 0) {
            anomalies.add(statementBeyondMinor + " accounts drift from the statement beyond the warn level");
        }
        long statementOther = statement.checked() - statement.inSync() - statement.drift();
        if (statementOther > 0) {
            anomalies.add(statementOther + " accounts missing or not comparable against the statement");
        }
        ReconciliationResult cache = reconciled.cache();
        if (cache.inSync() != cache.checked()) {
            anomalies.add((cache.checked() - cache.inSync()) + " accounts out of sync in account_balances");
        }
        return anomalies;
    }

    private static DemoReport.Reconciliation reconciliation(ReconciliationResult r) {
        Map<String, Long> byStatus = new LinkedHashMap<>();
        for (ReconciliationStatus s : ReconciliationStatus.values()) {
            long n = r.count(s);
            if (n > 0) {
                byStatus.put(s.name(), n);
            }
        }
        if (r.errors() > 0) {
            byStatus.put("ERROR", r.errors());
        }
        long largest = r.largestDiscrepancies().stream().mapToLong(Discrepancy::sizeMinor).max().orElse(0);
        return new DemoReport.Reconciliation(r.sourceName(), r.checked(), byStatus, r.driftByTierName(), largest);
    }
}
