package io.tally.reconciler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The conservation check (issue 6, internal consistency): per currency, the sum of every account's
 * balance (available + locked) in the projection must equal the sum of the money that came in from
 * outside minus the money that went out: credits minus charges, plus corrections (an adjusting entry
 * is money the ledger was told it has). Transfers between accounts, holds and captures move money
 * within the ledger and leave both sums unchanged; an event type the check does not know makes it
 * fail closed rather than guess.
 *
 * <p>An accumulator: feed it the movements (from {@code ledger.events}) and the balances (from the
 * projection), in any order, then read {@link #totals}. Memory is one entry per currency. Exact: a
 * sum that overflows a {@code long} throws {@link ArithmeticException}.
 *
 * <p>Not thread-safe.
 */
public final class ConservationCheck {
    /**
     * One currency's sums, minor units.
     *
     * @param currency the currency code
     * @param movementsMinor credits minus charges plus corrections
     * @param balancesMinor the sum of the projection's available + locked
     * @param accounts accounts in the projection
     */
    public record CurrencyTotals(String currency, long movementsMinor, long balancesMinor, long accounts) {
        /** balances minus movements: 0 when money is conserved. */
        public long differenceMinor() {
            return Math.subtractExact(balancesMinor, movementsMinor);
        }
    }

    private final Map<String, long[]> byCurrency = new TreeMap<>();
    private long unknownEvents;

    /**
     * A movement of money across the ledger's boundary.
     *
     * @param currency the currency
     * @param signedMinor positive in (credit, positive correction), negative out (charge)
     */
    public void movement(String currency, long signedMinor) {
        long[] sums = sums(currency);
        sums[0] = Math.addExact(sums[0], signedMinor);
    }

    /** An event whose effect on the sums is not known to this check; the check then fails. */
    public void unknownEvent() {
        unknownEvents++;
    }

    /**
     * One account's balance in the projection.
     *
     * @param currency its currency
     * @param totalMinor available + locked
     */
    public void balance(String currency, long totalMinor) {
        long[] sums = sums(currency);
        sums[1] = Math.addExact(sums[1], totalMinor);
        sums[2]++;
    }

    /** The sums per currency, by currency code. */
    public List<CurrencyTotals> totals() {
        List<CurrencyTotals> totals = new ArrayList<>();
        byCurrency.forEach((currency, sums) -> totals.add(new CurrencyTotals(currency, sums[0], sums[1], sums[2])));
        return totals;
    }

    /** Events the check could not account for. */
    public long unknownEvents() {
        return unknownEvents;
    }

    /** Whether every currency's balances equal its movements and every event was understood. */
    public boolean holds() {
        return unknownEvents == 0 && totals().stream().allMatch(t -> t.differenceMinor() == 0);
    }

    private long[] sums(String currency) {
        return byCurrency.computeIfAbsent(Objects.requireNonNull(currency, "currency"), c -> new long[3]);
    }
}
