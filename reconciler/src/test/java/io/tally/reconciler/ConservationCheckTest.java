package io.tally.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ConservationCheckTest {
    @Test
    void balancesThatAddUpToCreditsMinusChargesPlusCorrectionsHold() {
        ConservationCheck check = new ConservationCheck();
        check.movement("CZK", 10_000);
        check.movement("CZK", -2_550);
        check.movement("CZK", 40); // a correction
        check.movement("FLOW", 5);
        check.balance("CZK", 7_000);
        check.balance("CZK", 490);
        check.balance("FLOW", 5);

        assertThat(check.holds()).isTrue();
        assertThat(check.totals()).extracting(ConservationCheck.CurrencyTotals::currency,
                        ConservationCheck.CurrencyTotals::balancesMinor, ConservationCheck.CurrencyTotals::accounts)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("CZK", 7_490L, 2L),
                        org.assertj.core.groups.Tuple.tuple("FLOW", 5L, 1L));
    }

    @Test
    void moneyThatAppearedOrVanishedIsShownPerCurrency() {
        ConservationCheck check = new ConservationCheck();
        check.movement("CZK", 10_000);
        check.balance("CZK", 10_001);

        assertThat(check.holds()).isFalse();
        assertThat(check.totals().get(0).differenceMinor()).isEqualTo(1);
    }

    @Test
    void anEventItDoesNotUnderstandFailsTheCheckAndOverflowIsNotWrapped() {
        ConservationCheck check = new ConservationCheck();
        check.unknownEvent();
        assertThat(check.holds()).isFalse();

        check.balance("CZK", Long.MAX_VALUE);
        assertThatThrownBy(() -> check.balance("CZK", 1)).isInstanceOf(ArithmeticException.class);
    }
}
