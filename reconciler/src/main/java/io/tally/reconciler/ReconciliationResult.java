package io.tally.reconciler;

import io.tally.core.reconciliation.Comparison;
import io.tally.core.reconciliation.DriftTier;
import io.tally.core.reconciliation.ReconciliationStatus;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The summary of one reconciliation run (DESIGN.md, Stored caches and reconciliation: every run is
 * recorded with its counts and its discrepancies sorted by size). Report only: nothing is fixed.
 *
 * <p>{@code checked} is every account seen on either side, and equals
 * {@code inSync + drift + inFlight + missingInCache + missingInProjection + currencyMismatch + quarantined
 * + errors};
 * the counts by tier cover the accounts compared without error (so they add up to
 * {@code checked - errors}).
 *
 * @param sourceName the cache or statement compared with the projection, e.g. {@code account_balances}
 * @param measure what was compared
 * @param checked accounts seen
 * @param inSync accounts {@link ReconciliationStatus#IN_SYNC}
 * @param drift accounts {@link ReconciliationStatus#DRIFT}
 * @param inFlight accounts {@link ReconciliationStatus#IN_FLIGHT}
 * @param missingInCache accounts {@link ReconciliationStatus#MISSING_IN_CACHE}
 * @param missingInProjection accounts {@link ReconciliationStatus#MISSING_IN_PROJECTION}
 * @param currencyMismatch accounts {@link ReconciliationStatus#CURRENCY_MISMATCH}
 * @param quarantined accounts {@link ReconciliationStatus#QUARANTINED}: the cache set their newest row aside
 * @param errors accounts that could not be compared
 * @param countByTier accounts by tier, every tier present (0 if none)
 * @param driftMinorByCurrency the sum of the sizes ({@link Discrepancy}) of the {@code DRIFT}
 *     accounts by currency, minor units, at most {@code Long.MAX_VALUE}; only currencies with drift,
 *     sorted by code; the empty code for accounts whose currency no side names
 * @param largestDiscrepancies the largest discrepancies (see {@link Discrepancy}), largest first,
 *     ties by {@link AccountOrder}; at most the run's top-N
 * @param errorSamples the first errors, at most the run's limit, in the order they were met: in
 *     account order, except that a row without an id is met when its source is read ahead
 * @param startedAtMs when the run started, epoch milliseconds
 * @param finishedAtMs when it finished, epoch milliseconds
 */
public record ReconciliationResult(
        String sourceName,
        Comparison.Measure measure,
        long checked,
        long inSync,
        long drift,
        long inFlight,
        long missingInCache,
        long missingInProjection,
        long currencyMismatch,
        long quarantined,
        long errors,
        Map<DriftTier, Long> countByTier,
        Map<String, Long> driftMinorByCurrency,
        List<Discrepancy> largestDiscrepancies,
        List<AccountError> errorSamples,
        long startedAtMs,
        long finishedAtMs) {

    public ReconciliationResult {
        Objects.requireNonNull(sourceName, "sourceName");
        Objects.requireNonNull(measure, "measure");
        EnumMap<DriftTier, Long> tiers = new EnumMap<>(DriftTier.class);
        for (DriftTier tier : DriftTier.values()) {
            tiers.put(tier, countByTier.getOrDefault(tier, 0L));
        }
        countByTier = Collections.unmodifiableMap(tiers);
        driftMinorByCurrency = Collections.unmodifiableSortedMap(new TreeMap<>(driftMinorByCurrency));
        largestDiscrepancies = List.copyOf(largestDiscrepancies);
        errorSamples = List.copyOf(errorSamples);
    }

    /** A result without quarantined accounts (sources that quarantine nothing: statements, application tables). */
    public ReconciliationResult(String sourceName, Comparison.Measure measure, long checked, long inSync, long drift,
            long inFlight, long missingInCache, long missingInProjection, long currencyMismatch, long errors,
            Map<DriftTier, Long> countByTier, Map<String, Long> driftMinorByCurrency,
            List<Discrepancy> largestDiscrepancies, List<AccountError> errorSamples, long startedAtMs,
            long finishedAtMs) {
        this(sourceName, measure, checked, inSync, drift, inFlight, missingInCache, missingInProjection,
                currencyMismatch, 0, errors, countByTier, driftMinorByCurrency, largestDiscrepancies, errorSamples,
                startedAtMs, finishedAtMs);
    }

    /** The number of accounts with {@code status}. */
    public long count(ReconciliationStatus status) {
        switch (status) {
            case IN_SYNC:
                return inSync;
            case DRIFT:
                return drift;
            case IN_FLIGHT:
                return inFlight;
            case MISSING_IN_CACHE:
                return missingInCache;
            case MISSING_IN_PROJECTION:
                return missingInProjection;
            case CURRENCY_MISMATCH:
                return currencyMismatch;
            case QUARANTINED:
                return quarantined;
            default:
                throw new AssertionError(status);
        }
    }

    /** The number of accounts in {@code tier}. */
    public long count(DriftTier tier) {
        return countByTier.get(tier);
    }

    /**
     * The number of drifting accounts in each drift tier ({@link DriftTier#isDrift}: MINOR, WARN,
     * CRITICAL), keyed by the tier's name, in the tiers' order: the {@code driftByTier} of the reports.
     */
    public Map<String, Long> driftByTierName() {
        Map<String, Long> byTier = new LinkedHashMap<>();
        for (DriftTier tier : DriftTier.values()) {
            if (tier.isDrift()) {
                byTier.put(tier.name(), count(tier));
            }
        }
        return byTier;
    }

    /** Accounts that disagree: drift, missing on either side, in another currency, or quarantined by the cache. */
    public long discrepancies() {
        return drift + missingInCache + missingInProjection + currencyMismatch + quarantined;
    }

    /** Whether every account was in sync or in flight, and none failed. */
    public boolean isClean() {
        return discrepancies() == 0 && errors == 0;
    }

    /** How long the run took, milliseconds. */
    public long durationMs() {
        return finishedAtMs - startedAtMs;
    }
}
