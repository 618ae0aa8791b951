package io.tally.reconciler;

import io.tally.core.reconciliation.AccountComparison;
import io.tally.core.reconciliation.BalanceView;
import io.tally.core.reconciliation.Comparison;
import io.tally.core.reconciliation.DriftTier;
import io.tally.core.reconciliation.InFlightGrace;
import io.tally.core.reconciliation.ReconciliationStatus;
import io.tally.core.reconciliation.ToleranceTiers;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares the projection with one stored cache or statement, account by account (DESIGN.md,
 * Stored caches and reconciliation), as a streaming merge join of two sources sorted by
 * {@link AccountOrder}: memory stays constant in the number of accounts, apart from the top-N
 * largest discrepancies and the first error samples it keeps for the report.
 *
 * <p>Each account is compared by {@link Comparison#compare} with the tiers of its currency (the
 * projection's, or the cache's when the projection does not say). An account that cannot be
 * compared (a source could not read its row, its currency has no tiers, a difference overflows a
 * {@code long}) is recorded as an error and the run goes on (seed 001). An account whose newest row
 * the cache quarantined ({@link QuarantinedAccountException}) is
 * {@link ReconciliationStatus#QUARANTINED}, whatever its amounts and whether or not the cache still
 * holds an older row of it: a discrepancy, told to {@link ReconciliationListener#onQuarantined} with
 * the reason. A source that is not
 * strictly ascending in {@link AccountOrder} ends the run with an {@link IllegalStateException}
 * naming the two ids: the join would otherwise report false missing accounts. Any other exception from a source or
 * from the listener ends the run too.
 *
 * <p>A run only reports (a dry run in seed 001's sense); fixing is a separate step.
 *
 * <p>Thread-safe: a {@code Reconciler} is immutable and each {@link #run} keeps its state on its
 * own stack, so runs may go on in parallel; the sources and the listener of one run are used from
 * the calling thread only.
 */
public final class Reconciler {
    /** The number of largest discrepancies a run keeps unless told otherwise. */
    public static final int DEFAULT_TOP_N = 100;
    /** The number of errors a run keeps (and logs) unless told otherwise; all are counted. */
    public static final int DEFAULT_MAX_ERROR_SAMPLES = 100;

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    /** Passed to {@link Comparison#compare} when a side is missing; it returns before reading tiers then. */
    private static final ToleranceTiers UNUSED_TIERS = new ToleranceTiers(0, 0, 0);

    /** Larger size first, then account order: the order of the report. */
    private static final Comparator<Discrepancy> LARGEST_FIRST = Comparator
            .comparingLong(Discrepancy::sizeMinor).reversed()
            .thenComparing(Discrepancy::accountId, AccountOrder.INSTANCE);

    private final TierPolicy tierPolicy;
    private final Clock clock;
    private final int topN;
    private final int maxErrorSamples;
    private final InFlightGrace grace;

    /**
     * A reconciler that keeps the {@value #DEFAULT_TOP_N} largest discrepancies and
     * {@value #DEFAULT_MAX_ERROR_SAMPLES} error samples.
     *
     * @param tierPolicy the thresholds per currency
     * @param clock the clock that stamps a run's start and finish
     */
    public Reconciler(TierPolicy tierPolicy, Clock clock) {
        this(tierPolicy, clock, DEFAULT_TOP_N, DEFAULT_MAX_ERROR_SAMPLES);
    }

    /**
     * @param tierPolicy the thresholds per currency
     * @param clock the clock that stamps a run's start and finish
     * @param topN how many of the largest discrepancies a run keeps, at least 0
     * @param maxErrorSamples how many errors a run keeps and logs, at least 0 (all are counted)
     * @throws IllegalArgumentException if a limit is negative
     */
    public Reconciler(TierPolicy tierPolicy, Clock clock, int topN, int maxErrorSamples) {
        this.tierPolicy = Objects.requireNonNull(tierPolicy, "tierPolicy");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (topN < 0 || maxErrorSamples < 0) {
            throw new IllegalArgumentException(
                    "topN and maxErrorSamples must be >= 0: " + topN + ", " + maxErrorSamples);
        }
        this.topN = topN;
        this.maxErrorSamples = maxErrorSamples;
        this.grace = null;
    }

    private Reconciler(Reconciler base, InFlightGrace grace) {
        this.tierPolicy = base.tierPolicy;
        this.clock = base.clock;
        this.topN = base.topN;
        this.maxErrorSamples = base.maxErrorSamples;
        this.grace = grace;
    }

    /**
     * This reconciler, with accounts in flight turned into drift once they stay behind past
     * {@code grace}, measured against the run's start on its clock ({@link InFlightGrace#settle}).
     * Without it, an account in flight stays in flight however long it has been behind.
     *
     * @param grace how long a side may stay behind
     * @return a new reconciler
     */
    public Reconciler withGrace(InFlightGrace grace) {
        return new Reconciler(this, Objects.requireNonNull(grace, "grace"));
    }

    /**
     * Runs one reconciliation. Does not close the sources: the caller owns them (try-with-resources).
     *
     * @param sourceName the name of the cache or statement, for the report ({@code account_balances})
     * @param measure {@code AVAILABLE_AND_LOCKED} for caches that keep both, {@code TOTAL} for
     *     statements that give one balance
     * @param projection the expected side, strictly ascending in {@link AccountOrder}
     * @param cache the actual side, strictly ascending in {@link AccountOrder}
     * @param listener told of every account, in account order
     * @return the summary
     * @throws IllegalStateException if a source is not strictly ascending or yields {@code null}
     * @throws RuntimeException whatever a source (other than {@link SourceRowException}) or the
     *     listener throws
     */
    public ReconciliationResult run(String sourceName, Comparison.Measure measure,
            Iterator<BalanceView> projection, Iterator<BalanceView> cache, ReconciliationListener listener) {
        Objects.requireNonNull(sourceName, "sourceName");
        Objects.requireNonNull(measure, "measure");
        Objects.requireNonNull(listener, "listener");
        Run run = new Run(sourceName, measure, listener, clock.millis());
        SourceCursor expected = new SourceCursor("projection", projection, run::error);
        SourceCursor actual = new SourceCursor(sourceName, cache, run::error);
        expected.advance();
        actual.advance();
        while (expected.head != null || actual.head != null) {
            int order;
            if (expected.head == null) {
                order = 1;
            } else if (actual.head == null) {
                order = -1;
            } else {
                order = AccountOrder.compareIds(expected.head.accountId(), actual.head.accountId());
            }
            SourceCursor.Row e = order <= 0 ? expected.head : null;
            SourceCursor.Row a = order >= 0 ? actual.head : null;
            if (e != null) {
                expected.advance();
            }
            if (a != null) {
                actual.advance();
            }
            run.account(e, a);
        }
        ReconciliationResult result = run.finish(clock.millis());
        log.info("reconciled {} accounts of {} against the projection in {} ms: {} in sync, {} drift, {} in flight, "
                        + "{} missing in cache, {} missing in projection, {} currency mismatch, {} quarantined, {} errors",
                result.checked(), sourceName, result.durationMs(), result.inSync(), result.drift(),
                result.inFlight(), result.missingInCache(), result.missingInProjection(),
                result.currencyMismatch(), result.quarantined(), result.errors());
        return result;
    }

    /** The state of one run: counters, the bounded top-N and error samples. */
    private final class Run {
        final String sourceName;
        final Comparison.Measure measure;
        final ReconciliationListener listener;
        final long startedAtMs;
        final long[] byStatus = new long[ReconciliationStatus.values().length];
        final long[] byTier = new long[DriftTier.values().length];
        final Map<String, Long> driftMinorByCurrency = new HashMap<>();
        /** Smallest (least significant) on top, so it is the one to drop. */
        final PriorityQueue<Discrepancy> largest = new PriorityQueue<>(LARGEST_FIRST.reversed());
        final List<AccountError> errorSamples = new ArrayList<>();
        long checked;
        long errors;

        Run(String sourceName, Comparison.Measure measure, ReconciliationListener listener, long startedAtMs) {
            this.sourceName = sourceName;
            this.measure = measure;
            this.listener = listener;
            this.startedAtMs = startedAtMs;
        }

        void account(SourceCursor.Row expected, SourceCursor.Row actual) {
            if (expected != null && expected.error() != null || actual != null && actual.error() != null) {
                SourceCursor.Row failed = expected != null && expected.error() != null ? expected : actual;
                error(failed.accountId(), failed.error());
                return;
            }
            BalanceView e = expected == null ? null : expected.view();
            BalanceView a = actual == null ? null : actual.view();
            if (actual != null && actual.quarantine() != null) {
                quarantined(e, a, actual.accountId(), actual.quarantine());
                return;
            }
            AccountComparison comparison;
            String currency;
            // Everything that can fail for this account happens before any counter moves.
            try {
                currency = e != null && e.currencyCode() != null ? e.currencyCode() : a == null ? null : a.currencyCode();
                ToleranceTiers tiers = e != null && a != null ? tierPolicy.tiersFor(currency) : UNUSED_TIERS;
                comparison = Comparison.compare(e, a, tiers, measure);
                if (grace != null) {
                    comparison = grace.settle(comparison, tiers, startedAtMs);
                }
            } catch (RuntimeException ex) {
                String id = e != null ? e.accountId() : a.accountId();
                error(id, ex.getClass().getSimpleName() + ": " + ex.getMessage());
                return;
            }
            long sizeMinor = Discrepancy.sizeOf(comparison);
            checked++;
            byStatus[comparison.status().ordinal()]++;
            byTier[comparison.tier().ordinal()]++;
            if (comparison.status() == ReconciliationStatus.DRIFT) {
                driftMinorByCurrency.merge(currency == null ? "" : currency, sizeMinor, Discrepancy::saturatedSum);
            }
            if (isDiscrepancy(comparison.status())) {
                offer(new Discrepancy(comparison, sizeMinor));
            }
            listener.onComparison(comparison);
        }

        /** An account whose newest cache row was quarantined: {@code QUARANTINED}, never compared by tiers. */
        void quarantined(BalanceView e, BalanceView older, String accountId, String reason) {
            AccountComparison comparison;
            try {
                comparison = quarantinedComparison(accountId, e, older, measure);
            } catch (ArithmeticException ex) {
                error(accountId, ex.getClass().getSimpleName() + ": " + ex.getMessage() + "; quarantined: " + reason);
                return;
            }
            checked++;
            byStatus[ReconciliationStatus.QUARANTINED.ordinal()]++;
            byTier[comparison.tier().ordinal()]++;
            offer(new Discrepancy(comparison, Discrepancy.sizeOf(comparison)));
            listener.onQuarantined(comparison, reason);
        }

        void error(String accountId, String message) {
            checked++;
            errors++;
            AccountError error = new AccountError(accountId, message);
            if (errorSamples.size() < maxErrorSamples) {
                errorSamples.add(error);
                log.warn("reconciling {} against {} failed: {}", accountId, sourceName, message);
            }
            listener.onError(error);
        }

        private void offer(Discrepancy discrepancy) {
            if (topN == 0) {
                return;
            }
            if (largest.size() < topN) {
                largest.add(discrepancy);
            } else if (LARGEST_FIRST.compare(discrepancy, largest.peek()) < 0) {
                largest.poll();
                largest.add(discrepancy);
            }
        }

        ReconciliationResult finish(long finishedAtMs) {
            Map<DriftTier, Long> tiers = new EnumMap<>(DriftTier.class);
            for (DriftTier tier : DriftTier.values()) {
                tiers.put(tier, byTier[tier.ordinal()]);
            }
            List<Discrepancy> sorted = new ArrayList<>(largest);
            sorted.sort(LARGEST_FIRST);
            ReconciliationResult result = new ReconciliationResult(sourceName, measure, checked,
                    byStatus[ReconciliationStatus.IN_SYNC.ordinal()],
                    byStatus[ReconciliationStatus.DRIFT.ordinal()],
                    byStatus[ReconciliationStatus.IN_FLIGHT.ordinal()],
                    byStatus[ReconciliationStatus.MISSING_IN_CACHE.ordinal()],
                    byStatus[ReconciliationStatus.MISSING_IN_PROJECTION.ordinal()],
                    byStatus[ReconciliationStatus.CURRENCY_MISMATCH.ordinal()],
                    byStatus[ReconciliationStatus.QUARANTINED.ordinal()],
                    errors, tiers, driftMinorByCurrency, sorted, errorSamples, startedAtMs, finishedAtMs);
            assert result.checked() == result.inSync() + result.drift() + result.inFlight() + result.missingInCache()
                    + result.missingInProjection() + result.currencyMismatch() + result.quarantined() + result.errors();
            return result;
        }
    }

    /**
     * The verdict on an account whose newest cache row was quarantined: {@code QUARANTINED}, tier
     * {@code NONE} (like the other statuses that are not a difference within tiers), with the
     * differences of the older row the cache still holds where both sides are there.
     *
     * @throws ArithmeticException if a difference overflows a {@code long}
     */
    static AccountComparison quarantinedComparison(String accountId, BalanceView expected, BalanceView older,
            Comparison.Measure measure) {
        long differenceAvailable = 0;
        long differenceLocked = 0;
        if (expected != null && older != null) {
            if (measure == Comparison.Measure.TOTAL) {
                differenceAvailable = Math.subtractExact(older.totalMinor(), expected.totalMinor());
            } else {
                differenceAvailable = Math.subtractExact(older.availableMinor(), expected.availableMinor());
                differenceLocked = Math.subtractExact(older.lockedMinor(), expected.lockedMinor());
            }
        }
        return new AccountComparison(accountId, ReconciliationStatus.QUARANTINED, DriftTier.NONE, expected, older,
                differenceAvailable, differenceLocked);
    }

    private static boolean isDiscrepancy(ReconciliationStatus status) {
        return status != ReconciliationStatus.IN_SYNC && status != ReconciliationStatus.IN_FLIGHT;
    }
}
