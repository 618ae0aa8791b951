package io.tally.core.reconciliation;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.reconciliation.Comparison.Measure;
import org.junit.jupiter.api.Test;

class ComparisonTest {
    private static final ToleranceTiers CZK = ToleranceTiers.defaultsForScale(2);

    @Test
    void defaultTiersAreTheSeedsStepsInMinorUnits() {
        assertThat(CZK).isEqualTo(new ToleranceTiers(1, 100, 1_000));
        assertThat(ToleranceTiers.defaultsForScale(0)).isEqualTo(new ToleranceTiers(0, 1, 10));
    }

    @Test
    void classifiesEachTierAtItsBoundaries() {
        assertThat(CZK.classify(0)).isEqualTo(DriftTier.NONE);
        assertThat(CZK.classify(-1)).isEqualTo(DriftTier.TOLERATED);
        assertThat(CZK.classify(2)).isEqualTo(DriftTier.MINOR);
        assertThat(CZK.classify(-100)).isEqualTo(DriftTier.MINOR);
        assertThat(CZK.classify(101)).isEqualTo(DriftTier.WARN);
        assertThat(CZK.classify(1_000)).isEqualTo(DriftTier.WARN);
        assertThat(CZK.classify(-1_001)).isEqualTo(DriftTier.CRITICAL);
        assertThat(DriftTier.CRITICAL.autoFixable()).isFalse();
        assertThat(DriftTier.WARN.autoFixable()).isTrue();
    }

    @Test
    void statementDifferenceIsActualMinusExpected() {
        BalanceView ledger = new BalanceView("576", "CZK", 1_234_50, 0, 12L);
        BalanceView statement = new BalanceView("576", null, 1_234_60, 0, null);
        AccountComparison c = Comparison.compare(ledger, statement, CZK, Measure.TOTAL);
        assertThat(c.status()).isEqualTo(ReconciliationStatus.DRIFT);
        assertThat(c.tier()).isEqualTo(DriftTier.MINOR);
        assertThat(c.differenceMinor()).isEqualTo(10);
    }

    @Test
    void aCacheBehindIsInFlightNotDrift() {
        BalanceView projection = new BalanceView("a", "CZK", 500, 0, 7L);
        BalanceView cache = new BalanceView("a", "CZK", 400, 0, 6L);
        assertThat(Comparison.compare(projection, cache, CZK, Measure.AVAILABLE_AND_LOCKED).status())
                .isEqualTo(ReconciliationStatus.IN_FLIGHT);
    }

    @Test
    void lockedDriftCountsEvenWhenTotalsAgree() {
        BalanceView projection = new BalanceView("a", "CZK", 500, 100, 7L);
        BalanceView cache = new BalanceView("a", "CZK", 100, 500, 7L);
        AccountComparison c = Comparison.compare(projection, cache, CZK, Measure.AVAILABLE_AND_LOCKED);
        assertThat(c.status()).isEqualTo(ReconciliationStatus.DRIFT);
        assertThat(c.tier()).isEqualTo(DriftTier.WARN);
        assertThat(c.differenceMinor()).isZero();
    }

    @Test
    void missingSidesAndCurrenciesHaveTheirOwnStatus() {
        BalanceView a = new BalanceView("a", "CZK", 1, 0, 1L);
        assertThat(Comparison.compare(a, null, CZK, Measure.TOTAL).status()).isEqualTo(ReconciliationStatus.MISSING_IN_CACHE);
        assertThat(Comparison.compare(null, a, CZK, Measure.TOTAL).status()).isEqualTo(ReconciliationStatus.MISSING_IN_PROJECTION);
        BalanceView eur = new BalanceView("a", "EUR", 1, 0, 1L);
        assertThat(Comparison.compare(a, eur, CZK, Measure.TOTAL).status()).isEqualTo(ReconciliationStatus.CURRENCY_MISMATCH);
        assertThat(Comparison.compare(a, a, CZK, Measure.TOTAL).status()).isEqualTo(ReconciliationStatus.IN_SYNC);
    }
}
