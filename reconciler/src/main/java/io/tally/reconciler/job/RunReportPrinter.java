package io.tally.reconciler.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tally.core.MinorUnits;
import io.tally.core.reconciliation.ReconciliationStatus;
import io.tally.reconciler.ConservationCheck;
import io.tally.reconciler.ReconciliationResult;
import io.tally.reconciler.RunMode;
import io.tally.reconciler.jdbc.DiscrepancyRow;
import io.tally.reconciler.jdbc.RecordedRuns;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Prints a {@link RunReport} as {@code ./tally reconcile} shows it: a table for people, or one JSON
 * document for programs ({@code runId}, {@code source}, {@code mode}, {@code status}, {@code exitCode},
 * {@code counts} by status, {@code driftByTier}, {@code driftAmountMinorByTier}, {@code fixed},
 * {@code notAutoFixable}, {@code appliedToCache}, {@code durationMs}, {@code largestDiscrepancies}); the
 * conservation check's lines then go to the error stream, so the document stays parseable.
 *
 * <p>Not thread-safe: print from one thread.
 */
public final class RunReportPrinter {
    private final PrintStream out;
    private final PrintStream err;
    private final boolean json;

    /**
     * @param out where the report goes
     * @param err where a failed run is told, and beside JSON the conservation check
     * @param json one JSON document per run instead of a table
     */
    public RunReportPrinter(PrintStream out, PrintStream err, boolean json) {
        this.out = out;
        this.err = err;
        this.json = json;
    }

    /**
     * Prints the report: the failure, or the run and then its conservation check.
     *
     * @throws IOException if the JSON cannot be written
     */
    public void print(RunReport report) throws IOException {
        if (report.failure().isPresent()) {
            err.println("tally reconcile: run " + report.runId() + " failed: " + report.failure().get());
            return;
        }
        if (json) {
            printJson(report);
        } else {
            printTable(report);
        }
        report.conservation().ifPresent(c -> printConservation(json ? err : out, c));
    }

    private void printTable(RunReport report) {
        RecordedRuns.Outcome o = report.outcome().orElseThrow();
        ReconciliationResult r = o.result();
        out.printf(Locale.ROOT, "run %s: %s against the projection, %s, %,d ms%n", o.runId(), report.sourceName(),
                o.mode() == RunMode.FIX ? "fixing" : "dry run", r.durationMs());
        out.printf(Locale.ROOT, "  checked %,d: in sync %,d, drift %,d, in flight %,d, missing in source %,d, "
                        + "missing in projection %,d, currency mismatch %,d, quarantined %,d, errors %,d%n", r.checked(),
                r.inSync(), r.drift(), r.inFlight(), r.missingInCache(), r.missingInProjection(), r.currencyMismatch(),
                r.quarantined(), r.errors());
        StringBuilder tiers = new StringBuilder();
        r.driftByTierName().forEach((tier, n) -> tiers.append(String.format(Locale.ROOT, "%s %,d, ", tier, n)));
        out.println("  drift by tier: " + tiers.substring(0, tiers.length() - 2));
        if (o.mode() == RunMode.FIX) {
            out.printf(Locale.ROOT, "  fixed %,d (corrections issued), left to an operator %,d (CRITICAL)%s%n", o.fixed(),
                    o.notAutoFixable(), report.applied().isEmpty() ? "" : "; applied to the cache: " + report.applied());
        }
        if (!report.largest().isEmpty()) {
            String row = "  %-16s %-22s %-9s %16s %16s %14s  %s%n";
            out.printf(Locale.ROOT, row, "account", "status", "tier", "expected", "actual", "difference", "fix");
            for (DiscrepancyRow d : report.largest()) {
                int scale = d.currency() == null ? 0 : report.scaleByCurrency().getOrDefault(d.currency(), 0);
                out.printf(Locale.ROOT, row, d.accountId(), d.status(), d.tier(),
                        amount(d.expectedAvailableMinor(), d.expectedLockedMinor(), scale),
                        amount(d.actualAvailableMinor(), d.actualLockedMinor(), scale),
                        d.differenceMinor() == null ? "-" : MinorUnits.format(d.differenceMinor(), scale),
                        d.message() != null ? d.message() : d.fix());
            }
        }
        out.println(o.exitCode() == 0 ? "result: in sync (exit 0)" : "result: DRIFT (exit 1)");
    }

    private static String amount(Long availableMinor, Long lockedMinor, int scale) {
        if (availableMinor == null) {
            return "-";
        }
        return MinorUnits.format(Math.addExact(availableMinor, lockedMinor == null ? 0 : lockedMinor), scale);
    }

    private void printJson(RunReport report) throws IOException {
        RecordedRuns.Outcome o = report.outcome().orElseThrow();
        ReconciliationResult r = o.result();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("runId", o.runId());
        json.put("source", report.sourceName());
        json.put("mode", o.mode().name());
        json.put("status", o.status());
        json.put("exitCode", o.exitCode());
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("checked", r.checked());
        for (ReconciliationStatus s : ReconciliationStatus.values()) {
            counts.put(s.name(), r.count(s));
        }
        counts.put("ERROR", r.errors());
        json.put("counts", counts);
        json.put("driftByTier", r.driftByTierName());
        json.put("driftAmountMinorByTier", o.driftMinorByTier());
        json.put("fixed", o.fixed());
        json.put("notAutoFixable", o.notAutoFixable());
        json.put("appliedToCache", report.applied());
        json.put("durationMs", r.durationMs());
        json.put("largestDiscrepancies", report.largest());
        out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
    }

    private static void printConservation(PrintStream out, RunReport.Conservation c) {
        ConservationCheck check = c.check();
        out.printf(Locale.ROOT, "conservation over %,d events: %s%n", c.events(), check.holds() ? "holds" : "BROKEN");
        for (ConservationCheck.CurrencyTotals t : check.totals()) {
            out.printf(Locale.ROOT, "  %-6s %,d accounts: balances %,d = credits - charges + corrections %,d; "
                    + "difference %,d minor units%n", t.currency(), t.accounts(), t.balancesMinor(), t.movementsMinor(),
                    t.differenceMinor());
        }
        if (check.unknownEvents() > 0) {
            out.printf(Locale.ROOT, "  %,d events of a type this check does not know%n", check.unknownEvents());
        }
    }
}
