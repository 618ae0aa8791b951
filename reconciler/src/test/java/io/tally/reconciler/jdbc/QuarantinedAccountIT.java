package io.tally.reconciler.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tally.avro.AccountBalance;
import io.tally.core.reconciliation.BalanceView;
import io.tally.core.reconciliation.Comparison.Measure;
import io.tally.embedded.PostgresServer;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.projector.jdbc.BalanceCacheSink;
import io.tally.projector.jdbc.ProjectorSchema;
import io.tally.reconciler.AccountOrder;
import io.tally.reconciler.Reconciler;
import io.tally.reconciler.ReconciliationListener;
import io.tally.reconciler.RunMode;
import io.tally.reconciler.TierPolicy;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 end to end: the hostile user's account (m1, a NUL, x) reaches {@code ledger.balances}
 * between good rows; the real cache sink quarantines its row and writes the others, and a recorded
 * reconciliation of {@code account_balances} against the projection reports it as QUARANTINED (exit
 * code 1) and the others in sync. Real broker and PostgreSQL ({@link TestInfrastructure}).
 */
class QuarantinedAccountIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String NUL_ID = "m1\u0000x";

    private final TestInfrastructure infra = TestInfrastructure.get();
    private final Map<String, Object> kafka = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());

    @Test
    void theSinksQuarantinedAccountIsReportedAsDriftAndTheOthersInSync() throws Exception {
        LedgerTopics topics = TopicNames.withPrefix(TestInfrastructure.uniqueName("quarantined") + ".", 2).in(ValueSerdes.singleObject());
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        DataSource database = PostgresServer.dataSource(infra.newDatabase("quarantined"));
        ProjectorSchema.migrate(database);
        ReconcilerSchema.migrate(database);
        Jdbi jdbi = Jdbi.create(database).installPlugin(new SqlObjectPlugin());
        // What the projection published, and so the expected side.
        List<AccountBalance> published = List.of(balance("alice", 3, 7_450), balance(NUL_ID, 1, 0),
                balance("bob", 2, 100), balance("carol", 1, 5));
        try (KafkaProducer<String, AccountBalance> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                LedgerTopics.keySerde().serializer(), ValueSerdes.singleObject().balances().serializer())) {
            for (AccountBalance b : published) {
                producer.send(new ProducerRecord<>(topics.balances().name(), b.getAccountId(), b)).get();
            }
        }
        try (BalanceCacheSink sink = new BalanceCacheSink(kafka, TestInfrastructure.uniqueName("quarantined-sink"),
                topics, database)) {
            sink.start();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!(sink.isCaughtUp() && sink.rowsApplied() == 3 && sink.rowsQuarantined() == 1)) {
                assertThat(System.nanoTime() - deadline).as("the sink wrote 3 rows and quarantined 1").isNegative();
                Thread.sleep(50);
            }
        }
        List<BalanceView> projection = published.stream()
                .map(b -> new BalanceView(b.getAccountId(), b.getCurrency(), b.getAvailableMinor(), b.getLockedMinor(),
                        b.getVersion(), b.getUpdatedAtMs()))
                .sorted(Comparator.comparing(BalanceView::accountId, AccountOrder.INSTANCE)).toList();
        RecordedRuns runs = new RecordedRuns(Jdbi.create(database),
                new Reconciler(TierPolicy.byScale(Map.of("CZK", 2)), Clock.systemUTC()), Clock.systemUTC());

        RecordedRuns.Outcome outcome;
        try (PostgresCacheSource cache = PostgresCacheSource.accountBalances(jdbi)) {
            outcome = runs.run("run-nul", PostgresCacheSource.ACCOUNT_BALANCES, Measure.AVAILABLE_AND_LOCKED,
                    RunMode.DRY_RUN, projection.iterator(), cache, null, ReconciliationListener.NONE);
        }

        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.result().inSync()).isEqualTo(3);
        assertThat(outcome.result().quarantined()).isEqualTo(1);
        assertThat(outcome.result().missingInCache()).as("not missing: quarantined").isZero();
        List<DiscrepancyRow> rows = jdbi.withExtension(RunTable.class, t -> t.largestFirst("run-nul", 10));
        assertThat(rows).extracting(DiscrepancyRow::accountId, DiscrepancyRow::status, DiscrepancyRow::fix)
                .containsExactly(tuple("m1\\u0000x", "QUARANTINED", "NOT_AUTO_FIXABLE"));
        assertThat(rows.get(0).message()).contains("version 1", "SQLSTATE 22021",
                "invalid byte sequence for encoding \"UTF8\": 0x00");
    }

    private static AccountBalance balance(String accountId, long version, long availableMinor) {
        return AccountBalance.newBuilder().setAccountId(accountId).setCurrency("CZK").setScale(2)
                .setAvailableMinor(availableMinor).setLockedMinor(0).setVersion(version)
                .setLastEventId(accountId + ":" + version).setUpdatedAtMs(System.currentTimeMillis())
                .build();
    }
}
