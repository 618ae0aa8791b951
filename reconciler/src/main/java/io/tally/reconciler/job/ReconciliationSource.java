package io.tally.reconciler.job;

import io.tally.core.reconciliation.BalanceView;
import io.tally.core.reconciliation.Comparison;
import io.tally.reconciler.CloseableIterator;
import io.tally.reconciler.Fixer;
import io.tally.reconciler.StatementSource;
import io.tally.reconciler.jdbc.PostgresCacheSource;
import io.tally.reconciler.kafka.CacheCorrectionEmitter;
import io.tally.reconciler.kafka.LedgerCorrectionRequester;
import io.tally.schemas.LedgerTopics;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.jdbi.v3.core.Jdbi;

/**
 * What a {@link ReconciliationJob} compares the projection with, and how it fixes it (DESIGN.md, Runs,
 * fixes, audit): the projector's {@code account_balances}, an application's table read by configured SQL
 * ({@code sql:NAME}), or an external statement (a CSV or JSON file, or an HTTP endpoint answering JSON).
 *
 * <p>Immutable and thread-safe; what {@link #open} and {@link #fixer} return is not.
 */
public sealed interface ReconciliationSource {
    /** The source's name in runs, metrics and corrections: {@code account_balances}, {@code sql:NAME}, {@code statement:FILE}. */
    String name();

    /** What is compared: available and locked for a cache, the total for a statement. */
    Comparison.Measure measure();

    /**
     * Opens the source's rows, in account order.
     *
     * @param jdbi the database of the caches
     * @param scaleByCurrency minor-unit digits by currency, to read a statement's decimals
     * @param fetchTimeout bound on fetching a statement over HTTP
     * @return the rows; close them
     * @throws IOException if a file or the endpoint cannot be read
     * @throws IllegalArgumentException if the sources file has no SQL of the name
     * @throws io.tally.reconciler.MalformedStatementException if a statement is malformed
     */
    CloseableIterator<BalanceView> open(Jdbi jdbi, Map<String, Integer> scaleByCurrency, Duration fetchTimeout)
            throws IOException;

    /**
     * The fixer of a fixing run: a cache gets corrections on {@code ledger.corrections} (tally applies
     * {@code account_balances}' itself; an application applies its own table's), an authoritative
     * statement gets CORRECT requests to the ledger, and a statement that is not authoritative is never
     * fixed (the bank is not ours to change, and the ledger is the truth).
     *
     * @param kafka client properties, passed through
     * @param topics where the corrections go
     * @return the fixer; close it
     */
    Fixer fixer(Map<String, Object> kafka, LedgerTopics topics);

    /** Whether tally applies this source's corrections itself ({@code account_balances}: the job drains them). */
    default boolean correctedByTally() {
        return false;
    }

    /**
     * The source the command line names.
     *
     * @param source {@code account_balances}, {@code sql:NAME} or {@code statement}
     * @param sourcesFile properties with {@code NAME.sql=SELECT ...}, or {@code null}
     * @param statement a statement's file or URL, or {@code null}; given, it is the source
     * @param authoritative whether the statement is right where it disagrees
     * @throws IllegalArgumentException if the combination is not one of these, saying why
     */
    static ReconciliationSource parse(String source, Path sourcesFile, String statement, boolean authoritative) {
        boolean statementSource = source.equals("statement");
        if (statementSource && statement == null) {
            throw new IllegalArgumentException("--source statement needs --statement FILE");
        }
        if (authoritative && statement == null) {
            throw new IllegalArgumentException("--authoritative applies to a --statement");
        }
        if (statement != null) {
            return new Statement(statement, authoritative);
        }
        if (source.startsWith("sql:")) {
            if (sourcesFile == null) {
                throw new IllegalArgumentException("--source " + source + " needs --sources FILE with "
                        + source.substring(4) + ".sql=...");
            }
            return new Sql(source.substring(4), sourcesFile);
        }
        if (!source.equals(PostgresCacheSource.ACCOUNT_BALANCES)) {
            throw new IllegalArgumentException("unknown source " + source + ": account_balances, sql:NAME or statement");
        }
        return new AccountBalances();
    }

    /** The projector's cache, with the quarantine merged in ({@link PostgresCacheSource#accountBalances}). */
    record AccountBalances() implements ReconciliationSource {
        @Override
        public String name() {
            return PostgresCacheSource.ACCOUNT_BALANCES;
        }

        @Override
        public Comparison.Measure measure() {
            return Comparison.Measure.AVAILABLE_AND_LOCKED;
        }

        @Override
        public CloseableIterator<BalanceView> open(Jdbi jdbi, Map<String, Integer> scaleByCurrency, Duration fetchTimeout) {
            return PostgresCacheSource.accountBalances(jdbi);
        }

        @Override
        public Fixer fixer(Map<String, Object> kafka, LedgerTopics topics) {
            return new CacheCorrectionEmitter(kafka, topics, name());
        }

        @Override
        public boolean correctedByTally() {
            return true;
        }
    }

    /**
     * An application's balance table, read by the SQL {@code NAME.sql} of {@code sourcesFile} (read at
     * each {@link #open}, so a long-running job follows an edit).
     *
     * @param sqlName the name of the SQL in the file
     * @param sourcesFile properties with {@code NAME.sql=SELECT account_id, available_minor, locked_minor[, version, currency] ...}
     */
    record Sql(String sqlName, Path sourcesFile) implements ReconciliationSource {
        public Sql {
            Objects.requireNonNull(sqlName, "sqlName");
            Objects.requireNonNull(sourcesFile, "sourcesFile");
        }

        @Override
        public String name() {
            return "sql:" + sqlName;
        }

        @Override
        public Comparison.Measure measure() {
            return Comparison.Measure.AVAILABLE_AND_LOCKED;
        }

        @Override
        public CloseableIterator<BalanceView> open(Jdbi jdbi, Map<String, Integer> scaleByCurrency, Duration fetchTimeout)
                throws IOException {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(sourcesFile)) {
                p.load(in);
            }
            String sql = p.getProperty(sqlName + ".sql");
            if (sql == null) {
                throw new IllegalArgumentException(sourcesFile + " has no " + sqlName + ".sql");
            }
            return PostgresCacheSource.query(jdbi, sql, Map.of(), PostgresCacheSource.DEFAULT_FETCH_SIZE);
        }

        @Override
        public Fixer fixer(Map<String, Object> kafka, LedgerTopics topics) {
            return new CacheCorrectionEmitter(kafka, topics, name());
        }
    }

    /**
     * An external statement: a CSV file, a {@code .json} file, or an {@code http(s)} URL answering JSON.
     *
     * @param location the file or URL
     * @param authoritative whether the ledger follows the statement where they disagree
     */
    record Statement(String location, boolean authoritative) implements ReconciliationSource {
        public Statement {
            Objects.requireNonNull(location, "location");
        }

        /** {@code statement:} and the file's name, or the URL. */
        @Override
        public String name() {
            return "statement:" + (isUrl() ? location : Path.of(location).getFileName().toString());
        }

        @Override
        public Comparison.Measure measure() {
            return StatementSource.MEASURE;
        }

        @Override
        public CloseableIterator<BalanceView> open(Jdbi jdbi, Map<String, Integer> scaleByCurrency, Duration fetchTimeout)
                throws IOException {
            if (location.startsWith("http://") || location.startsWith("https://")) {
                try {
                    return StatementSource.fetchJson(URI.create(location), fetchTimeout, scaleByCurrency);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while fetching " + location, e);
                }
            }
            Path file = Path.of(location);
            return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")
                    ? StatementSource.readJson(Files.readString(file), file.toString(), scaleByCurrency)
                    : StatementSource.readCsv(file, scaleByCurrency);
        }

        @Override
        public Fixer fixer(Map<String, Object> kafka, LedgerTopics topics) {
            return authoritative ? new LedgerCorrectionRequester(kafka, topics, name()) : Fixer.NONE;
        }

        private boolean isUrl() {
            return location.contains("://");
        }
    }
}
