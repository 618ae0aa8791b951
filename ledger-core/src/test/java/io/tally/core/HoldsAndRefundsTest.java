package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.LedgerCommand.CaptureHold;
import io.tally.core.LedgerCommand.Charge;
import io.tally.core.LedgerCommand.Credit;
import io.tally.core.LedgerCommand.ExpireHold;
import io.tally.core.LedgerCommand.OpenAccount;
import io.tally.core.LedgerCommand.PlaceHold;
import io.tally.core.LedgerCommand.ReceiveTransfer;
import io.tally.core.LedgerCommand.RefundCharge;
import io.tally.core.LedgerCommand.ReleaseHold;
import io.tally.core.LedgerCommand.ReturnTransfer;
import io.tally.core.LedgerCommand.Transfer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Holds (lock, capture, release, expiry), refunds of charges and transfers, against DESIGN.md's table. */
class HoldsAndRefundsTest {
    private static final Currency CZK = new Currency("CZK", 2);
    private AccountState state;
    private int n;

    private LedgerEvent accept(LedgerCommand command) {
        Decision d = Ledger.decide(state, command, new RequestContext("r" + ++n, "k" + n, 1_000L * n));
        assertThat(d).as("%s", command).isInstanceOf(Decision.Accepted.class);
        LedgerEvent e = ((Decision.Accepted) d).events().get(0);
        state = Ledger.evolve(state, e);
        assertThat(e.balanceAfter()).isEqualTo(state.balance());
        assertThat(state.balance().lockedMinor()).as("locked = sum of open holds' remaining (seed 000)")
                .isEqualTo(state.heldMinor());
        return e;
    }

    private RejectionCode reject(LedgerCommand command) {
        Decision d = Ledger.decide(state, command, new RequestContext("x", "x", 0));
        assertThat(d).as("%s", command).isInstanceOf(Decision.Rejected.class);
        return ((Decision.Rejected) d).code();
    }

    private void openWith(long availableMinor) {
        state = null;
        accept(new OpenAccount("a", CZK, 0));
        accept(new Credit("a", "CZK", availableMinor));
    }

    @Test
    void aStateWithOnlyTheNamedHoldOrChargeDecidesAndEvolvesAsTheWholeOne() {
        // ledger-service loads only the hold or charge a command names (DESIGN.md, Write-side state).
        openWith(100_000);
        accept(new PlaceHold("a", "CZK", "open", 5_000, 50L));
        accept(new PlaceHold("a", "CZK", "closed", 1_000, null));
        accept(new ReleaseHold("a", "CZK", "closed", null));
        String charge = accept(new Charge("a", "CZK", 700)).header().eventId();
        String spent = accept(new Charge("a", "CZK", 300)).header().eventId();
        accept(new RefundCharge("a", "CZK", spent, 300));
        List<LedgerCommand> commands = List.of(
                new CaptureHold("a", "CZK", "open", 2_000, null), new CaptureHold("a", "CZK", "open", 5_001, null),
                new CaptureHold("a", "CZK", "closed", 1, null), new CaptureHold("a", "CZK", "none", 1, null),
                new ReleaseHold("a", "CZK", "open", null), new ReleaseHold("a", "CZK", "closed", null),
                new ReleaseHold("a", "CZK", "none", 1L), new ExpireHold("a", "open", 49), new ExpireHold("a", "open", 50),
                new ExpireHold("a", "closed", 50), new PlaceHold("a", "CZK", "closed", 1, null),
                new PlaceHold("a", "CZK", "new", 1, null), new RefundCharge("a", "CZK", charge, 700),
                new RefundCharge("a", "CZK", charge, 701), new RefundCharge("a", "CZK", spent, 1),
                new RefundCharge("a", "CZK", "a:99", 1), new Credit("a", "CZK", 1), new Charge("a", "CZK", 1));
        RequestContext context = new RequestContext("r", "k", 5L);
        for (LedgerCommand command : commands) {
            AccountState partial = new AccountState(state.accountId(), state.currency(), state.overdraftLimitMinor(),
                    state.balance(), state.version(), only(state.holds(), command.holdId()),
                    only(state.refundableByCharge(), command.chargeId()));

            Decision whole = Ledger.decide(state, command, context);

            assertThat(Ledger.decide(partial, command, context)).as("%s", command).isEqualTo(whole);
            if (whole instanceof Decision.Accepted accepted) {
                LedgerEvent event = accepted.events().get(0);
                AccountState afterWhole = Ledger.evolve(state, event);
                AccountState afterPartial = Ledger.evolve(partial, event);
                assertThat(afterPartial.balance()).isEqualTo(afterWhole.balance());
                if (event.holdId() != null) {
                    assertThat(afterPartial.holds().get(event.holdId())).isEqualTo(afterWhole.holds().get(event.holdId()));
                }
                if (event.chargeId() != null) {
                    assertThat(afterPartial.refundableByCharge().get(event.chargeId()))
                            .isEqualTo(afterWhole.refundableByCharge().get(event.chargeId()));
                }
            }
        }
    }

    private static <V> Map<String, V> only(Map<String, V> all, String id) {
        return id != null && all.containsKey(id) ? Map.of(id, all.get(id)) : Map.of();
    }

    @Test
    void aHoldLocksThenCapturesAndReleasesUntilItCloses() {
        openWith(10_000);
        accept(new PlaceHold("a", "CZK", "h1", 6_000, null));
        assertThat(state.balance()).isEqualTo(new Balance(4_000, 6_000));
        LedgerEvent captured = accept(new CaptureHold("a", "CZK", "h1", 2_500, null));
        assertThat(captured).isInstanceOf(LedgerEvent.HoldCaptured.class);
        assertThat(state.balance()).isEqualTo(new Balance(4_000, 3_500));
        assertThat(reject(new CaptureHold("a", "CZK", "h1", 3_501, null))).isEqualTo(RejectionCode.AMOUNT_EXCEEDS_HOLD);
        accept(new ReleaseHold("a", "CZK", "h1", null)); // default: everything remaining
        assertThat(state.balance()).isEqualTo(new Balance(7_500, 0));
        assertThat(state.holds().get("h1").isOpen()).isFalse();
        assertThat(reject(new ReleaseHold("a", "CZK", "h1", null))).isEqualTo(RejectionCode.HOLD_CLOSED);
        assertThat(reject(new CaptureHold("a", "CZK", "h1", 1, null))).isEqualTo(RejectionCode.HOLD_CLOSED);
        assertThat(reject(new CaptureHold("a", "CZK", "nope", 1, null))).isEqualTo(RejectionCode.HOLD_NOT_FOUND);
        assertThat(reject(new PlaceHold("a", "CZK", "h1", 1, null))).isEqualTo(RejectionCode.HOLD_EXISTS);
        assertThat(reject(new PlaceHold("a", "CZK", "h2", 7_501, null))).isEqualTo(RejectionCode.INSUFFICIENT_FUNDS);
        assertThat(reject(new ReleaseHold("a", "CZK", "h1", 0L))).isEqualTo(RejectionCode.INVALID_AMOUNT);
    }

    @Test
    void aHoldExpiresOnlyOnceItsTimeHasPassed() {
        openWith(1_000);
        accept(new PlaceHold("a", "CZK", "h", 400, 50_000L));
        assertThat(reject(new ExpireHold("a", "h", 49_999))).isEqualTo(RejectionCode.INVALID_REQUEST);
        LedgerEvent expired = accept(new ExpireHold("a", "h", 50_000));
        assertThat(expired).isInstanceOfSatisfying(LedgerEvent.HoldReleased.class, r -> {
            assertThat(r.expired()).isTrue();
            assertThat(r.amountMinor()).isEqualTo(400);
        });
        assertThat(state.balance()).isEqualTo(new Balance(1_000, 0));
        assertThat(reject(new ExpireHold("a", "h", 60_000))).isEqualTo(RejectionCode.HOLD_CLOSED);
    }

    @Test
    void aRefundIsBoundedByWhatOfTheChargeIsNotRefundedYet() {
        openWith(10_000);
        String chargeId = accept(new Charge("a", "CZK", 3_000)).header().eventId();
        accept(new RefundCharge("a", "CZK", chargeId, 1_000));
        assertThat(reject(new RefundCharge("a", "CZK", chargeId, 2_001))).isEqualTo(RejectionCode.AMOUNT_EXCEEDS_REFUNDABLE);
        accept(new RefundCharge("a", "CZK", chargeId, 2_000));
        assertThat(reject(new RefundCharge("a", "CZK", chargeId, 1))).isEqualTo(RejectionCode.AMOUNT_EXCEEDS_REFUNDABLE);
        assertThat(reject(new RefundCharge("a", "CZK", "a:99", 1))).isEqualTo(RejectionCode.CHARGE_NOT_FOUND);
        assertThat(state.balance().availableMinor()).isEqualTo(10_000);
    }

    @Test
    void transfersDebitThePayerAndCreditOrReturnOnTheOtherSide() {
        openWith(5_000);
        assertThat(reject(new Transfer("a", "CZK", "a", 1))).isEqualTo(RejectionCode.SAME_ACCOUNT);
        assertThat(reject(new Transfer("a", "CZK", "b", 5_001))).isEqualTo(RejectionCode.INSUFFICIENT_FUNDS);
        LedgerEvent sent = accept(new Transfer("a", "CZK", "b", 2_000));
        assertThat(state.balance().availableMinor()).isEqualTo(3_000);
        // The payee side refused (say, b does not exist): the money comes back.
        accept(new ReturnTransfer("a", "CZK", sent.header().eventId(), "b", 2_000, "ACCOUNT_NOT_FOUND"));
        assertThat(state.balance().availableMinor()).isEqualTo(5_000);
        // A payee that does not exist or holds another currency refuses the credit.
        assertThat(Ledger.decide(null, new ReceiveTransfer("b", "CZK", "a:3", "a", 1), new RequestContext("r", "k", 0)))
                .isInstanceOfSatisfying(Decision.Rejected.class, r -> assertThat(r.code()).isEqualTo(RejectionCode.ACCOUNT_NOT_FOUND));
        assertThat(reject(new ReceiveTransfer("a", "EUR", "b:3", "b", 1))).isEqualTo(RejectionCode.CURRENCY_MISMATCH);
    }

    @Test
    void aCaptureMayPayAnotherAccountButNotItself() {
        openWith(1_000);
        accept(new PlaceHold("a", "CZK", "h", 500, null));
        assertThat(reject(new CaptureHold("a", "CZK", "h", 100, "a"))).isEqualTo(RejectionCode.SAME_ACCOUNT);
        LedgerEvent paid = accept(new CaptureHold("a", "CZK", "h", 100, "merchant"));
        assertThat(((LedgerEvent.HoldCaptured) paid).payeeAccountId()).isEqualTo("merchant");
    }
}
