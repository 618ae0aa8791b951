package io.tally.reconciler.job;

import io.tally.reconciler.ConservationCheck;
import io.tally.reconciler.jdbc.CacheCorrectionWriter;
import io.tally.reconciler.jdbc.DiscrepancyRow;
import io.tally.reconciler.jdbc.RecordedRuns;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one run of a {@link ReconciliationJob} found and did, for the command line to print: the recorded
 * outcome (or why the run failed), the corrections applied to {@code account_balances}, the largest
 * discrepancies as recorded, the scales their amounts are in, and the conservation check when asked for.
 *
 * @param runId the run's id
 * @param sourceName the source as the run is recorded
 * @param outcome the counts, fixes and drift by tier; empty if the run failed
 * @param failure why the run broke off (it is recorded as FAILED); empty if it did not
 * @param applied corrections written to {@code account_balances} by outcome (empty unless a fixing run of it fixed some)
 * @param largest the largest discrepancies recorded, largest first
 * @param scaleByCurrency minor-unit digits by currency, to print amounts
 * @param conservation the conservation check, if the job checks it
 */
public record RunReport(String runId, String sourceName, Optional<RecordedRuns.Outcome> outcome,
        Optional<RuntimeException> failure, Map<CacheCorrectionWriter.Outcome, Long> applied, List<DiscrepancyRow> largest,
        Map<String, Integer> scaleByCurrency, Optional<Conservation> conservation) {
    public RunReport {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(sourceName, "sourceName");
        if (outcome.isPresent() == failure.isPresent()) {
            throw new IllegalArgumentException("a run has an outcome or a failure, not both or neither");
        }
        // In the outcomes' order, as printed.
        applied = applied.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(applied));
        largest = List.copyOf(largest);
        scaleByCurrency = Map.copyOf(scaleByCurrency);
    }

    /**
     * The money the projection holds against what crossed the ledger's boundary.
     *
     * @param events the events of {@code ledger.events} read
     * @param check the sums per currency
     */
    public record Conservation(long events, ConservationCheck check) {}

    /** A run that broke off with {@code failure}. */
    static RunReport failed(String runId, String sourceName, RuntimeException failure) {
        return new RunReport(runId, sourceName, Optional.empty(), Optional.of(failure), Map.of(), List.of(), Map.of(),
                Optional.empty());
    }

    /**
     * The exit code a scheduler reads: 0 in sync (in flight within the grace counts as in sync), 1 drift
     * found (or an account that could not be compared, or conservation broken), 2 the run failed.
     */
    public int exitCode() {
        if (failure.isPresent()) {
            return 2;
        }
        int code = outcome.orElseThrow().exitCode();
        return conservation.isPresent() && !conservation.get().check().holds() ? Math.max(code, 1) : code;
    }
}
