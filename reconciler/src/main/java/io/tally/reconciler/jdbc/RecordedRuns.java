package io.tally.reconciler.jdbc;

import io.tally.core.reconciliation.AccountComparison;
import io.tally.core.reconciliation.BalanceView;
import io.tally.core.reconciliation.Comparison;
import io.tally.core.reconciliation.DriftTier;
import io.tally.core.reconciliation.ReconciliationStatus;
import io.tally.reconciler.AccountError;
import io.tally.reconciler.Discrepancy;
import io.tally.reconciler.FixAction;
import io.tally.reconciler.Fixer;
import io.tally.reconciler.ReconciliationListener;
import io.tally.reconciler.ReconciliationResult;
import io.tally.reconciler.Reconciler;
import io.tally.reconciler.RunMode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/**
 * Reconciliation runs recorded in PostgreSQL (DESIGN.md, Stored caches and reconciliation: every
 * run is recorded with its counts and its discrepancies): a row in {@code reconciliation_runs} when
 * the run starts and its counts when it ends, and one row in {@code reconciliation_discrepancies}
 * per account not in sync (drift, missing on a side, another currency, quarantined by the cache, an
 * error), written in
 * batches as the merge join streams, so memory stays bounded. A fixing run hands every auto-fixable
 * drift (tiers MINOR and WARN) to its {@link Fixer} and records what it did; CRITICAL drift is
 * recorded as {@link FixAction#NOT_AUTO_FIXABLE}, and so is a {@code QUARANTINED} account, with the
 * reason as its message: a cache correction would be refused as the row was. A run that breaks off (a source fails, the
 * fixer cannot send) is recorded as {@code FAILED} with the reason, and the exception is rethrown.
 *
 * <p>The tables must exist ({@link ReconcilerSchema#migrate}). Thread-safe: each {@link #run} keeps
 * its state on its own stack.
 */
public final class RecordedRuns {
    /** Discrepancy rows written per database round trip. */
    static final int BATCH = 1_000;

    private final Jdbi jdbi;
    private final Reconciler reconciler;
    private final Clock clock;

    /**
     * @param jdbi the database with the reconciler's tables
     * @param reconciler compares the two sides (its clock stamps the run's result)
     * @param clock stamps the run's rows and the fixes
     */
    public RecordedRuns(Jdbi jdbi, Reconciler reconciler, Clock clock) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi").installPlugin(new SqlObjectPlugin());
        this.reconciler = Objects.requireNonNull(reconciler, "reconciler");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * What a run found and did.
     *
     * @param runId the run's id
     * @param mode dry run or fix
     * @param result the counts and largest discrepancies
     * @param fixed corrections issued (0 in a dry run)
     * @param notAutoFixable drifting accounts left to an operator (CRITICAL)
     * @param driftMinorByTier the sum of the sizes of drifting accounts per tier, minor units (mixed
     *     currencies are summed as plain numbers), every drift tier present
     */
    public record Outcome(String runId, RunMode mode, ReconciliationResult result, long fixed, long notAutoFixable,
            Map<DriftTier, Long> driftMinorByTier) {
        public Outcome {
            driftMinorByTier = Collections.unmodifiableMap(new EnumMap<>(driftMinorByTier));
        }

        /** {@code IN_SYNC} when every account was in sync or in flight and none failed, else {@code DRIFT}. */
        public String status() {
            return result.isClean() ? "IN_SYNC" : "DRIFT";
        }

        /** The exit code a scheduler reads: 0 in sync, 1 drift (or an account that could not be compared). */
        public int exitCode() {
            return result.isClean() ? 0 : 1;
        }
    }

    /**
     * Runs one reconciliation and records it.
     *
     * @param runId a new, unique id
     * @param sourceName the source compared, for the record
     * @param measure what to compare
     * @param mode dry run or fix
     * @param projection the expected side, in account order
     * @param actual the source, in account order
     * @param fixer issues the fixes; required in {@link RunMode#FIX}, ignored in a dry run
     * @param listener also told of every account (a report, metrics); {@link ReconciliationListener#NONE} if none
     * @return the outcome
     * @throws IllegalArgumentException if {@code FIX} comes without a fixer
     * @throws RuntimeException whatever broke the run off, after recording it as {@code FAILED}
     */
    public Outcome run(String runId, String sourceName, Comparison.Measure measure, RunMode mode,
            Iterator<BalanceView> projection, Iterator<BalanceView> actual, Fixer fixer, ReconciliationListener listener) {
        if (mode == RunMode.FIX && fixer == null) {
            throw new IllegalArgumentException("a fixing run needs a fixer");
        }
        jdbi.useExtension(RunTable.class, t -> t.start(runId, sourceName, mode.name(), Instant.ofEpochMilli(clock.millis())));
        Recorder recorder = new Recorder(runId, mode, fixer, listener);
        try {
            ReconciliationResult result = reconciler.run(sourceName, measure, projection, actual, recorder);
            recorder.flushRows();
            if (fixer != null && mode == RunMode.FIX) {
                fixer.flush();
            }
            Outcome outcome = new Outcome(runId, mode, result, recorder.fixed, recorder.notAutoFixable, recorder.driftByTier);
            RunRow row = new RunRow(runId, sourceName, mode.name(), outcome.status(), null,
                    Instant.ofEpochMilli(clock.millis()), result.checked(), result.inSync(), result.drift(),
                    result.inFlight(), result.missingInCache(), result.missingInProjection(), result.currencyMismatch(),
                    result.quarantined(), recorder.fixed, result.errors(), null);
            jdbi.useExtension(RunTable.class, t -> t.finish(row));
            return outcome;
        } catch (RuntimeException e) {
            try {
                jdbi.useExtension(RunTable.class, t -> t.fail(runId, Instant.ofEpochMilli(clock.millis()), e.toString()));
            } catch (RuntimeException recording) {
                e.addSuppressed(recording);
            }
            throw e;
        }
    }

    /** Writes discrepancy rows in batches and fixes what a fixing run may fix. */
    private final class Recorder implements ReconciliationListener {
        final String runId;
        final RunMode mode;
        final Fixer fixer;
        final ReconciliationListener next;
        final List<DiscrepancyRow> pending = new ArrayList<>(BATCH);
        final Map<DriftTier, Long> driftByTier = new EnumMap<>(DriftTier.class);
        long fixed;
        long notAutoFixable;

        Recorder(String runId, RunMode mode, Fixer fixer, ReconciliationListener next) {
            this.runId = runId;
            this.mode = mode;
            this.fixer = fixer;
            this.next = Objects.requireNonNull(next, "listener");
            for (DriftTier tier : DriftTier.values()) {
                if (tier.isDrift()) {
                    driftByTier.put(tier, 0L);
                }
            }
        }

        @Override
        public void onComparison(AccountComparison c) {
            next.onComparison(c);
            if (c.status() == ReconciliationStatus.IN_SYNC || c.status() == ReconciliationStatus.IN_FLIGHT) {
                return;
            }
            long sizeMinor = Discrepancy.sizeOf(c);
            FixAction action = FixAction.NONE;
            String message = null;
            if (c.status() == ReconciliationStatus.DRIFT) {
                driftByTier.merge(c.tier(), sizeMinor, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
                if (!c.tier().autoFixable()) {
                    action = FixAction.NOT_AUTO_FIXABLE;
                    notAutoFixable++;
                } else if (mode == RunMode.FIX) {
                    try {
                        action = fixer.fix(runId, c, clock.millis());
                    } catch (IllegalArgumentException | ArithmeticException e) {
                        message = "cannot build the fix: " + e.getMessage();
                    }
                    if (action != FixAction.NONE && action != FixAction.NOT_AUTO_FIXABLE) {
                        fixed++;
                    }
                }
            }
            add(row(c, action, message));
        }

        private DiscrepancyRow row(AccountComparison c, FixAction action, String message) {
            BalanceView e = c.expected();
            BalanceView a = c.actual();
            String currency = e != null && e.currencyCode() != null ? e.currencyCode() : a != null ? a.currencyCode() : null;
            Long difference = e != null && a != null ? difference(c) : null;
            return new DiscrepancyRow(runId, c.accountId(), c.status().name(), c.tier().name(), currency,
                    e == null ? null : e.availableMinor(), e == null ? null : e.lockedMinor(), e == null ? null : e.version(),
                    a == null ? null : a.availableMinor(), a == null ? null : a.lockedMinor(), a == null ? null : a.version(),
                    difference, Discrepancy.sizeOf(c), action.name(), message);
        }

        @Override
        public void onQuarantined(AccountComparison c, String reason) {
            next.onQuarantined(c, reason);
            add(row(c, FixAction.NOT_AUTO_FIXABLE, reason));
        }

        @Override
        public void onError(AccountError error) {
            next.onError(error);
            if (error.accountId() == null) {
                return; // no key to record it under; it is counted in the run's errors
            }
            add(new DiscrepancyRow(runId, error.accountId(), "ERROR", DriftTier.NONE.name(), null, null, null, null,
                    null, null, null, null, 0, FixAction.NONE.name(), error.message()));
        }

        private void add(DiscrepancyRow row) {
            pending.add(row);
            if (pending.size() >= BATCH) {
                flushRows();
            }
        }

        void flushRows() {
            if (pending.isEmpty()) {
                return;
            }
            List<DiscrepancyRow> rows = List.copyOf(pending);
            pending.clear();
            jdbi.useTransaction(h -> h.attach(RunTable.class).addDiscrepancies(rows));
        }

        private static Long difference(AccountComparison c) {
            try {
                return c.differenceMinor();
            } catch (ArithmeticException overflow) {
                return null;
            }
        }
    }
}
