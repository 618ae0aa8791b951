package io.tally.demo.berka;

import io.tally.core.MinorUnits;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a made-up bank history in the Berka {@code trans.asc} format, for machines without the
 * real data set: accounts opened by a deposit, then salaries, withdrawals, payments that dip into
 * overdraft, and monthly interest whose balance the "bank" rounds differently now and then (by
 * 0.10 CZK, at most 1.00 CZK per account), so reconciliation has genuine small drift to find. Rows
 * of one day are shuffled in the file, as in the real one.
 *
 * <p>Deterministic for a given seed. Thread-safe: stateless.
 */
public final class BerkaGenerator {
    private BerkaGenerator() {}

    /**
     * Writes {@code accounts} accounts' history to {@code file} and returns the number of rows.
     *
     * @param seed the random seed (the same seed writes the same file)
     * @throws IOException if the file cannot be written
     */
    public static int write(Path file, int accounts, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        List<Row> rows = new ArrayList<>();
        long transId = 1_000_000;
        LocalDate start = LocalDate.of(1993, 1, 1);
        for (int a = 0; a < accounts; a++) {
            String accountId = Integer.toString(10_000 + a * 7);
            LocalDate date = start.plusDays(random.nextInt(120));
            long balance = 0;
            int roundingSteps = 0;
            int maxRoundingSteps = random.nextInt(100) < 60 ? 1 + random.nextInt(10) : 0;
            boolean overdraws = random.nextInt(100) < 15;
            long deposit = 100_00L * (1 + random.nextInt(20));
            balance += deposit;
            rows.add(new Row(transId++, accountId, date, "PRIJEM", "VKLAD", deposit, balance, ""));
            int movements = 20 + random.nextInt(60);
            for (int m = 0; m < movements; m++) {
                date = date.plusDays(random.nextInt(12));
                int kind = random.nextInt(10);
                if (kind < 3) {
                    long salary = 1_000_00L * (5 + random.nextInt(30)) + random.nextInt(100) * 100L;
                    balance += salary;
                    rows.add(new Row(transId++, accountId, date, "PRIJEM", "PREVOD Z UCTU", salary, balance, "DUCHOD"));
                } else if (kind < 9) {
                    long limit = overdraws ? balance + 3_000_00L : balance;
                    if (limit <= 100) {
                        continue;
                    }
                    long amount = Math.max(100, random.nextLong(limit) / 100 * 100);
                    balance -= amount;
                    rows.add(new Row(transId++, accountId, date, "VYDAJ", "VYBER", amount, balance, ""));
                } else {
                    long interest = 10 + random.nextInt(5_000);
                    balance += interest;
                    long shown = balance;
                    if (roundingSteps < maxRoundingSteps) {
                        shown += random.nextBoolean() ? 10 : -10; // the bank's rounding, 0.10 CZK
                        roundingSteps++;
                        balance = shown; // the bank's running balance carries its own rounding on
                    }
                    rows.add(new Row(transId++, accountId, date, "PRIJEM", "", interest, shown, "UROK"));
                }
            }
        }
        // The file is sorted by date, the order within a day is not the bank's.
        Collections.shuffle(rows, new java.util.Random(seed));
        rows.sort((x, y) -> x.date.compareTo(y.date));
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            out.write("\"trans_id\";\"account_id\";\"date\";\"type\";\"operation\";\"amount\";\"balance\";\"k_symbol\";\"bank\";\"account\"\r\n");
            for (Row r : rows) {
                out.write(r.transId + ";" + r.accountId + ";" + yymmdd(r.date) + ";\"" + r.type + "\";\"" + r.operation
                        + "\";" + MinorUnits.format(r.amountMinor, 2) + ";" + MinorUnits.format(r.balanceMinor, 2)
                        + ";\"" + r.kSymbol + "\";;\r\n");
            }
        }
        return rows.size();
    }

    private static String yymmdd(LocalDate d) {
        return String.format(java.util.Locale.ROOT, "%02d%02d%02d", d.getYear() - 1900, d.getMonthValue(), d.getDayOfMonth());
    }

    private record Row(long transId, String accountId, LocalDate date, String type, String operation, long amountMinor,
            long balanceMinor, String kSymbol) {}
}
