package io.tally.demo.berka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BerkaFilesTest {
    private static final String HEADER =
            "\"trans_id\";\"account_id\";\"date\";\"type\";\"operation\";\"amount\";\"balance\";\"k_symbol\";\"bank\";\"account\"\r\n";

    @Test
    void readsRowsExactlyAndReportsBadLinesWithTheirNumbers(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("trans.asc");
        Files.writeString(file, HEADER
                + "695247;2378;930101;\"PRIJEM\";\"VKLAD\";700.00;700.00;\"\";;\r\n"
                + "637742;2378;930105;\"VYDAJ\";\"VYBER\";123.45;576.55;\" \";;\r\n"
                + "1;2378;930105;\"PRIJEM\";;1.5;576.55;\"\";;\r\n"
                + "2;2378;931332;\"PRIJEM\";;1.50;576.55;\"\";;\r\n"
                + "3;2378;930105;\"JINAK\";;1.50;576.55;\"\";;\r\n"
                + "695247;2378;930101;\"PRIJEM\";\"VKLAD\";700.00;700.00;\"\";;\r\n"
                + "4;2378;930105\r\n");
        BerkaFiles.Transactions read = BerkaFiles.readTransactions(file);
        assertThat(read.transactions()).hasSize(2);
        BankTransaction debit = read.transactions().get(1);
        assertThat(debit.credit()).isFalse();
        assertThat(debit.amountMinor()).isEqualTo(12_345);
        assertThat(debit.balanceMinor()).isEqualTo(57_655);
        assertThat(debit.date()).isEqualTo(LocalDate.of(1993, 1, 5));
        assertThat(read.errors()).extracting(LineError::lineNumber).containsExactly(4, 5, 6, 7, 8);
        assertThat(read.errors().get(0).reason()).contains("two decimals");
        assertThat(read.errors().get(2).reason()).contains("PRIJEM, VYDAJ or VYBER");
        assertThat(read.errors().get(3).reason()).contains("appears again");
        assertThat(read.errors().get(4).reason()).contains("10 fields");
    }

    @Test
    void ordersADayByTheBanksChainedBalancesNotByFileOrder() {
        LocalDate day1 = LocalDate.of(1993, 1, 1);
        LocalDate day2 = LocalDate.of(1993, 1, 2);
        List<BankTransaction> rows = List.of(
                new BankTransaction(2, "10", "a", day1, true, 100_00, 100_00, ""),
                // File order within day 2 is not the bank's: the charge came after the credit.
                new BankTransaction(3, "11", "a", day2, false, 150_00, 0_00, ""),
                new BankTransaction(4, "12", "a", day2, true, 50_00, 150_00, ""),
                // Interest whose balance is off by the bank's 0.10 rounding.
                new BankTransaction(5, "13", "a", day2, true, 1_00, 1_10, "UROK"));
        BankHistory history = BankHistory.of(rows);
        assertThat(history.ordered()).extracting(BankTransaction::transId).containsExactly("10", "12", "11", "13");
        assertThat(history.chainedExactly()).isEqualTo(3);
        BankHistory.AccountSummary a = history.accounts().get("a");
        assertThat(a.sumMinor()).isEqualTo(1_00);
        assertThat(a.statementBalanceMinor()).isEqualTo(1_10);
        assertThat(a.lowestMinor()).isZero();
        assertThat(a.overdraftLimitMinor()).isZero();
    }

    @Test
    void overdraftLimitsAdmitTheHistoryRoundedUpToWholeThousands() {
        LocalDate day = LocalDate.of(1993, 1, 1);
        BankHistory history = BankHistory.of(List.of(
                new BankTransaction(2, "1", "a", day, true, 100_00, 100_00, ""),
                new BankTransaction(3, "2", "a", day, false, 1_200_00, -1_100_00, "")));
        assertThat(history.accounts().get("a").overdraftLimitMinor()).isEqualTo(2_000_00);
    }

    /** The known properties of the shared real file (its README), when it is present. */
    @Test
    void theRealFileHasItsDocumentedProperties() throws Exception {
        Optional<Path> file = BerkaData.transactionsFile(BerkaData.defaultDirectory());
        assumeThat(file).as("Berka data beside the project").isPresent();
        BerkaFiles.Transactions read = BerkaFiles.readTransactions(file.get());
        assertThat(read.errors()).isEmpty();
        assertThat(read.transactions()).hasSize(98_845);
        BankHistory history = BankHistory.of(read.transactions());
        assertThat(history.accounts()).hasSize(1_515);
        assertThat(history.chainedExactly()).isBetween(94_000, 98_845);
        int differing = 0;
        for (Map.Entry<String, BankHistory.AccountSummary> e : history.accounts().entrySet()) {
            long difference = e.getValue().statementBalanceMinor() - e.getValue().sumMinor();
            assertThat(Math.abs(difference)).as(e.getKey()).isLessThanOrEqualTo(100);
            assertThat(difference % 10).as(e.getKey()).isZero();
            if (difference != 0) {
                differing++;
            }
        }
        assertThat(differing).isBetween(800, 1_000); // "roughly 60%" of 1,515
    }

    @Test
    void theGeneratedHistoryHasTheRealOnesShape(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("trans.asc");
        int rows = BerkaGenerator.write(file, 300, 42);
        BerkaFiles.Transactions read = BerkaFiles.readTransactions(file);
        assertThat(read.errors()).isEmpty();
        assertThat(read.transactions()).hasSize(rows);
        BankHistory history = BankHistory.of(read.transactions());
        assertThat(history.accounts()).hasSize(300);
        long drifting = history.accounts().values().stream()
                .filter(a -> a.statementBalanceMinor() != a.sumMinor()).count();
        assertThat(history.accounts().values()).allSatisfy(a -> {
            assertThat(Math.abs(a.statementBalanceMinor() - a.sumMinor())).isLessThanOrEqualTo(100);
            assertThat((a.statementBalanceMinor() - a.sumMinor()) % 10).isZero();
        });
        assertThat(drifting).isBetween(60L, 240L);
        assertThat(history.accounts().values()).anySatisfy(a -> assertThat(a.lowestMinor()).isNegative());
        assertThat(BerkaGenerator.write(dir.resolve("again.asc"), 300, 42)).isEqualTo(rows);
        assertThat(Files.readAllBytes(dir.resolve("again.asc"))).isEqualTo(Files.readAllBytes(file));
    }
}
