package io.tally.reconciler.bench;

import io.tally.core.reconciliation.BalanceView;
import io.tally.core.reconciliation.Comparison.Measure;
import io.tally.core.reconciliation.InFlightGrace;
import io.tally.embedded.PostgresServer;
import io.tally.projector.jdbc.ProjectorSchema;
import io.tally.reconciler.ReconciliationListener;
import io.tally.reconciler.ReconciliationResult;
import io.tally.reconciler.Reconciler;
import io.tally.reconciler.RunMode;
import io.tally.reconciler.TierPolicy;
import io.tally.reconciler.jdbc.PostgresCacheSource;
import io.tally.reconciler.jdbc.ReconcilerSchema;
import io.tally.reconciler.jdbc.RecordedRuns;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;

/**
 * Not a test (no {@code Test}/{@code IT} suffix, so neither Surefire nor Failsafe runs it): the
 * issue-6 benchmark. Fills a real PostgreSQL {@code account_balances} with N accounts (default
 * 1,000,000) by COPY, plants drift in 1 of every 1,000 rows, and times against the same table in the
 * same run:
 * <ol>
 *   <li>baseline: a plain {@code SELECT ... ORDER BY account_id COLLATE "C"} streamed with the same
 *       fetch size, reading every column (the least any reconciliation must do);
 *   <li>the merge join of an in-memory sorted projection of N accounts against that table
 *       ({@link Reconciler} with {@link PostgresCacheSource}), report only;
 *   <li>the same as a recorded dry run ({@link RecordedRuns}: run row plus one row per discrepancy).
 * </ol>
 * Each is run {@code ROUNDS} times; the table prints every round and the best.
 *
 * <p>Run: {@code java -cp <test classpath> io.tally.reconciler.bench.ReconcileBenchmark [accounts]};
 * PostgreSQL is {@code TALLY_JDBC_URL} or an embedded one in a temporary directory.
 */
public final class ReconcileBenchmark {
    private static final int ROUNDS = 3;
    private static final int DRIFT_EVERY = 1_000;

    private ReconcileBenchmark() {}

    public static void main(String[] args) throws Exception {
        int accounts = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = Files.createTempDirectory("tally-bench");
        try (PostgresServer pg = PostgresServer.start(Optional.ofNullable(System.getenv(PostgresServer.JDBC_URL_ENV)),
                dir.resolve("postgres"))) {
            DataSource ds = PostgresServer.dataSource(pg.createDatabase("bench_" + System.nanoTime()));
            ProjectorSchema.migrate(ds);
            ReconcilerSchema.migrate(ds);
            long fillNs = System.nanoTime();
            fill(ds, accounts);
            Jdbi jdbi = Jdbi.create(ds);
            jdbi.useHandle(h -> h.execute("VACUUM ANALYZE account_balances"));
            System.out.printf(Locale.ROOT, "filled account_balances with %,d rows by COPY in %,d ms (%s)%n", accounts,
                    (System.nanoTime() - fillNs) / 1_000_000, pg.isEmbedded() ? "embedded PostgreSQL" : "TALLY_JDBC_URL");
            Reconciler reconciler = new Reconciler(TierPolicy.byScale(Map.of("CZK", 2)), Clock.systemUTC())
                    .withGrace(new InFlightGrace(30_000));
            System.out.printf(Locale.ROOT, "%-46s %10s %14s  %s%n", "round / what", "ms", "accounts/s", "result");
            long bestBaseline = Long.MAX_VALUE;
            long bestJoin = Long.MAX_VALUE;
            long bestRecorded = Long.MAX_VALUE;
            for (int round = 1; round <= ROUNDS; round++) {
                long t0 = System.nanoTime();
                long scanned = baselineScan(jdbi);
                long baselineMs = (System.nanoTime() - t0) / 1_000_000;
                print(round, "baseline: SELECT ... ORDER BY COLLATE \"C\"", baselineMs, scanned, scanned + " rows");

                t0 = System.nanoTime();
                ReconciliationResult result;
                try (PostgresCacheSource cache = PostgresCacheSource.accountBalances(jdbi)) {
                    result = reconciler.run("account_balances", Measure.AVAILABLE_AND_LOCKED, projection(accounts), cache,
                            ReconciliationListener.NONE);
                }
                long joinMs = (System.nanoTime() - t0) / 1_000_000;
                print(round, "merge join, projection vs PostgreSQL", joinMs, result.checked(),
                        result.inSync() + " in sync, " + result.drift() + " drift " + result.countByTier());

                t0 = System.nanoTime();
                RecordedRuns.Outcome outcome;
                try (PostgresCacheSource cache = PostgresCacheSource.accountBalances(jdbi)) {
                    outcome = new RecordedRuns(Jdbi.create(ds), reconciler, Clock.systemUTC()).run("bench-" + round + "-"
                            + System.nanoTime(), "account_balances", Measure.AVAILABLE_AND_LOCKED, RunMode.DRY_RUN,
                            projection(accounts), cache, null, ReconciliationListener.NONE);
                }
                long recordedMs = (System.nanoTime() - t0) / 1_000_000;
                print(round, "recorded dry run (runs + discrepancies rows)", recordedMs, outcome.result().checked(),
                        outcome.result().drift() + " discrepancies recorded");
                bestBaseline = Math.min(bestBaseline, baselineMs);
                bestJoin = Math.min(bestJoin, joinMs);
                bestRecorded = Math.min(bestRecorded, recordedMs);
            }
            System.out.printf(Locale.ROOT, "best of %d: baseline %,d ms, merge join %,d ms (%.2fx the baseline), "
                            + "recorded dry run %,d ms (%.2fx); %,d accounts; max heap %,d MB%n", ROUNDS, bestBaseline,
                    bestJoin, bestJoin / (double) bestBaseline, bestRecorded, bestRecorded / (double) bestBaseline,
                    accounts, Runtime.getRuntime().maxMemory() / (1024 * 1024));
        }
    }

    private static void print(int round, String what, long ms, long accounts, String result) {
        System.out.printf(Locale.ROOT, "%d  %-43s %10d %,14d  %s%n", round, what, ms,
                ms == 0 ? 0 : accounts * 1000 / ms, result);
    }

    private static String id(int i) {
        return String.format(Locale.ROOT, "acct-%07d", i);
    }

    /** The cache: every account at version 3; every DRIFT_EVERY-th one 2.50 CZK off (WARN). */
    private static void fill(DataSource ds, int accounts) throws Exception {
        try (Connection c = ds.getConnection()) {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn(
                    "COPY account_balances (account_id, currency, scale, available_minor, locked_minor, version,"
                            + " last_event_id, updated_at) FROM STDIN (FORMAT csv)", new RowsReader(accounts));
        }
    }

    /** The projection: the same accounts, exact, in account order, as an in-memory stream. */
    private static Iterator<BalanceView> projection(int accounts) {
        long now = System.currentTimeMillis();
        return new Iterator<>() {
            int next;

            @Override
            public boolean hasNext() {
                return next < accounts;
            }

            @Override
            public BalanceView next() {
                if (next >= accounts) {
                    throw new NoSuchElementException();
                }
                int i = next++;
                return new BalanceView(id(i), "CZK", availableOf(i), 0, 3L, now - 3_600_000);
            }
        };
    }

    private static long availableOf(int i) {
        return 10_000L + i % 997;
    }

    /** CSV rows generated on the fly, so the fill needs no memory for the table. */
    private static final class RowsReader extends Reader {
        private final int accounts;
        private int next;
        private String pending = "";
        private int offset;

        RowsReader(int accounts) {
            this.accounts = accounts;
        }

        @Override
        public int read(char[] buffer, int off, int len) throws IOException {
            if (offset == pending.length()) {
                if (next == accounts) {
                    return -1;
                }
                StringBuilder rows = new StringBuilder(64 * 1024);
                for (int k = 0; k < 1_000 && next < accounts; k++, next++) {
                    long available = availableOf(next) + (next % DRIFT_EVERY == 0 ? 250 : 0);
                    rows.append(id(next)).append(",CZK,2,").append(available).append(",0,3,")
                            .append(id(next)).append(":3,2024-01-01T00:00:00Z\n");
                }
                pending = rows.toString();
                offset = 0;
            }
            int n = Math.min(len, pending.length() - offset);
            pending.getChars(offset, offset + n, buffer, off);
            offset += n;
            return n;
        }

        @Override
        public void close() {
            // nothing held
        }
    }

    private static long baselineScan(Jdbi jdbi) {
        return jdbi.inTransaction(h -> {
            long[] rows = {0};
            h.createQuery("SELECT account_id, currency, available_minor, locked_minor, version FROM account_balances"
                            + " ORDER BY account_id COLLATE \"C\"")
                    .setFetchSize(PostgresCacheSource.DEFAULT_FETCH_SIZE)
                    .map((rs, ctx) -> {
                        rs.getString(1);
                        rs.getString(2);
                        rs.getLong(3);
                        rs.getLong(4);
                        rs.getLong(5);
                        return 1;
                    })
                    .forEach(x -> rows[0]++);
            return rows[0];
        });
    }
}
