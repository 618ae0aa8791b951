package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.LedgerCommand.CaptureHold;
import io.tally.core.LedgerCommand.Charge;
import io.tally.core.LedgerCommand.Credit;
import io.tally.core.LedgerCommand.OpenAccount;
import io.tally.core.LedgerCommand.PlaceHold;
import io.tally.core.LedgerCommand.RefundCharge;
import io.tally.core.LedgerCommand.ReleaseHold;
import io.tally.core.LedgerCommand.Transfer;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random sequences of every single-account operation: whatever is accepted, money is conserved
 * (total = credits − charges − captures − transfers out + refunds), locked always equals the open
 * holds' remaining amounts, available never passes the overdraft limit through a debit, and each
 * event's stated balance is the evolved one.
 */
class OperationsPropertiesTest {
    private static final Currency CZK = new Currency("CZK", 2);
    private static final long OVERDRAFT = 2_000;

    @Provide
    Arbitrary<List<LedgerCommand>> operations() {
        Arbitrary<Long> amounts = Arbitraries.longs().between(-10, 5_000);
        Arbitrary<String> holds = Arbitraries.of("h0", "h1", "h2", "h3");
        Arbitrary<String> charges = Arbitraries.integers().between(1, 40).map(v -> "a:" + v);
        Arbitrary<LedgerCommand> op = Arbitraries.oneOf(
                amounts.map(a -> new Credit("a", "CZK", a)),
                amounts.map(a -> new Charge("a", "CZK", a)),
                Combinators.combine(holds, amounts).as((h, a) -> new PlaceHold("a", "CZK", h, a, null)),
                Combinators.combine(holds, amounts).as((h, a) -> new CaptureHold("a", "CZK", h, a, null)),
                Combinators.combine(holds, amounts.injectNull(0.3)).as((h, a) -> new ReleaseHold("a", "CZK", h, a)),
                Combinators.combine(charges, amounts).as((c, a) -> new RefundCharge("a", "CZK", c, a)),
                amounts.map(a -> new Transfer("a", "CZK", "b", a)));
        return op.list().ofMaxSize(40);
    }

    @Property
    void moneyIsConservedAndLockedIsTheSumOfOpenHolds(@ForAll("operations") List<LedgerCommand> operations) {
        AccountState state = Ledger.evolve(null, ((Decision.Accepted) Ledger.decide(null,
                new OpenAccount("a", CZK, OVERDRAFT), new RequestContext("r", "open", 0))).events().get(0));
        long in = 0;
        long out = 0;
        int n = 0;
        for (LedgerCommand op : operations) {
            Decision d = Ledger.decide(state, op, new RequestContext("r" + n, "k" + n, n++));
            if (!(d instanceof Decision.Accepted accepted)) {
                continue;
            }
            LedgerEvent e = accepted.events().get(0);
            long availableBefore = state.balance().availableMinor();
            state = Ledger.evolve(state, e);
            assertThat(e.balanceAfter()).isEqualTo(state.balance());
            assertThat(state.balance().lockedMinor()).isEqualTo(state.heldMinor()).isNotNegative();
            if (state.balance().availableMinor() < availableBefore) {
                assertThat(state.balance().availableMinor()).isGreaterThanOrEqualTo(-OVERDRAFT);
            }
            if (e instanceof LedgerEvent.Credited c) {
                in += c.amountMinor();
            } else if (e instanceof LedgerEvent.ChargeRefunded r) {
                in += r.amountMinor();
            } else if (e instanceof LedgerEvent.Charged c) {
                out += c.amountMinor();
            } else if (e instanceof LedgerEvent.HoldCaptured c) {
                out += c.amountMinor();
            } else if (e instanceof LedgerEvent.TransferSent t) {
                out += t.amountMinor();
            }
        }
        assertThat(state.balance().totalMinor()).isEqualTo(in - out);
    }
}
