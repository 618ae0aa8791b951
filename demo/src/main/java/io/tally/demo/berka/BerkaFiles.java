package io.tally.demo.berka;

import io.tally.core.MinorUnits;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Reads the Berka (PKDD'99) {@code trans.asc} file, plain or gzip: {@code ;}-separated, 10 fields,
 * text in double quotes, amounts with two decimals parsed exactly into minor units (never through
 * {@code double}), dates as YYMMDD in the 1900s. A line that cannot be read is reported with its
 * line number and reason and skipped; nothing is dropped without a {@link LineError}.
 *
 * <p>Thread-safe: stateless.
 */
public final class BerkaFiles {
    /** CZK has two decimals. */
    public static final int SCALE = 2;
    private static final String HEADER_START = "\"trans_id\";\"account_id\";\"date\";\"type\"";

    private BerkaFiles() {}

    /**
     * The rows of a transactions file.
     *
     * @param transactions rows in file order
     * @param errors lines that could not be read (also duplicates of an earlier trans_id)
     */
    public record Transactions(List<BankTransaction> transactions, List<LineError> errors) {}

    /**
     * Reads {@code file} ({@code .gz} is decompressed).
     *
     * @throws IOException if the file cannot be read or does not start with the expected header
     */
    public static Transactions readTransactions(Path file) throws IOException {
        List<BankTransaction> rows = new ArrayList<>();
        List<LineError> errors = new ArrayList<>();
        Set<String> seenIds = new HashSet<>();
        String name = file.getFileName().toString();
        try (BufferedReader reader = open(file)) {
            String header = reader.readLine();
            if (header == null || !header.startsWith(HEADER_START)) {
                throw new IOException(name + ": not a Berka trans.asc file (line 1 is not its header)");
            }
            int lineNumber = 1;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    BankTransaction row = parse(line, lineNumber);
                    if (!seenIds.add(row.transId())) {
                        errors.add(new LineError(name, lineNumber, "trans_id " + row.transId() + " appears again"));
                    } else {
                        rows.add(row);
                    }
                } catch (IllegalArgumentException | ArithmeticException | DateTimeException e) {
                    errors.add(new LineError(name, lineNumber, e.getMessage()));
                }
            }
        }
        return new Transactions(rows, errors);
    }

    /**
     * The accounts of an {@code account.asc} file.
     *
     * @param openedOn each account's opening date, by account id
     * @param errors lines that could not be read
     */
    public record Accounts(Map<String, LocalDate> openedOn, List<LineError> errors) {}

    /**
     * Reads an {@code account.asc} file ({@code "account_id";"district_id";"frequency";"date"}).
     *
     * @throws IOException if the file cannot be read or lacks the header
     */
    public static Accounts readAccounts(Path file) throws IOException {
        Map<String, LocalDate> opened = new LinkedHashMap<>();
        List<LineError> errors = new ArrayList<>();
        String name = file.getFileName().toString();
        try (BufferedReader reader = open(file)) {
            String header = reader.readLine();
            if (header == null || !header.startsWith("\"account_id\";\"district_id\"")) {
                throw new IOException(name + ": not a Berka account.asc file (line 1 is not its header)");
            }
            int lineNumber = 1;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(";", -1);
                try {
                    if (f.length != 4) {
                        throw new IllegalArgumentException("expected 4 fields, found " + f.length);
                    }
                    String id = field(f[0], "account_id");
                    if (opened.putIfAbsent(id, parseDate(field(f[3], "date"))) != null) {
                        throw new IllegalArgumentException("account_id " + id + " appears again");
                    }
                } catch (IllegalArgumentException | DateTimeException e) {
                    errors.add(new LineError(name, lineNumber, e.getMessage()));
                }
            }
        }
        return new Accounts(opened, errors);
    }

    /**
     * Parses one data line.
     *
     * @throws IllegalArgumentException naming the field that is wrong
     * @throws ArithmeticException if an amount does not fit in a long
     * @throws DateTimeException if the date is not a date
     */
    static BankTransaction parse(String line, int lineNumber) {
        String[] f = line.split(";", -1);
        if (f.length != 10) {
            throw new IllegalArgumentException("expected 10 fields, found " + f.length);
        }
        String transId = field(f[0], "trans_id");
        String accountId = field(f[1], "account_id");
        if (!transId.matches("\\d{1,12}")) {
            throw new IllegalArgumentException("trans_id is not a number: '" + transId + "'");
        }
        if (!accountId.matches("\\d{1,12}")) {
            throw new IllegalArgumentException("account_id is not a number: '" + accountId + "'");
        }
        LocalDate date = parseDate(field(f[2], "date"));
        String type = unquote(f[3]);
        boolean credit;
        if (type.equals("PRIJEM")) {
            credit = true;
        } else if (type.equals("VYDAJ") || type.equals("VYBER")) {
            credit = false;
        } else {
            throw new IllegalArgumentException("type must be PRIJEM, VYDAJ or VYBER, was '" + type + "'");
        }
        long amountMinor = parseMoney(field(f[5], "amount"), "amount");
        if (amountMinor < 0) {
            throw new IllegalArgumentException("amount is negative: " + f[5]);
        }
        long balanceMinor = parseMoney(field(f[6], "balance"), "balance");
        return new BankTransaction(lineNumber, transId, accountId, date, credit, amountMinor, balanceMinor,
                unquote(f[7]).strip());
    }

    /** YYMMDD in the 1900s, as the data set writes dates. */
    static LocalDate parseDate(String yymmdd) {
        if (!yymmdd.matches("\\d{6}")) {
            throw new IllegalArgumentException("date is not YYMMDD: '" + yymmdd + "'");
        }
        return LocalDate.of(1900 + Integer.parseInt(yymmdd.substring(0, 2)),
                Integer.parseInt(yymmdd.substring(2, 4)), Integer.parseInt(yymmdd.substring(4, 6)));
    }

    private static long parseMoney(String text, String fieldName) {
        if (!text.matches("-?\\d+\\.\\d{2}")) {
            throw new IllegalArgumentException(fieldName + " must have exactly two decimals: '" + text + "'");
        }
        return MinorUnits.parse(text, SCALE);
    }

    private static String field(String raw, String name) {
        String value = unquote(raw).strip();
        if (value.isEmpty()) {
            throw new IllegalArgumentException(name + " is empty");
        }
        return value;
    }

    private static String unquote(String raw) {
        String s = raw.strip();
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }

    private static BufferedReader open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        if (file.getFileName().toString().endsWith(".gz")) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        // The data set is ASCII; ISO-8859-1 reads any byte without failing, so a bad byte becomes a
        // field error on its line instead of aborting the whole file.
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1), 1 << 16);
    }
}
