package io.tally.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import io.tally.avro.AccountBalance;
import io.tally.avro.BalanceCorrection;
import io.tally.avro.EventType;
import io.tally.avro.LedgerEvent;
import io.tally.core.reconciliation.Comparison.Measure;
import io.tally.core.reconciliation.DriftTier;
import io.tally.core.reconciliation.InFlightGrace;
import io.tally.reconciler.jdbc.CacheCorrectionWriter;
import io.tally.reconciler.jdbc.DiscrepancyRow;
import io.tally.reconciler.jdbc.PostgresCacheSource;
import io.tally.reconciler.jdbc.RecordedRuns;
import io.tally.reconciler.jdbc.RunRow;
import io.tally.reconciler.jdbc.RunTable;
import io.tally.reconciler.kafka.CacheCorrectionEmitter;
import io.tally.reconciler.kafka.CorrectionConsumer;
import io.tally.reconciler.kafka.LedgerCorrectionRequester;
import io.tally.reconciler.kafka.LedgerMovements;
import io.tally.reconciler.kafka.ProjectionSource;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Fixing runs end to end on the real broker and PostgreSQL: ledger-service decides requests, the
 * projector materializes balances and its sink fills {@code account_balances}, and the reconciler
 * finds, records and fixes drift. Each test uses its own accounts (an id prefix) and reconciles only
 * those, since the stack is shared by the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FixingRunIT {
    private static final Duration TIMEOUT = ReconcilerFixture.TIMEOUT;
    private static final TierPolicy TIERS = TierPolicy.byScale(Map.of("CZK", 2));

    private ReconcilerFixture stack;
    private Map<String, Object> kafka;
    private LedgerTopics topics;
    private DataSource database;
    private Jdbi jdbi;

    @BeforeAll
    void startStack() throws Exception {
        stack = ReconcilerFixture.start("fixing", ValueSerdes.singleObject());
        kafka = stack.kafka;
        topics = stack.topics;
        database = stack.database;
        jdbi = stack.jdbi;
    }

    @AfterAll
    void stopStack() {
        stack.close();
    }

    @Test
    void plantedDriftIsFoundByTierADryRunChangesNothingAFixingRunFixesItOnceWithAnAuditRow() throws Exception {
        // 100.00, 50.00 and 20.00 CZK, each at version 2 in the projection and the cache.
        stack.openAndCredit("planted-a", 10_000);
        stack.openAndCredit("planted-b", 5_000);
        stack.openAndCredit("planted-c", 2_000);
        stack.awaitCached("planted-", 3, 2);
        // Behind the projector's back: +2.50 (WARN), +0.05 (MINOR), +50.00 (CRITICAL).
        jdbi.useHandle(h -> {
            h.execute("UPDATE account_balances SET available_minor = available_minor + 250 WHERE account_id = 'planted-a'");
            h.execute("UPDATE account_balances SET available_minor = available_minor + 5 WHERE account_id = 'planted-b'");
            h.execute("UPDATE account_balances SET available_minor = available_minor + 5000 WHERE account_id = 'planted-c'");
        });
        Map<String, Long> planted = stack.cachedAvailable("planted-");
        long correctionsBefore = stack.endOffsetSum(topics.corrections().name());

        RecordedRuns.Outcome dry = runAgainstCache("planted-", RunMode.DRY_RUN, null);

        assertThat(dry.result().drift()).isEqualTo(3);
        assertThat(dry.result().countByTier()).containsEntry(DriftTier.WARN, 1L).containsEntry(DriftTier.MINOR, 1L)
                .containsEntry(DriftTier.CRITICAL, 1L);
        assertThat(dry.exitCode()).isEqualTo(1);
        assertThat(dry.fixed()).isZero();
        List<DiscrepancyRow> listed = jdbi.withExtension(RunTable.class, t -> t.largestFirst(dry.runId(), 10));
        assertThat(listed).extracting(DiscrepancyRow::accountId, DiscrepancyRow::tier, DiscrepancyRow::differenceMinor,
                        DiscrepancyRow::fix)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("planted-c", "CRITICAL", 5_000L, "NOT_AUTO_FIXABLE"),
                        org.assertj.core.groups.Tuple.tuple("planted-a", "WARN", 250L, "NONE"),
                        org.assertj.core.groups.Tuple.tuple("planted-b", "MINOR", 5L, "NONE"));
        RunRow dryRow = jdbi.withExtension(RunTable.class, t -> t.find(dry.runId())).orElseThrow();
        assertThat(dryRow.mode()).isEqualTo("DRY_RUN");
        assertThat(dryRow.status()).isEqualTo("DRIFT");
        assertThat(dryRow.checked()).isEqualTo(3);
        assertThat(dryRow.drift()).isEqualTo(3);
        // The dry run changed nothing: the cache, the audit trail and ledger.corrections are as they were.
        assertThat(stack.cachedAvailable("planted-")).isEqualTo(planted);
        assertThat(stack.auditRows("planted-")).isZero();
        assertThat(stack.endOffsetSum(topics.corrections().name())).isEqualTo(correctionsBefore);

        RecordedRuns.Outcome fix = runAgainstCache("planted-", RunMode.FIX, null);
        assertThat(fix.fixed()).isEqualTo(2);
        assertThat(fix.notAutoFixable()).isEqualTo(1);
        Map<CacheCorrectionWriter.Outcome, Long> applied = drainCorrections();

        assertThat(applied).isEqualTo(Map.of(CacheCorrectionWriter.Outcome.APPLIED, 2L));
        assertThat(stack.cachedAvailable("planted-")).isEqualTo(Map.of("planted-a", 10_000L, "planted-b", 5_000L,
                "planted-c", 7_000L));
        List<String> audit = jdbi.withHandle(h -> h.createQuery("""
                        SELECT account_id || ' ' || outcome || ' ' || before_available_minor || '->' || after_available_minor
                        || ' delta ' || delta_minor || ' run ' || (run_id = :run)
                        FROM balance_corrections_applied WHERE account_id LIKE 'planted-%' ORDER BY account_id""")
                .bind("run", fix.runId()).mapTo(String.class).list());
        assertThat(audit).containsExactly("planted-a APPLIED 10250->10000 delta -250 run true",
                        "planted-b APPLIED 5005->5000 delta -5 run true");
        assertThat(jdbi.withExtension(RunTable.class, t -> t.find(fix.runId())).orElseThrow().fixed()).isEqualTo(2);

        // The same corrections again (a redelivery) change nothing.
        CacheCorrectionWriter direct = new CacheCorrectionWriter(jdbi);
        List<BalanceCorrection> emitted = stack.readAll(topics.corrections().name(), ValueSerdes.singleObject().corrections().deserializer(),
                2, c -> c.getRunId().equals(fix.runId()));
        assertThat(emitted).extracting(BalanceCorrection::getAccountId).containsExactlyInAnyOrder("planted-a", "planted-b");
        for (BalanceCorrection c : emitted) {
            assertThat(direct.apply(c)).isEqualTo(CacheCorrectionWriter.Outcome.ALREADY_APPLIED);
        }

        // A second fixing run finds only the account an operator must decide, and fixes nothing.
        RecordedRuns.Outcome again = runAgainstCache("planted-", RunMode.FIX, null);
        assertThat(again.result().drift()).isEqualTo(1);
        assertThat(again.result().inSync()).isEqualTo(2);
        assertThat(again.fixed()).isZero();
        assertThat(drainCorrections()).isEmpty();
        assertThat(stack.auditRows("planted-")).isEqualTo(2);
        assertThat(stack.cachedAvailable("planted-")).isEqualTo(Map.of("planted-a", 10_000L, "planted-b", 5_000L,
                "planted-c", 7_000L));
    }

    @Test
    void aCorrectionForARowTheSinkHasMovedOnIsStaleAndNotApplied() throws Exception {
        stack.openAndCredit("moved-a", 10_000);
        stack.awaitCached("moved-", 1, 2);
        jdbi.useHandle(h -> h.execute("UPDATE account_balances SET available_minor = 10100 WHERE account_id = 'moved-a'"));
        RecordedRuns.Outcome fix = runAgainstCache("moved-", RunMode.FIX, null);
        assertThat(fix.fixed()).isEqualTo(1);
        // Before the applier runs, a new event arrives and the sink writes version 3 over the planted row.
        stack.send(RequestCodec.credit(UUID.randomUUID().toString(), "moved-a-2", "moved-a", "CZK", 1, 0, null));
        stack.awaitCached("moved-", 1, 3);

        assertThat(drainCorrections()).isEqualTo(Map.of(CacheCorrectionWriter.Outcome.STALE, 1L));
        assertThat(stack.cachedAvailable("moved-")).isEqualTo(Map.of("moved-a", 10_001L));
        assertThat(runAgainstCache("moved-", RunMode.DRY_RUN, null).result().isClean()).isTrue();
    }

    @Test
    void anAuthoritativeStatementCorrectsTheLedgerItselfAndEveryProjectionFollows() throws Exception {
        stack.openAndCredit("stmt-a", 10_000);
        stack.openAndCredit("stmt-b", 3_000);
        stack.awaitCached("stmt-", 2, 2);
        // The provider says stmt-a holds 100.40 CZK (the ledger says 100.00); stmt-b agrees.
        StatementSource statement = StatementSource.of(List.of(
                new StatementLine("stmt-a", 10_040, "CZK", 0), new StatementLine("stmt-b", 3_000, "CZK", 0)));
        RecordedRuns.Outcome fix;
        try (LedgerCorrectionRequester requester = new LedgerCorrectionRequester(kafka, topics, "provider")) {
            fix = runs(Clock.systemUTC()).run(runId(), "provider", StatementSource.MEASURE, RunMode.FIX,
                    stack.projection("stmt-"), statement, requester, ReconciliationListener.NONE);
        }
        assertThat(fix.result().drift()).isEqualTo(1);
        assertThat(fix.fixed()).isEqualTo(1);

        ReconcilerFixture.await("the projection of stmt-a at version 3", () -> {
            AccountBalance b = stack.projected("stmt-a");
            return b != null && b.getVersion() == 3;
        });
        List<LedgerEvent> corrected = stack.readAll(topics.events().name(), ValueSerdes.singleObject().events().deserializer(), Integer.MAX_VALUE,
                e -> e.getType() == EventType.CORRECTED && e.getAccountId().startsWith("stmt-"));
        assertThat(corrected).singleElement().satisfies(e -> {
            assertThat(e.getAccountId()).isEqualTo("stmt-a");
            assertThat(e.getDeltaMinor()).isEqualTo(40);
            assertThat(e.getBalanceField()).isEqualTo("AVAILABLE");
            assertThat(e.getRunId()).isEqualTo(fix.runId());
            assertThat(e.getVersion()).isEqualTo(3);
            assertThat(e.getAvailableAfterMinor()).isEqualTo(10_040);
        });
        ReconcilerFixture.await("the cache follows the correction", () -> stack.cachedAvailable("stmt-").get("stmt-a") == 10_040L);

        StatementSource again = StatementSource.of(statement.lines());
        RecordedRuns.Outcome next = runs(Clock.systemUTC()).run(runId(), "provider", StatementSource.MEASURE,
                RunMode.DRY_RUN, stack.projection("stmt-"), again, null, ReconciliationListener.NONE);
        assertThat(next.result().inSync()).isEqualTo(2);
        assertThat(next.exitCode()).isZero();
        assertThat(runAgainstCache("stmt-", RunMode.DRY_RUN, null).result().inSync()).isEqualTo(2);
    }

    @Test
    void aCacheBehindOnlyBecauseTheSinkIsSlowIsInFlightUntilTheGracePasses() throws Exception {
        stack.openAndCredit("slow-a", 10_000);
        stack.awaitCached("slow-", 1, 2);
        stack.stopSink(); // the sink falls behind
        stack.send(RequestCodec.credit(UUID.randomUUID().toString(), "slow-a-2", "slow-a", "CZK", 700, 0, null));
        ReconcilerFixture.await("the projection at version 3", () -> {
            AccountBalance b = stack.projected("slow-a");
            return b != null && b.getVersion() == 3;
        });
        long acceptedAtMs = stack.projected("slow-a").getUpdatedAtMs();
        InFlightGrace grace = new InFlightGrace(60_000);

        RecordedRuns.Outcome within = runAgainstCache("slow-", RunMode.FIX, grace, acceptedAtMs + 60_000);
        assertThat(within.result().inFlight()).isEqualTo(1);
        assertThat(within.result().drift()).isZero();
        assertThat(within.exitCode()).isZero();
        assertThat(within.fixed()).isZero();

        RecordedRuns.Outcome past = runAgainstCache("slow-", RunMode.DRY_RUN, grace, acceptedAtMs + 60_001);
        assertThat(past.result().drift()).isEqualTo(1);
        assertThat(past.result().countByTier()).containsEntry(DriftTier.WARN, 1L); // 7.00 CZK behind
        assertThat(past.exitCode()).isEqualTo(1);

        stack.restartSink(); // the sink catches up
        stack.awaitCached("slow-", 1, 3);
        assertThat(runAgainstCache("slow-", RunMode.DRY_RUN, grace, acceptedAtMs + 3_600_000).result().inSync())
                .isEqualTo(1);
    }

    @Test
    void moneyIsConservedAcrossTheProjectionAndTheEvents() throws Exception {
        stack.openAndCredit("conserved-a", 12_345);
        stack.openAndCredit("conserved-b", 1);
        stack.send(RequestCodec.charge(UUID.randomUUID().toString(), "conserved-b-2", "conserved-b", "CZK", 1, 0, null));
        ReconcilerFixture.await("the projection of conserved-b at version 3", () -> {
            AccountBalance b = stack.projected("conserved-b");
            return b != null && b.getVersion() == 3;
        });
        // Other tests' requests may still be on their way: the check holds once the projection has
        // caught up with the events read, and a bug in either sum would keep it from ever holding.
        ConservationCheck[] last = new ConservationCheck[1];
        ReconcilerFixture.await("balances = credits - charges + corrections", () -> {
            ConservationCheck check = new ConservationCheck();
            try {
                LedgerMovements.read(kafka, topics, check, TIMEOUT);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            try (ProjectionSource source = ProjectionSource.merging(stack.projector.balancesByPartition())) {
                source.forEachRemaining(b -> check.balance(b.currencyCode(), b.totalMinor()));
            }
            last[0] = check;
            return check.holds();
        });
        assertThat(last[0].totals()).singleElement().satisfies(t -> {
            assertThat(t.currency()).isEqualTo("CZK");
            assertThat(t.balancesMinor()).isGreaterThanOrEqualTo(12_345);
        });
    }

    // --- helpers -------------------------------------------------------------------------------

    private RecordedRuns runs(Clock clock) {
        return new RecordedRuns(Jdbi.create(database), new Reconciler(TIERS, clock), clock);
    }

    private RecordedRuns.Outcome runAgainstCache(String prefix, RunMode mode, InFlightGrace grace) {
        return runAgainstCache(prefix, mode, grace, System.currentTimeMillis());
    }

    private RecordedRuns.Outcome runAgainstCache(String prefix, RunMode mode, InFlightGrace grace, long nowMs) {
        Clock clock = Clock.fixed(Instant.ofEpochMilli(nowMs), ZoneOffset.UTC);
        Reconciler reconciler = new Reconciler(TIERS, clock);
        if (grace != null) {
            reconciler = reconciler.withGrace(grace);
        }
        RecordedRuns runs = new RecordedRuns(Jdbi.create(database), reconciler, clock);
        try (CacheCorrectionEmitter emitter = new CacheCorrectionEmitter(kafka, topics, PostgresCacheSource.ACCOUNT_BALANCES);
                PostgresCacheSource cache = PostgresCacheSource.accountBalances(jdbi)) {
            return runs.run(runId(), PostgresCacheSource.ACCOUNT_BALANCES, Measure.AVAILABLE_AND_LOCKED, mode,
                    stack.projection(prefix), AccountFilter.of(cache, id -> id.startsWith(prefix)), emitter,
                    ReconciliationListener.NONE);
        }
    }

    private Map<CacheCorrectionWriter.Outcome, Long> drainCorrections() throws Exception {
        try (CorrectionConsumer applier = new CorrectionConsumer(kafka, "applier-" + topics.corrections().name(), topics,
                new CacheCorrectionWriter(jdbi))) {
            return applier.drainOnce(TIMEOUT);
        }
    }

    private static String runId() {
        return "run-" + UUID.randomUUID();
    }
}
