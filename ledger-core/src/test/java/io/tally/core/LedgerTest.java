package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.LedgerCommand.Charge;
import io.tally.core.LedgerCommand.Credit;
import io.tally.core.LedgerCommand.OpenAccount;
import java.util.List;
import org.junit.jupiter.api.Test;

class LedgerTest {
    private static final Currency CZK = new Currency("CZK", 2);
    private static final RequestContext CTX = new RequestContext("r-1", "k-1", 1_000L);

    private static AccountState open(long overdraftLimitMinor) {
        Decision d = Ledger.decide(null, new OpenAccount("a", CZK, overdraftLimitMinor), CTX);
        return Ledger.evolve(null, ((Decision.Accepted) d).events().get(0));
    }

    private static AccountState applyAll(AccountState state, Decision decision) {
        for (LedgerEvent e : ((Decision.Accepted) decision).events()) {
            state = Ledger.evolve(state, e);
        }
        return state;
    }

    @Test
    void openingCreatesVersionOneWithZeroBalances() {
        AccountState state = open(500);
        assertThat(state.version()).isEqualTo(1);
        assertThat(state.balance()).isEqualTo(Balance.ZERO);
        assertThat(state.overdraftLimitMinor()).isEqualTo(500);
    }

    @Test
    void creditThenChargeMovesAvailableAndStampsVersionsAndBalances() {
        AccountState state = open(0);
        Decision credit = Ledger.decide(state, new Credit("a", "CZK", 10_000), CTX);
        state = applyAll(state, credit);
        Decision charge = Ledger.decide(state, new Charge("a", "CZK", 2_550), new RequestContext("r-2", "k-2", 2_000L));
        LedgerEvent charged = ((Decision.Accepted) charge).events().get(0);
        assertThat(charged.header().version()).isEqualTo(3);
        assertThat(charged.header().eventId()).isEqualTo("a:3");
        assertThat(charged.header().acceptedAtMs()).isEqualTo(2_000L);
        assertThat(charged.balanceAfter()).isEqualTo(new Balance(7_450, 0));
        assertThat(applyAll(state, charge).balance()).isEqualTo(new Balance(7_450, 0));
    }

    @Test
    void chargeMayUseTheOverdraftButNotPassIt() {
        AccountState state = open(1_000);
        assertThat(Ledger.decide(state, new Charge("a", "CZK", 1_000), CTX)).isInstanceOf(Decision.Accepted.class);
        Decision tooMuch = Ledger.decide(state, new Charge("a", "CZK", 1_001), CTX);
        assertThat(tooMuch).isInstanceOfSatisfying(Decision.Rejected.class,
                r -> assertThat(r.code()).isEqualTo(RejectionCode.INSUFFICIENT_FUNDS));
    }

    @Test
    void rejectionsCarryStableCodes() {
        AccountState state = open(0);
        assertThat(code(Ledger.decide(null, new Credit("a", "CZK", 1), CTX))).isEqualTo(RejectionCode.ACCOUNT_NOT_FOUND);
        assertThat(code(Ledger.decide(state, new OpenAccount("a", CZK, 0), CTX))).isEqualTo(RejectionCode.ACCOUNT_EXISTS);
        assertThat(code(Ledger.decide(state, new Credit("a", "EUR", 1), CTX))).isEqualTo(RejectionCode.CURRENCY_MISMATCH);
        assertThat(code(Ledger.decide(state, new Credit("a", "CZK", 0), CTX))).isEqualTo(RejectionCode.INVALID_AMOUNT);
        assertThat(code(Ledger.decide(state, new Charge("a", "CZK", -5), CTX))).isEqualTo(RejectionCode.INVALID_AMOUNT);
        assertThat(code(Ledger.decide(null, new OpenAccount("a", CZK, -1), CTX))).isEqualTo(RejectionCode.INVALID_AMOUNT);
        assertThat(code(Ledger.decide(null, new OpenAccount(" ", CZK, 0), CTX))).isEqualTo(RejectionCode.INVALID_REQUEST);
    }

    @Test
    void creditThatWouldOverflowIsRejectedNotWrapped() {
        AccountState state = applyAll(open(0), Ledger.decide(open(0), new Credit("a", "CZK", Long.MAX_VALUE), CTX));
        Decision overflow = Ledger.decide(state, new Credit("a", "CZK", 1), CTX);
        assertThat(code(overflow)).isEqualTo(RejectionCode.AMOUNT_OVERFLOW);
        assertThat(state.balance().availableMinor()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void chargeThatWouldOverflowIsRejected() {
        AccountState state = open(Long.MAX_VALUE);
        state = applyAll(state, Ledger.decide(state, new Charge("a", "CZK", Long.MAX_VALUE), CTX));
        assertThat(code(Ledger.decide(state, new Charge("a", "CZK", 2), CTX))).isEqualTo(RejectionCode.AMOUNT_OVERFLOW);
    }

    @Test
    void evolveRefusesEventsOutOfOrder() {
        AccountState state = open(0);
        Decision credit = Ledger.decide(state, new Credit("a", "CZK", 5), CTX);
        AccountState after = applyAll(state, credit);
        LedgerEvent again = ((Decision.Accepted) credit).events().get(0);
        assertThatThrownBy(() -> Ledger.evolve(after, again)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void decidingWithAnotherAccountsStateIsMisuse() {
        AccountState state = open(0);
        assertThatThrownBy(() -> Ledger.decide(state, new Credit("b", "CZK", 1), CTX))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyCommandTypeIsDecided() {
        // Drives the dispatch in decide through every permitted command, so a new command type
        // without a rule fails here rather than at run time.
        AccountState state = open(0);
        List<LedgerCommand> all = List.of(new OpenAccount("a", CZK, 0), new Credit("a", "CZK", 1), new Charge("a", "CZK", 1),
                new LedgerCommand.Correct("a", "CZK", BalanceField.AVAILABLE, -1, "run-1", "drift"),
                new LedgerCommand.PlaceHold("a", "CZK", "h", 1, null), new LedgerCommand.CaptureHold("a", "CZK", "h", 1, null),
                new LedgerCommand.ReleaseHold("a", "CZK", "h", null), new LedgerCommand.ExpireHold("a", "h", 0),
                new LedgerCommand.RefundCharge("a", "CZK", "a:2", 1), new LedgerCommand.Transfer("a", "CZK", "b", 1),
                new LedgerCommand.ReceiveTransfer("a", "CZK", "b:2", "b", 1),
                new LedgerCommand.ReturnTransfer("a", "CZK", "a:2", "b", 1, "ACCOUNT_NOT_FOUND"));
        assertThat(LedgerCommand.class.getPermittedSubclasses()).hasSize(all.size());
        for (LedgerCommand c : all) {
            assertThat(Ledger.decide(state, c, CTX)).isNotNull();
        }
    }

    private static RejectionCode code(Decision decision) {
        assertThat(decision).isInstanceOf(Decision.Rejected.class);
        return ((Decision.Rejected) decision).code();
    }

    @Test
    void aCorrectionAdjustsEitherBalanceBySignedDeltaWithoutTheOverdraftCheck() {
        AccountState state = open(0);
        Decision down = Ledger.decide(state, new LedgerCommand.Correct("a", "CZK", BalanceField.AVAILABLE, -250,
                "run-1", "bank statement is authoritative"), CTX);
        LedgerEvent corrected = ((Decision.Accepted) down).events().get(0);
        assertThat(corrected).isInstanceOfSatisfying(LedgerEvent.Corrected.class, c -> {
            assertThat(c.runId()).isEqualTo("run-1");
            assertThat(c.deltaMinor()).isEqualTo(-250);
        });
        assertThat(corrected.balanceAfter()).isEqualTo(new Balance(-250, 0));
        state = applyAll(state, down);
        assertThat(state.balance()).isEqualTo(new Balance(-250, 0));
        state = applyAll(state, Ledger.decide(state,
                new LedgerCommand.Correct("a", "CZK", BalanceField.LOCKED, 40, "run-2", "hold missing"), CTX));
        assertThat(state.balance()).isEqualTo(new Balance(-250, 40));
    }

    @Test
    void aCorrectionMustMoveSomethingAndNeverMakeLockedNegative() {
        AccountState state = open(0);
        assertThat(code(Ledger.decide(state, new LedgerCommand.Correct("a", "CZK", BalanceField.AVAILABLE, 0, "r", "x"), CTX)))
                .isEqualTo(RejectionCode.INVALID_AMOUNT);
        assertThat(code(Ledger.decide(state, new LedgerCommand.Correct("a", "CZK", BalanceField.LOCKED, -1, "r", "x"), CTX)))
                .isEqualTo(RejectionCode.INVALID_AMOUNT);
        assertThat(code(Ledger.decide(state, new LedgerCommand.Correct("a", "EUR", BalanceField.LOCKED, 1, "r", "x"), CTX)))
                .isEqualTo(RejectionCode.CURRENCY_MISMATCH);
        assertThat(code(Ledger.decide(null, new LedgerCommand.Correct("a", "CZK", BalanceField.LOCKED, 1, "r", "x"), CTX)))
                .isEqualTo(RejectionCode.ACCOUNT_NOT_FOUND);
    }
}
