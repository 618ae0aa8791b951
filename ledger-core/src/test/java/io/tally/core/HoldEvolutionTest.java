package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.HoldEvolution.DoesNotFit;
import io.tally.core.HoldEvolution.Fits;
import io.tally.core.HoldEvolution.Misfit;
import org.junit.jupiter.api.Test;

/** The one hold evolution, as both the write side and the projector apply it. */
class HoldEvolutionTest {
    private static final Balance ANY = Balance.ZERO;
    private int version = 1;

    private EventHeader header() {
        version++;
        return new EventHeader("a:" + version, "a", version, "r", "k", 1_000L * version);
    }

    private LedgerEvent placed(long amountMinor, Long expiresAtMs) {
        return new LedgerEvent.HoldPlaced(header(), "h", amountMinor, expiresAtMs, ANY);
    }

    private LedgerEvent captured(long amountMinor) {
        return new LedgerEvent.HoldCaptured(header(), "h", amountMinor, null, ANY);
    }

    private LedgerEvent released(long amountMinor, boolean expired) {
        return new LedgerEvent.HoldReleased(header(), "h", amountMinor, expired, ANY);
    }

    private static Hold fits(HoldEvolution.Result result) {
        assertThat(result).isInstanceOf(Fits.class);
        return ((Fits) result).hold();
    }

    private static Misfit misfit(HoldEvolution.Result result) {
        assertThat(result).isInstanceOf(DoesNotFit.class);
        return ((DoesNotFit) result).misfit();
    }

    @Test
    void aHoldIsPlacedThenCapturedAndReleasedInPartsUntilItCloses() {
        Hold hold = fits(HoldEvolution.apply(null, placed(1_000, 60_000L)));
        assertThat(hold).isEqualTo(new Hold("h", 1_000, 0, 0, 60_000L));

        hold = fits(HoldEvolution.apply(hold, captured(300)));
        assertThat(hold.remainingMinor()).isEqualTo(700);
        hold = fits(HoldEvolution.apply(hold, released(200, false)));
        assertThat(hold).isEqualTo(new Hold("h", 1_000, 300, 200, 60_000L));
        hold = fits(HoldEvolution.apply(hold, released(500, true)));

        assertThat(hold.isOpen()).isFalse();
        assertThat(hold.releasedMinor()).isEqualTo(700);
        assertThat(misfit(HoldEvolution.apply(hold, captured(1)))).isEqualTo(Misfit.CLOSED);
    }

    @Test
    void anEventThatDoesNotFitItsHoldSaysWhyWithTheCodeDecideAnswers() {
        Hold open = new Hold("h", 500, 100, 0, null);
        assertThat(misfit(HoldEvolution.apply(open, placed(10, null)))).isEqualTo(Misfit.ALREADY_PLACED);
        assertThat(misfit(HoldEvolution.apply(null, placed(0, null)))).isEqualTo(Misfit.NOT_POSITIVE);
        assertThat(misfit(HoldEvolution.apply(null, captured(1)))).isEqualTo(Misfit.NOT_FOUND);
        assertThat(misfit(HoldEvolution.apply(null, released(0, false)))).as("not found before not positive")
                .isEqualTo(Misfit.NOT_FOUND);
        assertThat(misfit(HoldEvolution.apply(open, captured(0)))).isEqualTo(Misfit.NOT_POSITIVE);
        assertThat(misfit(HoldEvolution.apply(open, released(401, false)))).isEqualTo(Misfit.MORE_THAN_REMAINS);
        assertThat(fits(HoldEvolution.apply(open, released(400, false))).isOpen()).isFalse();

        assertThat(Misfit.ALREADY_PLACED.code()).isEqualTo(RejectionCode.HOLD_EXISTS);
        assertThat(Misfit.NOT_FOUND.code()).isEqualTo(RejectionCode.HOLD_NOT_FOUND);
        assertThat(Misfit.CLOSED.code()).isEqualTo(RejectionCode.HOLD_CLOSED);
        assertThat(Misfit.MORE_THAN_REMAINS.code()).isEqualTo(RejectionCode.AMOUNT_EXCEEDS_HOLD);
        assertThat(Misfit.NOT_POSITIVE.code()).isEqualTo(RejectionCode.INVALID_AMOUNT);
    }

    @Test
    void onlyHoldEventsAreHoldEvolution() {
        LedgerEvent credit = new LedgerEvent.Credited(header(), 5, ANY);
        assertThatThrownBy(() -> HoldEvolution.apply(null, credit)).isInstanceOf(IllegalArgumentException.class);
    }
}
