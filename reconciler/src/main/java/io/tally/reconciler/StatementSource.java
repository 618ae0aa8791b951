package io.tally.reconciler;

import io.tally.core.Currency;
import io.tally.core.MinorUnits;
import io.tally.core.reconciliation.BalanceView;
import io.tally.core.reconciliation.Comparison;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * An external statement as a reconciliation source: its lines in {@link AccountOrder}, each as a
 * {@link BalanceView} with the balance as available, nothing locked and no version. Compare it with
 * {@link #MEASURE} ({@code TOTAL}), since a statement gives one balance per account.
 *
 * <p>The lines are held in memory (a statement is read whole to be sorted); only the cache and the
 * projection stream.
 *
 * <p>Not thread-safe: an iterator, read once.
 */
public final class StatementSource implements CloseableIterator<BalanceView> {
    /** The measure to reconcile a statement with. */
    public static final Comparison.Measure MEASURE = Comparison.Measure.TOTAL;

    /** The header line a CSV statement may start with. */
    public static final String CSV_HEADER = "account_id,balance,currency,as_of";

    /** Decimals stay exact: a balance number is never read through {@code double}. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final List<StatementLine> lines;
    private int next;

    private StatementSource(List<StatementLine> sortedLines) {
        this.lines = sortedLines;
    }

    /**
     * A statement of {@code lines}, sorted by {@link AccountOrder} here.
     *
     * @param lines the lines, in any order, one per account
     * @return the source
     * @throws IllegalArgumentException if two lines name the same account
     */
    public static StatementSource of(List<StatementLine> lines) {
        List<StatementLine> sorted = new ArrayList<>(lines);
        sorted.sort(Comparator.comparing(StatementLine::accountId, AccountOrder.INSTANCE));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).accountId().equals(sorted.get(i - 1).accountId())) {
                throw new IllegalArgumentException("the statement has two lines for account " + sorted.get(i).accountId());
            }
        }
        return new StatementSource(List.copyOf(sorted));
    }

    /**
     * Reads a UTF-8 CSV statement with lines {@code account_id,balance,currency,as_of} (an optional
     * first line {@value #CSV_HEADER}; blank lines ignored; no quoting, so ids cannot hold commas).
     *
     * <ul>
     *   <li>{@code balance}: a plain decimal in major units, such as {@code -1234.50}, parsed exactly
     *       by {@link MinorUnits#parse} at the currency's scale (never through {@code double}); more
     *       fraction digits than the scale is an error, not a rounding.
     *   <li>{@code currency}: a code in {@code scaleByCurrency}; required, since the balance cannot
     *       be read without its scale.
     *   <li>{@code as_of}: an ISO-8601 instant ({@code 1998-12-31T23:59:59Z}, an offset allowed) or
     *       date ({@code 1998-12-31}); a date means the end of that day in UTC (the next midnight
     *       minus 1 ms), the balance after every event of the day.
     * </ul>
     *
     * <p>Every malformed line is collected, with its number, and reported together: the file is
     * refused rather than reconciled without them, since their accounts would show as missing.
     *
     * @param path the file
     * @param scaleByCurrency minor-unit digits by currency code
     * @return the statement, sorted
     * @throws MalformedStatementException if any line is malformed or names an account twice
     * @throws IOException if the file cannot be read or is not UTF-8
     */
    public static StatementSource readCsv(Path path, Map<String, Integer> scaleByCurrency) throws IOException {
        Objects.requireNonNull(scaleByCurrency, "scaleByCurrency");
        List<StatementLine> lines = new ArrayList<>();
        List<MalformedStatementException.LineError> errors = new ArrayList<>();
        Map<String, Long> lineOfAccount = new HashMap<>();
        try (BufferedReader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String text;
            long number = 0;
            while ((text = reader.readLine()) != null) {
                number++;
                if (number == 1 && text.startsWith("\uFEFF")) {
                    text = text.substring(1);
                }
                if (text.isBlank() || number == 1 && text.strip().equalsIgnoreCase(CSV_HEADER)) {
                    continue;
                }
                try {
                    StatementLine line = parseLine(text, scaleByCurrency);
                    Long earlier = lineOfAccount.putIfAbsent(line.accountId(), number);
                    if (earlier != null) {
                        throw new IllegalArgumentException("account " + line.accountId() + " is already on line " + earlier);
                    }
                    lines.add(line);
                } catch (IllegalArgumentException | ArithmeticException | DateTimeException e) {
                    errors.add(new MalformedStatementException.LineError(number, e.getMessage()));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new MalformedStatementException(path.toString(), errors);
        }
        return of(lines);
    }

    private static StatementLine parseLine(String text, Map<String, Integer> scaleByCurrency) {
        if (text.indexOf('"') >= 0) {
            throw new IllegalArgumentException("quoted fields are not supported");
        }
        String[] fields = text.split(",", -1);
        if (fields.length != 4) {
            throw new IllegalArgumentException("expected 4 fields (" + CSV_HEADER + "), found " + fields.length);
        }
        return parseFields(fields[0].strip(), fields[1].strip(), fields[2].strip(), fields[3].strip(), scaleByCurrency);
    }

    /** One line from its four fields, as text; shared by the CSV and JSON forms. */
    private static StatementLine parseFields(String accountId, String balance, String currency, String asOf,
            Map<String, Integer> scaleByCurrency) {
        if (accountId.isEmpty()) {
            throw new IllegalArgumentException("account_id is empty");
        }
        if (currency.isEmpty()) {
            throw new IllegalArgumentException("currency is empty: the balance's scale is unknown");
        }
        if (!Currency.isValidCode(currency)) {
            throw new IllegalArgumentException("not a currency code: '" + currency + "'");
        }
        Integer scale = scaleByCurrency.get(currency);
        if (scale == null) {
            throw new IllegalArgumentException("no scale configured for currency " + currency);
        }
        long balanceMinor;
        try {
            balanceMinor = MinorUnits.parse(balance, scale);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("balance " + balance + " does not fit in a long at scale " + scale);
        }
        return new StatementLine(accountId, balanceMinor, currency, parseAsOf(asOf));
    }

    private static long parseAsOf(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("as_of is empty");
        }
        try {
            if (text.indexOf('T') >= 0 || text.indexOf('t') >= 0) {
                return Instant.parse(text.toUpperCase(Locale.ROOT)).toEpochMilli();
            }
            return LocalDate.parse(text).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli() - 1;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("as_of is not an ISO-8601 date or instant: '" + text + "'");
        }
    }

    /**
     * Reads a JSON statement: an array of objects {@code {"account_id": "...", "balance": "-1234.50",
     * "currency": "CZK", "as_of": "1998-12-31"}} ({@code accountId} and {@code asOf} also accepted),
     * with the same rules as {@link #readCsv} per field. A balance may be a JSON string or number;
     * numbers are read as exact decimals, never through {@code double}. Every malformed element is
     * reported together, numbered from 1.
     *
     * @param json the document
     * @param source what to call it in errors (a file name, a URL)
     * @param scaleByCurrency minor-unit digits by currency code
     * @return the statement, sorted
     * @throws MalformedStatementException if the document or any element is malformed
     */
    public static StatementSource readJson(String json, String source, Map<String, Integer> scaleByCurrency) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new MalformedStatementException(source, List.of(new MalformedStatementException.LineError(0,
                    "not JSON: " + e.getMessage())));
        }
        if (root == null || !root.isArray()) {
            throw new MalformedStatementException(source, List.of(new MalformedStatementException.LineError(0,
                    "expected a JSON array of {account_id, balance, currency, as_of}")));
        }
        List<StatementLine> lines = new ArrayList<>();
        List<MalformedStatementException.LineError> errors = new ArrayList<>();
        Map<String, Long> elementOfAccount = new HashMap<>();
        long number = 0;
        for (JsonNode item : root) {
            number++;
            try {
                StatementLine line = parseFields(field(item, "account_id", "accountId"), field(item, "balance", "balance"),
                        field(item, "currency", "currency"), field(item, "as_of", "asOf"), scaleByCurrency);
                Long earlier = elementOfAccount.putIfAbsent(line.accountId(), number);
                if (earlier != null) {
                    throw new IllegalArgumentException("account " + line.accountId() + " is already element " + earlier);
                }
                lines.add(line);
            } catch (IllegalArgumentException | ArithmeticException | DateTimeException e) {
                errors.add(new MalformedStatementException.LineError(number, e.getMessage()));
            }
        }
        if (!errors.isEmpty()) {
            throw new MalformedStatementException(source, errors);
        }
        return of(lines);
    }

    /**
     * Fetches a JSON statement ({@link #readJson}) from an HTTP endpoint, such as a payment
     * provider's balance snapshot (seed 002) or a chain indexer (seed 001), with a GET bounded by
     * {@code timeout}.
     *
     * @throws IOException if the endpoint cannot be reached or answers other than 2xx
     * @throws MalformedStatementException if the body is malformed
     * @throws InterruptedException if interrupted while waiting
     */
    public static StatementSource fetchJson(URI uri, Duration timeout, Map<String, Integer> scaleByCurrency)
            throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() / 100 != 2) {
            throw new IOException(uri + " answered " + response.statusCode());
        }
        return readJson(response.body(), uri.toString(), scaleByCurrency);
    }

    private static String field(JsonNode item, String name, String alias) {
        JsonNode value = item.has(name) ? item.get(name) : item.get(alias);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException(name + " is missing");
        }
        return value.isNumber() ? value.decimalValue().toPlainString() : value.asText().strip();
    }

    /** The lines, sorted by {@link AccountOrder}. */
    public List<StatementLine> lines() {
        return lines;
    }

    @Override
    public boolean hasNext() {
        return next < lines.size();
    }

    /** The next line as a {@link BalanceView}: balance as available, 0 locked, no version. */
    @Override
    public BalanceView next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        StatementLine line = lines.get(next++);
        return new BalanceView(line.accountId(), line.currencyCode(), line.balanceMinor(), 0, null);
    }

    /** Nothing to release: the lines are in memory. */
    @Override
    public void close() {
        // nothing held
    }
}
