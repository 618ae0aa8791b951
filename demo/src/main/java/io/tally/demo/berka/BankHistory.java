package io.tally.demo.berka;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A bank's transactions put in the bank's order, with what the demo derives from them: per account
 * the statement balance (the bank's running balance after its last transaction) and an overdraft
 * limit that admits its real history.
 *
 * <p>Order: by date; within a day, per account, the order the bank's running balances imply: each
 * next row is one whose balance equals the previous balance plus or minus its amount. Where no row
 * chains exactly (the bank's own rounding, 0.10 CZK on the data set's interest rows), the row whose
 * balance comes closest is taken, ties by trans_id. The file's order within a day is not the bank's
 * (the data set's README), so it is not used.
 *
 * <p>Overdraft limit: the deepest the account's exact running sum goes below zero in that order,
 * rounded up to a whole {@value #OVERDRAFT_STEP_MINOR} minor units (1,000 CZK); 0 for an account
 * that never goes below zero. The ledger then accepts the whole real history and no more than
 * 1,000 CZK beyond it.
 *
 * <p>Immutable once built; thread-safe.
 */
public final class BankHistory {
    /** Overdraft limits are whole 1,000 CZK. */
    public static final long OVERDRAFT_STEP_MINOR = 100_000;

    private final List<BankTransaction> ordered;
    private final Map<String, AccountSummary> accounts;
    private final int chainedExactly;

    /**
     * What the history says of one account.
     *
     * @param accountId the account
     * @param transactions its number of transactions
     * @param sumMinor the exact sum of its credits minus its debits, minor units
     * @param lowestMinor the lowest running sum, minor units
     * @param overdraftLimitMinor the limit the demo opens it with
     * @param statementBalanceMinor the bank's running balance after its last transaction
     * @param statementDate the date of that transaction
     */
    public record AccountSummary(String accountId, int transactions, long sumMinor, long lowestMinor,
            long overdraftLimitMinor, long statementBalanceMinor, LocalDate statementDate) {}

    private BankHistory(List<BankTransaction> ordered, Map<String, AccountSummary> accounts, int chainedExactly) {
        this.ordered = List.copyOf(ordered);
        this.accounts = accounts;
        this.chainedExactly = chainedExactly;
    }

    /**
     * Orders {@code transactions} and derives each account's statement and limit.
     *
     * @throws ArithmeticException if a running sum overflows a long
     */
    public static BankHistory of(List<BankTransaction> transactions) {
        Map<String, TreeMap<LocalDate, List<BankTransaction>>> byAccountAndDay = new TreeMap<>();
        for (BankTransaction t : transactions) {
            byAccountAndDay.computeIfAbsent(t.accountId(), k -> new TreeMap<>())
                    .computeIfAbsent(t.date(), k -> new ArrayList<>()).add(t);
        }
        Map<String, AccountSummary> accounts = new LinkedHashMap<>();
        Map<LocalDate, List<BankTransaction>> byDay = new TreeMap<>();
        int chained = 0;
        for (var account : byAccountAndDay.entrySet()) {
            long bankBalance = 0;
            long sum = 0;
            long lowest = 0;
            int count = 0;
            LocalDate lastDate = null;
            for (var day : account.getValue().entrySet()) {
                List<BankTransaction> remaining = new ArrayList<>(day.getValue());
                remaining.sort(Comparator.comparingLong(t -> Long.parseLong(t.transId())));
                while (!remaining.isEmpty()) {
                    BankTransaction next = closest(remaining, bankBalance);
                    if (next.balanceMinor() == Math.addExact(bankBalance, next.signedAmountMinor())) {
                        chained++;
                    }
                    remaining.remove(next);
                    byDay.computeIfAbsent(day.getKey(), k -> new ArrayList<>()).add(next);
                    bankBalance = next.balanceMinor();
                    sum = Math.addExact(sum, next.signedAmountMinor());
                    lowest = Math.min(lowest, sum);
                    count++;
                }
                lastDate = day.getKey();
            }
            long limit = lowest >= 0 ? 0 : ceilToStep(-lowest);
            accounts.put(account.getKey(),
                    new AccountSummary(account.getKey(), count, sum, lowest, limit, bankBalance, lastDate));
        }
        List<BankTransaction> ordered = new ArrayList<>(transactions.size());
        byDay.values().forEach(ordered::addAll);
        return new BankHistory(ordered, accounts, chained);
    }

    /** The row whose balance is nearest to {@code previous} plus its amount; the first such in trans_id order. */
    private static BankTransaction closest(List<BankTransaction> candidates, long previous) {
        BankTransaction best = null;
        long bestDistance = Long.MAX_VALUE;
        for (BankTransaction t : candidates) {
            long distance = Math.abs(t.balanceMinor() - (previous + t.signedAmountMinor()));
            if (distance < bestDistance) {
                best = t;
                bestDistance = distance;
            }
        }
        return best;
    }

    private static long ceilToStep(long minor) {
        return Math.multiplyExact(Math.floorDiv(minor + OVERDRAFT_STEP_MINOR - 1, OVERDRAFT_STEP_MINOR), OVERDRAFT_STEP_MINOR);
    }

    /** Every transaction in the bank's order (by date; within a day, per account, in chain order). */
    public List<BankTransaction> ordered() {
        return ordered;
    }

    /** Per account (in account-id order of the text), what the history says of it. */
    public Map<String, AccountSummary> accounts() {
        return accounts;
    }

    /** How many rows chained exactly onto their predecessor's balance. */
    public int chainedExactly() {
        return chainedExactly;
    }
}
