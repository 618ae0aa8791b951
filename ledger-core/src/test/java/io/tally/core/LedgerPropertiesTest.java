package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.LedgerCommand.Charge;
import io.tally.core.LedgerCommand.Credit;
import io.tally.core.LedgerCommand.OpenAccount;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

/**
 * Properties of the core against a reference model written the obvious way, with
 * {@link BigInteger} so the model itself cannot overflow.
 */
class LedgerPropertiesTest {
    private static final Currency CZK = new Currency("CZK", 2);

    @Provide
    Arbitrary<List<LedgerCommand>> movements() {
        Arbitrary<Long> amounts = Arbitraries.oneOf(
                Arbitraries.longs().between(-5, 50_000),
                Arbitraries.longs().between(Long.MAX_VALUE / 2, Long.MAX_VALUE));
        Arbitrary<LedgerCommand> command = Combinators.combine(Arbitraries.of(true, false), amounts,
                        Arbitraries.of("CZK", "CZK", "CZK", "EUR"))
                .as((isCredit, amount, currency) -> isCredit
                        ? new Credit("a", currency, amount)
                        : new Charge("a", currency, amount));
        return command.list().ofMaxSize(60);
    }

    @Property
    void decideAgreesWithTheReferenceModelAndNeverPassesTheOverdraftLimit(
            @ForAll("movements") List<LedgerCommand> commands, @ForAll @LongRange(min = 0, max = 100_000) long overdraftLimitMinor) {
        AccountState state = openWith(overdraftLimitMinor);
        BigInteger model = BigInteger.ZERO;
        BigInteger floor = BigInteger.valueOf(-overdraftLimitMinor);
        BigInteger maxLong = BigInteger.valueOf(Long.MAX_VALUE);
        BigInteger credited = BigInteger.ZERO;
        BigInteger charged = BigInteger.ZERO;
        int i = 0;
        for (LedgerCommand command : commands) {
            i++;
            long amount = command instanceof Credit c ? c.amountMinor() : ((Charge) command).amountMinor();
            String currency = command instanceof Credit c ? c.currencyCode() : ((Charge) command).currencyCode();
            BigInteger next = command instanceof Credit
                    ? model.add(BigInteger.valueOf(amount))
                    : model.subtract(BigInteger.valueOf(amount));
            boolean modelAccepts = amount > 0 && currency.equals("CZK") && next.compareTo(maxLong) <= 0
                    && next.compareTo(floor) >= 0;

            Decision decision = Ledger.decide(state, command, new RequestContext("r" + i, "k" + i, i));
            assertThat(decision instanceof Decision.Accepted).as("command %s on %s", command, model).isEqualTo(modelAccepts);
            if (decision instanceof Decision.Accepted accepted) {
                for (LedgerEvent e : accepted.events()) {
                    state = Ledger.evolve(state, e);
                    assertThat(e.balanceAfter()).isEqualTo(state.balance());
                }
                model = next;
                if (command instanceof Credit) {
                    credited = credited.add(BigInteger.valueOf(amount));
                } else {
                    charged = charged.add(BigInteger.valueOf(amount));
                }
            }
            assertThat(state.balance().availableMinor()).isGreaterThanOrEqualTo(-overdraftLimitMinor);
            assertThat(BigInteger.valueOf(state.balance().availableMinor())).isEqualTo(model);
        }
        // Conservation: the balance is exactly what came in minus what went out.
        assertThat(BigInteger.valueOf(state.balance().totalMinor())).isEqualTo(credited.subtract(charged));
        assertThat(state.version()).isEqualTo(1 + countAccepted(commands, overdraftLimitMinor));
    }

    @Property
    void projectionOfTheEventsEqualsTheWriterAndIgnoresReplays(
            @ForAll("movements") List<LedgerCommand> commands, @ForAll long seed) {
        List<LedgerEvent> log = new ArrayList<>();
        AccountState state = null;
        List<LedgerCommand> all = new ArrayList<>();
        all.add(new OpenAccount("a", CZK, 10_000));
        all.addAll(commands);
        int i = 0;
        for (LedgerCommand command : all) {
            Decision decision = Ledger.decide(state, command, new RequestContext("r" + i, "k" + i, i++));
            if (decision instanceof Decision.Accepted accepted) {
                for (LedgerEvent e : accepted.events()) {
                    state = Ledger.evolve(state, e);
                    log.add(e);
                }
            }
        }
        // Deliver the log with every event duplicated at random places after its first delivery.
        Random random = new Random(seed);
        List<LedgerEvent> delivered = new ArrayList<>();
        for (int k = 0; k < log.size(); k++) {
            delivered.add(log.get(k));
            if (random.nextBoolean()) {
                delivered.add(log.get(random.nextInt(k + 1)));
            }
        }
        ProjectedBalance projected = null;
        int duplicates = 0;
        for (LedgerEvent e : delivered) {
            BalanceProjection.Applied applied = BalanceProjection.apply(projected, e);
            if (applied instanceof BalanceProjection.Applied.Next next) {
                projected = next.balance();
            } else {
                assertThat(applied).isInstanceOf(BalanceProjection.Applied.Duplicate.class);
                duplicates++;
            }
        }
        assertThat(duplicates).isEqualTo(delivered.size() - log.size());
        assertThat(projected.balance()).isEqualTo(state.balance());
        assertThat(projected.version()).isEqualTo(state.version());
    }

    @Property
    void aMissingVersionIsAGapAndChangesNothing(@ForAll @LongRange(min = 1, max = 1_000) long amount) {
        AccountState state = openWith(0);
        List<LedgerEvent> log = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Decision d = Ledger.decide(state, new Credit("a", "CZK", amount), new RequestContext("r", "k" + i, i));
            LedgerEvent e = ((Decision.Accepted) d).events().get(0);
            state = Ledger.evolve(state, e);
            log.add(e);
        }
        ProjectedBalance afterOpening = new ProjectedBalance("a", CZK, Balance.ZERO, 1, "a:1", 0);
        BalanceProjection.Applied skipped = BalanceProjection.apply(afterOpening, log.get(1));
        assertThat(skipped).isEqualTo(new BalanceProjection.Applied.Gap(1, 3));
        Collections.reverse(log);
        assertThat(BalanceProjection.apply(null, log.get(2))).isInstanceOf(BalanceProjection.Applied.Gap.class);
    }

    private static AccountState openWith(long overdraftLimitMinor) {
        Decision opened = Ledger.decide(null, new OpenAccount("a", CZK, overdraftLimitMinor), new RequestContext("r0", "k0", 0));
        return Ledger.evolve(null, ((Decision.Accepted) opened).events().get(0));
    }

    private static long countAccepted(List<LedgerCommand> commands, long overdraftLimitMinor) {
        AccountState state = openWith(overdraftLimitMinor);
        long accepted = 0;
        for (LedgerCommand c : commands) {
            if (Ledger.decide(state, c, new RequestContext("r", "k", 0)) instanceof Decision.Accepted a) {
                state = Ledger.evolve(state, a.events().get(0));
                accepted++;
            }
        }
        return accepted;
    }
}
