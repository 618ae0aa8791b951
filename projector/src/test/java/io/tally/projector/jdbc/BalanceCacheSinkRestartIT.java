package io.tally.projector.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.avro.AccountBalance;
import io.tally.embedded.PostgresServer;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.projector.Eventually;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real PostgreSQL server stopped and started again while {@link BalanceCacheSink} is writing (the
 * issue's "a PostgreSQL restart during the sink"): a server of its own, from the same binaries the
 * embedded stack uses, on a fixed port and data directory so that the sink's data source reaches the
 * restarted server unchanged. Balances keep arriving on {@code ledger.balances} before, during and
 * after the outage.
 */
class BalanceCacheSinkRestartIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int ACCOUNTS = 20;
    private static final String OUTAGE_ONLY = "acct-written-while-down";

    private final TestInfrastructure infra = TestInfrastructure.get();
    private final Map<String, Object> kafka = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
    @TempDir
    Path dataDir;
    private int port;
    private EmbeddedPostgres postgres;
    private LedgerTopics topics;

    @BeforeEach
    void setUp() throws Exception {
        topics = TopicNames.withPrefix(TestInfrastructure.uniqueName("sink-restart") + ".", 3).in(ValueSerdes.singleObject());
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        postgres = startPostgres();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aRestartedServerPausesTheSinkWhichResumesLosingAndRepeatingNothing() throws Exception {
        DataSource database = PostgresServer.dataSource(postgres.getJdbcUrl("postgres", "postgres"));
        ProjectorSchema.migrate(database);
        Jdbi jdbi = Jdbi.create(database).installPlugin(new SqlObjectPlugin());
        // Every forward move of the cache, as the application column's SQL sees it: a repeated row would show here.
        jdbi.useHandle(h -> h.execute("CREATE TABLE balance_moves (seq bigserial PRIMARY KEY, account_id text NOT NULL, version bigint NOT NULL)"));
        String moves = "INSERT INTO balance_moves (account_id, version) VALUES (:account_id, :version)";

        AtomicInteger nextVersion = new AtomicInteger(1);
        AtomicBoolean producing = new AtomicBoolean(true);
        try (KafkaProducer<String, AccountBalance> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                LedgerTopics.keySerde().serializer(), ValueSerdes.singleObject().balances().serializer());
                BalanceCacheSink sink = new BalanceCacheSink(kafka, TestInfrastructure.uniqueName("sink-restart"), topics,
                        database, Optional.of(moves))) {
            sink.start();
            Thread writer = new Thread(() -> {
                while (producing.get()) {
                    int version = nextVersion.getAndIncrement();
                    for (int a = 0; a < ACCOUNTS; a++) {
                        producer.send(new ProducerRecord<>(topics.balances().name(), "acct-" + a, balance("acct-" + a, version)));
                        if (version > 3 && a % 5 == 0) {
                            // A replayed older version now and then: must never move a row back.
                            producer.send(new ProducerRecord<>(topics.balances().name(), "acct-" + a,
                                    balance("acct-" + a, version - 3)));
                        }
                    }
                    producer.flush();
                    sleep(20);
                }
            }, "balance-writer");
            writer.start();
            try {
                Eventually.await("the sink writes while the server is up", TIMEOUT, () -> sink.rowsApplied() >= 5 * ACCOUNTS);

                postgres.close(); // a real shutdown of the server the sink is writing to
                postgres = null;
                long appliedAtStop = sink.rowsApplied();
                int versionAtStop = nextVersion.get();
                // An account whose only balances arrive during the outage: lost unless the sink waits for the server.
                for (int version = 1; version <= 3; version++) {
                    producer.send(new ProducerRecord<>(topics.balances().name(), OUTAGE_ONLY, balance(OUTAGE_ONLY, version)));
                }
                Eventually.await("balances keep arriving while the server is down", TIMEOUT,
                        () -> nextVersion.get() > versionAtStop + 100);
                assertThat(sink.rowsApplied()).as("nothing can be written while the server is down")
                        .isLessThanOrEqualTo(appliedAtStop + ACCOUNTS);
                assertThat(sink.failure()).as("the outage is waited out, not a reason to stop").isEmpty();
                assertThat(sink.lag()).as("the records wait, counted as lag").isPositive();

                postgres = startPostgres();
                int versionAtRestart = nextVersion.get();
                Eventually.await("the sink writes again after the restart", TIMEOUT,
                        () -> newestVersion(jdbi) > versionAtRestart);
            } finally {
                producing.set(false);
                writer.join();
            }
            int lastVersion = nextVersion.get() - 1;
            Eventually.await("the sink catches up to version " + lastVersion, TIMEOUT,
                    () -> sink.isCaughtUp() && oldestWriterVersion(jdbi) == lastVersion);

            List<CachedBalance> expected = new ArrayList<>();
            expected.add(CachedBalance.of(balance(OUTAGE_ONLY, 3)));
            for (int a = 0; a < ACCOUNTS; a++) {
                expected.add(CachedBalance.of(balance("acct-" + a, lastVersion)));
            }
            assertThat(jdbi.withExtension(AccountBalanceTable.class, AccountBalanceTable::findAll))
                    .as("every account at its newest version").containsExactlyInAnyOrderElementsOf(expected);
            assertThat(count(jdbi, "SELECT count(*) FROM (SELECT account_id, version FROM balance_moves"
                    + " GROUP BY account_id, version HAVING count(*) > 1) repeated"))
                    .as("no forward move written twice, across the outage").isZero();
            assertThat(count(jdbi, "SELECT count(*) FROM balance_moves m WHERE EXISTS (SELECT 1 FROM balance_moves o"
                    + " WHERE o.account_id = m.account_id AND o.version > m.version AND o.seq < m.seq)"))
                    .as("no row moved back: each account's moves are in version order").isZero();
        }
    }

    private EmbeddedPostgres startPostgres() throws IOException {
        Files.createDirectories(dataDir);
        return EmbeddedPostgres.builder().setPort(port).setDataDirectory(dataDir).setCleanDataDirectory(false).start();
    }

    private static long newestVersion(Jdbi jdbi) {
        return count(jdbi, "SELECT coalesce(max(version), 0) FROM account_balances");
    }

    /** The lowest version among the writer thread's accounts. */
    private static long oldestWriterVersion(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT coalesce(min(version), 0) FROM account_balances"
                + " WHERE account_id <> :outageOnly").bind("outageOnly", OUTAGE_ONLY).mapTo(Long.class).one());
    }

    private static long count(Jdbi jdbi, String sql) {
        return jdbi.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static AccountBalance balance(String accountId, long version) {
        return AccountBalance.newBuilder().setAccountId(accountId).setCurrency("CZK").setScale(2)
                .setAvailableMinor(version * 100).setLockedMinor(version).setVersion(version)
                .setLastEventId(accountId + ":" + version).setUpdatedAtMs(1_700_000_000_000L + version * 1_000)
                .build();
    }
}
