package io.tally.demo;

import io.tally.core.MinorUnits;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Prints the demo's summary (the lines {@code ./tally demo} ends with): what was sent, decided and
 * appended, both reconciliations, the throughput and time per phase, the largest differences to the
 * bank's statement, and the result with its exit code. Not thread-safe.
 */
final class DemoSummary {
    private static final int SCALE = DemoRequests.CZK.scale();

    private final PrintStream out;

    DemoSummary(PrintStream out) {
        this.out = out;
    }

    void print(DemoReport report) {
        DemoReport.Summary s = report.summary();
        out.println();
        out.println("== tally demo summary" + (s.dataSet().contains("GENERATED") ? " (GENERATED data, not the real bank)" : "") + " ==");
        out.printf(Locale.ROOT, "requests sent        %,d (%,d openings + %,d transactions)%n", s.requestsSent(), s.accounts(),
                s.requestsSent() - s.accounts());
        out.printf(Locale.ROOT, "accepted             %,d new, %,d already decided (idempotency keys seen before)%n",
                s.accepted(), s.replayed());
        out.printf(Locale.ROOT, "rejected             %s%n", s.rejectedByCode().isEmpty() ? "none" : s.rejectedByCode());
        out.printf(Locale.ROOT, "dead-lettered        %,d%n", s.deadLettered());
        out.printf(Locale.ROOT, "events appended      %,d%n", s.eventsAppended());
        out.printf(Locale.ROOT, "accounts             %,d; ledger balance = exact sum of the file's amounts for %,d%n",
                s.accounts(), s.ledgerEqualsSumOfAmounts());
        printReconciliation("vs bank statement   ", s.statement());
        printReconciliation("vs account_balances ", s.cache());
        out.printf(Locale.ROOT, "throughput           %,d requests/s, %,d events/s (publish + decide)%n",
                s.requestsPerSecond(), s.eventsPerSecond());
        StringBuilder times = new StringBuilder();
        s.phasesMs().forEach((k, v) -> times.append(String.format(Locale.ROOT, "%s %.1f s, ", k, v / 1000.0)));
        out.println("time per phase       " + times.substring(0, Math.max(0, times.length() - 2)));
        printLargest(report);
        out.println();
        out.println(s.anomalies().isEmpty()
                ? "result: as expected (exit 0)" + (s.statement().byStatus().containsKey("DRIFT")
                        ? ": the statement differences are the bank's own rounding, within the warn level" : "")
                : "result: UNEXPECTED (exit 1): " + String.join("; ", s.anomalies()));
    }

    private void printLargest(DemoReport report) {
        if (report.largestDiscrepancies().isEmpty()) {
            return;
        }
        out.println();
        out.println("largest differences to the bank's statement (statement minus ledger, CZK):");
        out.printf(Locale.ROOT, "  %-10s %15s %15s %10s  %s%n", "account", "ledger", "statement", "difference", "tier");
        for (DemoReport.Account a : report.largestDiscrepancies()) {
            out.printf(Locale.ROOT, "  %-10s %15s %15s %10s  %s%n", a.accountId(),
                    MinorUnits.format(a.availableMinor() + a.lockedMinor(), SCALE),
                    MinorUnits.format(a.statementBalanceMinor(), SCALE),
                    MinorUnits.format(a.differenceMinor(), SCALE), a.tier());
        }
    }

    private void printReconciliation(String label, DemoReport.Reconciliation r) {
        out.printf(Locale.ROOT, "%s %,d checked: %s; drift by tier %s; largest %s CZK%n", label, r.checked(), r.byStatus(),
                r.driftByTier(), MinorUnits.format(r.largestDifferenceMinor(), SCALE));
    }
}
