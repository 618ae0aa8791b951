package io.tally.demo;

import io.tally.demo.berka.BankHistory;
import io.tally.demo.berka.BankTransaction;
import io.tally.demo.berka.BerkaData;
import io.tally.demo.berka.BerkaFiles;
import io.tally.demo.berka.BerkaGenerator;
import io.tally.demo.berka.LineError;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the demo replays (DESIGN.md, The main job, on real data): the transactions file given, else the
 * real Berka data beside the project, else a history generated in the same format, labelled as such.
 *
 * @param transactions the Berka {@code trans.asc} (plain or {@code .gz})
 * @param accounts the Berka {@code account.asc} to check the transactions against, if any
 * @param label what is replayed, for the user ({@code GENERATED} for a generated history)
 * @param generated whether the history is generated
 */
record DemoInput(Path transactions, Path accounts, String label, boolean generated) {
    /**
     * The input as read.
     *
     * @param read the rows and the lines that could not be read
     * @param errors those lines, and transactions of accounts {@code account.asc} does not have
     * @param history the rows in the bank's order, per account
     * @param toSend the rows that move money (not 0.00), in that order
     * @param zeroAmountRows the rows of 0.00 (counted, not sent: the ledger rejects a zero amount)
     */
    record Read(BerkaFiles.Transactions read, List<LineError> errors, BankHistory history, List<BankTransaction> toSend,
            long zeroAmountRows) {}

    /**
     * Finds the input: {@code transactions} if given; the real data set unless {@code generate}; else a
     * history of {@code generatedAccounts} accounts written to {@code <dataDir>/generated/trans.asc}. Says
     * on {@code out} how to get the real data when it is absent.
     *
     * @throws IOException if a generated history cannot be written
     */
    static DemoInput locate(Optional<Path> transactions, Optional<Path> accounts, boolean generate,
            int generatedAccounts, Path dataDir, PrintStream out) throws IOException {
        if (transactions.isPresent()) {
            return new DemoInput(transactions.get(), accounts.orElse(null),
                    "replaying " + transactions.get().getFileName() + " (given)", false);
        }
        Path berka = BerkaData.defaultDirectory();
        Optional<Path> real = BerkaData.transactionsFile(berka);
        if (real.isPresent() && !generate) {
            Path accountFile = accounts.orElse(Files.isRegularFile(berka.resolve("account.asc"))
                    ? berka.resolve("account.asc") : null);
            return new DemoInput(real.get(), accountFile, "replaying the real Berka bank data (PKDD'99)", false);
        }
        if (!generate) {
            out.println(BerkaData.howToGetIt(berka));
        }
        Path file = dataDir.resolve("generated").resolve("trans.asc");
        int rows = BerkaGenerator.write(file, generatedAccounts, 1999);
        return new DemoInput(file, null, String.format(Locale.ROOT,
                "replaying a GENERATED history (%,d accounts, %,d rows; not real bank data)", generatedAccounts, rows), true);
    }

    /**
     * Reads the transactions (and checks them against the accounts file), puts them in the bank's order
     * and says what it read on {@code out}; ends the phase {@code read}.
     *
     * @throws IOException if a file cannot be read
     */
    Read read(PrintStream out, Phases phases) throws IOException {
        out.println("tally demo: " + label);
        out.println("  transactions: " + transactions);
        BerkaFiles.Transactions read = BerkaFiles.readTransactions(transactions);
        List<LineError> errors = new ArrayList<>(read.errors());
        if (accounts != null) {
            errors.addAll(unknownAccounts(read.transactions()));
        }
        BankHistory history = BankHistory.of(read.transactions());
        List<BankTransaction> toSend = history.ordered().stream().filter(t -> t.amountMinor() > 0).toList();
        long zeroAmountRows = history.ordered().size() - toSend.size();
        out.printf(Locale.ROOT, "  read %,d transactions of %,d accounts in %s; %,d malformed lines; %,d rows of 0.00 (nothing to move, not sent)%n",
                read.transactions().size(), history.accounts().size(), phases.end("read"), errors.size(), zeroAmountRows);
        errors.stream().limit(10).forEach(e -> out.println("    malformed: " + e));
        out.printf(Locale.ROOT, "  bank order: %,d of %,d rows chain exactly onto the previous running balance%n",
                history.chainedExactly(), history.ordered().size());
        return new Read(read, errors, history, toSend, zeroAmountRows);
    }

    /** The accounts file's own bad lines, and a line per transaction of an account it does not have. */
    private List<LineError> unknownAccounts(List<BankTransaction> read) throws IOException {
        BerkaFiles.Accounts known = BerkaFiles.readAccounts(accounts);
        List<LineError> errors = new ArrayList<>(known.errors());
        for (BankTransaction t : read) {
            if (!known.openedOn().containsKey(t.accountId())) {
                errors.add(new LineError(transactions.getFileName().toString(), t.lineNumber(),
                        "account " + t.accountId() + " is not in " + accounts.getFileName()));
            }
        }
        return errors;
    }
}
