package io.tally.reconciler.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.tally.core.Ids;
import io.tally.core.reconciliation.BalanceView;
import io.tally.core.reconciliation.Comparison.Measure;
import io.tally.core.reconciliation.DriftTier;
import io.tally.core.reconciliation.ReconciliationStatus;
import io.tally.embedded.PostgresServer;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.projector.jdbc.BalanceQuarantineTable;
import io.tally.projector.jdbc.ProjectorSchema;
import io.tally.projector.jdbc.QuarantinedBalance;
import io.tally.reconciler.AccountError;
import io.tally.reconciler.AccountOrder;
import io.tally.reconciler.CloseableIterator;
import io.tally.reconciler.Discrepancy;
import io.tally.reconciler.FixAction;
import io.tally.reconciler.Fixer;
import io.tally.reconciler.ReconciliationListener;
import io.tally.reconciler.ReconciliationResult;
import io.tally.reconciler.Reconciler;
import io.tally.reconciler.RunMode;
import io.tally.reconciler.SourceRowException;
import io.tally.reconciler.TierPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The cache sources against a real PostgreSQL (TestInfrastructure), each test in a fresh database. */
class PostgresCacheSourceIT {
    /** Ids whose byte order differs from numeric and from case-insensitive order. */
    private static final List<String> IDS = List.of("a", "10", "B", "9", "100", "é", "😀", "\uFF61");

    private static final TierPolicy NGN = TierPolicy.byScale(Map.of("NGN", 2));

    private Jdbi jdbi;
    private DataSource dataSource;

    @BeforeEach
    void freshDatabase() {
        dataSource = PostgresServer.dataSource(TestInfrastructure.get().newDatabase("reconciler"));
        ProjectorSchema.migrate(dataSource);
        jdbi = Jdbi.create(dataSource);
    }

    private void insertBalance(String accountId, long availableMinor, long lockedMinor, long version) {
        jdbi.useHandle(h -> h.createUpdate("INSERT INTO account_balances (account_id, currency, scale, available_minor,"
                        + " locked_minor, version, last_event_id, updated_at) VALUES (:id, 'NGN', 2, :available, :locked,"
                        + " :version, :event, now())")
                .bind("id", accountId).bind("available", availableMinor).bind("locked", lockedMinor)
                .bind("version", version).bind("event", "evt-" + accountId + "-" + version)
                .execute());
    }

    private static List<BalanceView> drain(CloseableIterator<BalanceView> source) {
        List<BalanceView> views = new ArrayList<>();
        try (source) {
            source.forEachRemaining(views::add);
        }
        return views;
    }

    @Test
    void accountBalancesStreamInAccountOrderNotNumericOrCaseOrder() {
        for (int i = 0; i < IDS.size(); i++) {
            insertBalance(IDS.get(i), 100L * i, i, i + 1);
        }

        List<BalanceView> views = drain(PostgresCacheSource.query(jdbi, PostgresCacheSource.ACCOUNT_BALANCES_SQL,
                Map.of(), 3)); // a fetch size below the row count, so several fetches

        List<String> expectedOrder = new ArrayList<>(IDS);
        expectedOrder.sort(AccountOrder.INSTANCE);
        assertThat(expectedOrder).startsWith("10", "100", "9", "B", "a", "é", "\uFF61", "😀");
        assertThat(views).extracting(BalanceView::accountId).containsExactlyElementsOf(expectedOrder);
        assertThat(views).filteredOn(v -> v.accountId().equals("9")).singleElement()
                .isEqualTo(new BalanceView("9", "NGN", 300, 3, 4L));
    }

    @Test
    void anEmptyTableIsAnEmptySourceAndClosingEndsTheTransaction() {
        PostgresCacheSource source = PostgresCacheSource.accountBalances(jdbi);
        assertThat(source.hasNext()).isFalse();
        source.close();
        source.close();

        // Nothing is left holding a lock: the table can be dropped at once.
        jdbi.useHandle(h -> h.execute("SET lock_timeout = '2s'; DROP TABLE account_balances"));
    }

    @Test
    void configuredSqlOnAnApplicationsTableIsOrderedByTheSource() {
        jdbi.useHandle(h -> {
            h.execute("CREATE TABLE wallets (id bigint PRIMARY KEY, workspace text NOT NULL,"
                    + " balance numeric(18, 2), locked_balance numeric(18, 2) NOT NULL)");
            h.execute("INSERT INTO wallets VALUES (9, 'w1', 10.50, 0), (10, 'w1', 2.00, 1.25),"
                    + " (100, 'w1', 0.01, 0), (11, 'w2', 5, 5)");
        });
        // The SQL's own order is numeric and descending; the source still yields account order.
        String sql = "SELECT id AS account_id, (balance * 100)::bigint AS available_minor,"
                + " locked_balance * 100 AS locked_minor FROM wallets WHERE workspace = :workspace ORDER BY id DESC;";

        List<BalanceView> views = drain(PostgresCacheSource.query(jdbi, sql, Map.of("workspace", "w1"), 100));

        assertThat(views).containsExactly(
                new BalanceView("10", null, 200, 125, null),
                new BalanceView("100", null, 1, 0, null),
                new BalanceView("9", null, 1_050, 0, null));
    }

    @Test
    void anUnreadableRowIsReportedAndTheStreamGoesOn() {
        jdbi.useHandle(h -> {
            h.execute("CREATE TABLE wallets (id text, balance numeric(18, 3), locked_balance numeric(18, 3))");
            h.execute("INSERT INTO wallets VALUES ('a', 1, 0), ('b', 1, NULL), ('c', 0.001, 0), ('d', 2, 0),"
                    + " (NULL, 1, 0)");
        });
        String sql = "SELECT id AS account_id, balance * 100 AS available_minor, locked_balance * 100 AS locked_minor"
                + " FROM wallets";

        List<String> read = new ArrayList<>();
        List<SourceRowException> errors = new ArrayList<>();
        try (PostgresCacheSource source = PostgresCacheSource.query(jdbi, sql, Map.of(), 2)) {
            while (source.hasNext()) {
                try {
                    read.add(source.next().accountId());
                } catch (SourceRowException e) {
                    errors.add(e);
                }
            }
        }

        assertThat(read).containsExactly("a", "d");
        assertThat(errors).extracting(SourceRowException::accountId, SourceRowException::getMessage).containsExactly(
                tuple("b", "locked_minor is NULL"),
                tuple("c", "available_minor 0.100 is not a whole number of minor units within the long range"),
                tuple(null, "a row has no account_id"));
    }

    @Test
    void sqlWithoutTheBalanceColumnsIsRefusedNamingThem() {
        jdbi.useHandle(h -> h.execute("CREATE TABLE wallets (id text, balance bigint)"));

        assertThatThrownBy(() -> PostgresCacheSource.query(jdbi,
                "SELECT id AS account_id, balance AS available_minor FROM wallets", Map.of(), 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no column locked_minor");
    }

    @Test
    void theConfiguredSqlRunsReadOnly() {
        jdbi.useHandle(h -> {
            h.execute("CREATE TABLE audit (n int)");
            h.execute("CREATE FUNCTION writes() RETURNS bigint LANGUAGE sql AS 'INSERT INTO audit VALUES (1) RETURNING 0::bigint'");
        });
        String writing = "SELECT 'a' AS account_id, writes() AS available_minor, 0 AS locked_minor";

        assertThatThrownBy(() -> drain(PostgresCacheSource.query(jdbi, writing, Map.of(), 10)))
                .hasMessageContaining("read-only transaction");
        long audited = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM audit").mapTo(Long.class).one());
        assertThat(audited).isZero();
    }

    @Test
    void plantedDriftIsFoundByTierAgainstTheProjection() {
        // The projection (expected), and the cache with drift planted in some rows.
        List<BalanceView> projection = new ArrayList<>();
        for (String id : List.of("a", "10", "B", "9", "100", "c", "missing-in-cache")) {
            projection.add(new BalanceView(id, "NGN", 100_000, 2_000, 5L));
        }
        projection.sort(Comparator.comparing(BalanceView::accountId, AccountOrder.INSTANCE));
        insertBalance("a", 100_000, 2_000, 5);            // in sync
        insertBalance("10", 100_000 - 1, 2_000, 5);       // 0.01 NGN: tolerated
        insertBalance("B", 100_000, 2_000 + 50, 5);       // 0.50 NGN locked: minor
        insertBalance("9", 100_000 + 900, 2_000, 5);      // 9.00 NGN: warn
        insertBalance("100", 100_000 - 25_000, 2_000, 5); // 250.00 NGN: critical
        insertBalance("c", 90_000, 2_000, 4);             // behind: in flight
        insertBalance("stray", 1, 0, 1);                  // not in the projection
        List<String> listened = new ArrayList<>();
        List<AccountError> errors = new ArrayList<>();

        ReconciliationResult result;
        try (PostgresCacheSource cache = PostgresCacheSource.accountBalances(jdbi)) {
            result = new Reconciler(NGN, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC)).run(
                    PostgresCacheSource.ACCOUNT_BALANCES, Measure.AVAILABLE_AND_LOCKED, projection.iterator(), cache,
                    new ReconciliationListener() {
                        @Override
                        public void onComparison(io.tally.core.reconciliation.AccountComparison c) {
                            listened.add(c.accountId() + ":" + c.status());
                        }

                        @Override
                        public void onError(AccountError error) {
                            errors.add(error);
                        }
                    });
        }

        assertThat(errors).isEmpty();
        assertThat(result.checked()).isEqualTo(8);
        assertThat(result.inSync()).isEqualTo(2);
        assertThat(result.drift()).isEqualTo(3);
        assertThat(result.inFlight()).isEqualTo(1);
        assertThat(result.missingInCache()).isEqualTo(1);
        assertThat(result.missingInProjection()).isEqualTo(1);
        assertThat(result.count(DriftTier.TOLERATED)).isEqualTo(1);
        assertThat(result.count(DriftTier.MINOR)).isEqualTo(1);
        assertThat(result.count(DriftTier.WARN)).isEqualTo(1);
        assertThat(result.count(DriftTier.CRITICAL)).isEqualTo(1);
        assertThat(result.largestDiscrepancies())
                .extracting(Discrepancy::accountId, d -> d.comparison().status(), d -> d.comparison().tier())
                .containsExactly(
                        tuple("missing-in-cache", ReconciliationStatus.MISSING_IN_CACHE, DriftTier.NONE),
                        tuple("100", ReconciliationStatus.DRIFT, DriftTier.CRITICAL),
                        tuple("9", ReconciliationStatus.DRIFT, DriftTier.WARN),
                        tuple("B", ReconciliationStatus.DRIFT, DriftTier.MINOR),
                        tuple("stray", ReconciliationStatus.MISSING_IN_PROJECTION, DriftTier.NONE));
        assertThat(result.driftMinorByCurrency()).containsExactly(Map.entry("NGN", 25_950L));
        assertThat(listened).containsExactly("10:IN_SYNC", "100:DRIFT", "9:DRIFT", "B:DRIFT", "a:IN_SYNC",
                "c:IN_FLIGHT", "missing-in-cache:MISSING_IN_CACHE", "stray:MISSING_IN_PROJECTION");
    }

    @Test
    void quarantinedAccountsAreRecordedAsDriftWithTheirReasonAndNeverFixed() {
        ReconcilerSchema.migrate(dataSource);
        insertBalance("a", 100, 0, 5);      // in sync
        insertBalance("b", 300, 0, 3);      // its version 4 was refused: QUARANTINED with its older row
        insertBalance("c", 600, 0, 6);      // its version 5 was refused, since moved past: IN_SYNC
        insertBalance("u", 70, 0, 2);       // an undecodable record of it: QUARANTINED until the row is deleted
        Jdbi sql = Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin());
        sql.useExtension(BalanceQuarantineTable.class, t -> t.add(List.of(
                rejected("b", 4, 10, "22021"), rejected("b", 2, 4, "23514"), rejected("c", 5, 11, "22021"),
                rejected(NUL_ID, 2, 13, "22021"),
                undecodable("u".getBytes(StandardCharsets.UTF_8), 14), undecodable(null, 15),
                undecodable(new byte[] {(byte) 0xff, 'k'}, 16))));
        List<BalanceView> projection = List.of(ngn("a", 100, 5), ngn("b", 400, 4), ngn("c", 600, 6),
                ngn(NUL_ID, 900, 2), ngn("u", 70, 2));
        List<String> fixed = new ArrayList<>();
        RecordedRuns runs = new RecordedRuns(Jdbi.create(dataSource),
                new Reconciler(NGN, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC)), Clock.systemUTC());

        RecordedRuns.Outcome outcome;
        try (PostgresCacheSource cache = PostgresCacheSource.accountBalances(jdbi)) {
            outcome = runs.run("run-q", PostgresCacheSource.ACCOUNT_BALANCES, Measure.AVAILABLE_AND_LOCKED, RunMode.FIX,
                    projection.iterator(), cache, recordingFixer(fixed), ReconciliationListener.NONE);
        }

        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.result().quarantined()).isEqualTo(3);
        assertThat(outcome.result().inSync()).isEqualTo(2);
        assertThat(outcome.result().errors()).as("the records without a place in the account order").isEqualTo(2);
        assertThat(fixed).as("a quarantined account is never corrected").isEmpty();
        assertThat(outcome.fixed()).isZero();
        RunRow run = sql.withExtension(RunTable.class, t -> t.find("run-q")).orElseThrow();
        assertThat(run.status()).isEqualTo("DRIFT");
        assertThat(run.quarantined()).isEqualTo(3);
        List<DiscrepancyRow> rows = sql.withExtension(RunTable.class, t -> t.largestFirst("run-q", 10));
        assertThat(rows).extracting(DiscrepancyRow::accountId, DiscrepancyRow::status, DiscrepancyRow::fix,
                        DiscrepancyRow::actualVersion, DiscrepancyRow::sizeMinor)
                .containsExactly(
                        tuple("m1\\u0000x", "QUARANTINED", "NOT_AUTO_FIXABLE", null, 900L),
                        tuple("b", "QUARANTINED", "NOT_AUTO_FIXABLE", 3L, 400L),
                        tuple("u", "QUARANTINED", "NOT_AUTO_FIXABLE", 2L, 70L));
        assertThat(rows.get(0).message()).contains("version 2", "SQLSTATE 22021", "@13",
                "account_balances_quarantine").doesNotContain("older");
        assertThat(rows.get(1).message()).contains("version 4", "@10", "(and 1 older quarantined records)");
        assertThat(rows.get(2).message()).contains("could not decode", "@14");
        byte[] key = jdbi.withHandle(h -> h.createQuery(
                "SELECT account_id_utf8 FROM reconciliation_discrepancies WHERE account_id = 'm1\\u0000x'")
                .mapTo(byte[].class).one());
        assertThat(new String(key, StandardCharsets.UTF_8)).as("the id, exactly").isEqualTo(NUL_ID);
        assertThat(outcome.result().errorSamples()).extracting(AccountError::message).allSatisfy(m ->
                assertThat(m).contains("could not decode a ledger.balances record"));
    }

    private static final String NUL_ID = "m1\u0000x";

    private static BalanceView ngn(String id, long availableMinor, long version) {
        return new BalanceView(id, "NGN", availableMinor, 0, version);
    }

    private static QuarantinedBalance rejected(String accountId, long version, long offset, String sqlState) {
        return new QuarantinedBalance("ledger.balances", 0, offset, accountId.getBytes(StandardCharsets.UTF_8),
                Ids.printable(accountId), version, QuarantinedBalance.Reason.REJECTED, sqlState,
                "ERROR: refused\n  Where: unnamed portal parameter $1", null, null);
    }

    private static QuarantinedBalance undecodable(byte[] key, long offset) {
        return new QuarantinedBalance("ledger.balances", 1, offset, key, "?", null,
                QuarantinedBalance.Reason.UNDECODABLE, null, "Error deserializing VALUE", new byte[] {1, 2}, null);
    }

    private static Fixer recordingFixer(List<String> fixed) {
        return new Fixer() {
            @Override
            public FixAction fix(String runId, io.tally.core.reconciliation.AccountComparison comparison, long nowMs) {
                fixed.add(comparison.accountId());
                return FixAction.CORRECTION_EMITTED;
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
    }
}
