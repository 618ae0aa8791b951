package io.tally.core.reconciliation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.reconciliation.Comparison.Measure;
import org.junit.jupiter.api.Test;

class InFlightGraceTest {
    private static final ToleranceTiers CZK = ToleranceTiers.defaultsForScale(2);
    private static final InFlightGrace THIRTY_SECONDS = new InFlightGrace(30_000);
    /** The projection accepted version 5 at t = 100 000 ms. */
    private static final BalanceView PROJECTION = new BalanceView("a", "CZK", 1_500, 0, 5L, 100_000L);
    /** The cache still shows version 4, before a credit of 5.00 CZK. */
    private static final BalanceView CACHE_BEHIND = new BalanceView("a", "CZK", 1_000, 0, 4L, 90_000L);

    private static AccountComparison behind() {
        return Comparison.compare(PROJECTION, CACHE_BEHIND, CZK, Measure.AVAILABLE_AND_LOCKED);
    }

    @Test
    void aCacheBehindStaysInFlightUntilTheGraceHasPassedSinceTheEventItLacks() {
        assertThat(behind().status()).isEqualTo(ReconciliationStatus.IN_FLIGHT);

        assertThat(THIRTY_SECONDS.settle(behind(), CZK, 100_000).status()).isEqualTo(ReconciliationStatus.IN_FLIGHT);
        assertThat(THIRTY_SECONDS.settle(behind(), CZK, 130_000).status()).isEqualTo(ReconciliationStatus.IN_FLIGHT);

        AccountComparison late = THIRTY_SECONDS.settle(behind(), CZK, 130_001);
        assertThat(late.status()).isEqualTo(ReconciliationStatus.DRIFT);
        assertThat(late.tier()).isEqualTo(DriftTier.WARN); // 5.00 CZK: above the 1.00 warn level
        assertThat(late.differenceAvailableMinor()).isEqualTo(-500);
    }

    @Test
    void aRowLeftBehindWithEqualAmountsIsStillDriftAtLeastMinor() {
        BalanceView sameAmountsOlderVersion = new BalanceView("a", "CZK", 1_500, 0, 4L, null);
        AccountComparison c = Comparison.compare(PROJECTION, sameAmountsOlderVersion, CZK, Measure.AVAILABLE_AND_LOCKED);

        AccountComparison late = THIRTY_SECONDS.settle(c, CZK, 200_000);

        assertThat(late.status()).isEqualTo(ReconciliationStatus.DRIFT);
        assertThat(late.tier()).isEqualTo(DriftTier.MINOR);
        assertThat(late.tier().autoFixable()).isTrue();
    }

    @Test
    void aSideAheadThatDoesNotKnowItsTimeStaysInFlight() {
        BalanceView cacheAhead = new BalanceView("a", "CZK", 2_000, 0, 6L, null);
        AccountComparison c = Comparison.compare(PROJECTION, cacheAhead, CZK, Measure.AVAILABLE_AND_LOCKED);

        assertThat(THIRTY_SECONDS.settle(c, CZK, Long.MAX_VALUE).status()).isEqualTo(ReconciliationStatus.IN_FLIGHT);
    }

    @Test
    void otherVerdictsAreLeftAlone() {
        AccountComparison inSync = Comparison.compare(PROJECTION, PROJECTION, CZK, Measure.AVAILABLE_AND_LOCKED);
        assertThat(THIRTY_SECONDS.settle(inSync, CZK, Long.MAX_VALUE)).isSameAs(inSync);
        assertThatThrownBy(() -> new InFlightGrace(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
