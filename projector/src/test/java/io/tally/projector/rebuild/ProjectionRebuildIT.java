package io.tally.projector.rebuild;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.avro.LedgerEvent;
import io.tally.core.Currency;
import io.tally.embedded.PostgresServer;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.platform.kafka.KafkaClients;
import io.tally.projector.Eventually;
import io.tally.projector.LedgerHistory;
import io.tally.projector.ProjectorTopology;
import io.tally.projector.jdbc.AccountBalanceTable;
import io.tally.projector.jdbc.CachedBalance;
import io.tally.projector.jdbc.LiveApplicationTable;
import io.tally.projector.jdbc.ProjectorSchema;
import io.tally.projector.kafka.LiveProjector;
import io.tally.projector.kafka.ProjectorApp;
import io.tally.projector.kafka.ProjectorConfig;
import io.tally.schemas.ConfluentAvroSerde;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.registry.SchemaRegistryClient;
import io.tally.schemas.registry.TestSchemaRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rebuild on the real broker and PostgreSQL: one that agrees with the live projection switches
 * readers to it, although it replays at least once over a topic that holds events twice; one that
 * finds a planted difference reports it and keeps the live one; a running projector
 * ({@link LiveProjector}) follows the switch without a restart; and a rebuild under the Confluent
 * encoding replays, agrees and switches.
 */
class ProjectionRebuildIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Currency CZK = new Currency("CZK", 2);

    private final TestInfrastructure infra = TestInfrastructure.get();
    private final Map<String, Object> kafka =
            Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());

    /** Fresh topics and database, and a history opening {@code accounts} accounts with a credit each. */
    private record Ledger(LedgerTopics topics, DataSource database, LedgerHistory history) {}

    private Ledger ledger(String name, int accounts) throws Exception {
        return ledger(name, accounts, ValueSerdes.singleObject());
    }

    private Ledger ledger(String name, int accounts, ValueSerdes serdes) throws Exception {
        LedgerTopics topics = TopicNames.withPrefix(TestInfrastructure.uniqueName(name) + ".", 2).in(serdes);
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        DataSource database = PostgresServer.dataSource(infra.newDatabase(name));
        ProjectorSchema.migrate(database);
        LedgerHistory history = new LedgerHistory();
        for (int i = 0; i < accounts; i++) {
            history.open("acct-" + i, CZK);
            history.credit("acct-" + i, 1_000 + i);
        }
        return new Ledger(topics, database, history);
    }

    @Test
    void switchesOnlyToARebuildThatAgrees(@TempDir Path stateDir) throws Exception {
        Ledger ledger = ledger("rebuild", 20);
        LedgerTopics topics = ledger.topics();
        DataSource database = ledger.database();
        LedgerHistory history = ledger.history();
        String live = TestInfrastructure.uniqueName("rebuild-live");
        history.placeHold("acct-3", "h1", 300, null);
        history.capture("acct-3", "h1", 100);
        history.charge("acct-4", 4);
        List<LedgerEvent> events = history.events();
        LedgerHistory.append(infra.bootstrapServers(), topics.events().name(), events);
        LedgerHistory.append(infra.bootstrapServers(), topics.events().name(), events.subList(0, 5)); // duplicates: the version guard drops them

        try (ProjectorApp app = new ProjectorApp(new ProjectorConfig(kafka, live, stateDir, topics, 1),
                new SimpleMeterRegistry())) {
            app.start();
            app.awaitRunning(TIMEOUT);
            awaitProjected(app, 20, Map.of("acct-3", 4L, "acct-4", 3L));
        }

        ProjectionRebuild rebuild = new ProjectionRebuild(kafka, topics, stateDir, 1);
        AtomicLong total = new AtomicLong(-1);
        AtomicLong lastEvents = new AtomicLong();
        String first = live + "-r1";
        ProjectionRebuild.Result agreed = rebuild.run(database, live, first, true, new ProjectionRebuild.Listener() {
            @Override
            public void started(long totalOffsets) {
                total.set(totalOffsets);
            }

            @Override
            public void progress(long committedOffsets, long processed) {
                lastEvents.set(processed);
            }
        }, TIMEOUT);

        assertThat(total.get()).isGreaterThanOrEqualTo(events.size() + 5);
        assertThat(agreed.events()).isEqualTo(events.size() + 5);
        // The replay runs at least once: the events on the topic twice are counted and change nothing,
        // so the rebuilt tables equal the live (exactly-once) ones below.
        assertThat(agreed.duplicates()).isEqualTo(5);
        assertThat(lastEvents.get()).isEqualTo(agreed.events());
        assertThat(agreed.balances()).isEqualTo(20);
        assertThat(agreed.holds()).isEqualTo(1);
        assertThat(agreed.differences()).isEmpty();
        assertThat(agreed.switched()).isTrue();
        assertThat(LiveApplicationTable.current(database)).hasValue(first);

        // Plant a difference in the now-live projection's balance table: one cent more on acct-7.
        String changelog = ProjectorTopology.changelogTopic(first, ProjectorTopology.BALANCE_STORE);
        AccountBalance real = agreed.rebuiltBalances().stream().filter(b -> b.getAccountId().equals("acct-7"))
                .findFirst().orElseThrow();
        AccountBalance planted = AccountBalance.newBuilder(real).setAvailableMinor(real.getAvailableMinor() + 1).build();
        try (KafkaProducer<String, AccountBalance> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                LedgerTopics.keySerde().serializer(), ValueSerdes.singleObject().balances().serializer())) {
            producer.send(new ProducerRecord<>(changelog, "acct-7", planted)).get();
        }

        String second = live + "-r2";
        ProjectionRebuild.Result refused = rebuild.run(database, first, second, true, ProjectionRebuild.Listener.NONE, TIMEOUT);
        assertThat(refused.switched()).isFalse();
        assertThat(refused.differenceCount()).isEqualTo(1);
        assertThat(refused.differences()).singleElement().satisfies(d -> {
            assertThat(d.table()).isEqualTo("balances");
            assertThat(d.key()).isEqualTo("acct-7");
            assertThat(d.live()).isEqualTo(planted);
            assertThat(d.rebuilt()).isEqualTo(real);
        });
        assertThat(LiveApplicationTable.current(database)).as("the live projection stays").hasValue(first);

        // The cache refill writes the rebuilt rows, repairing a row that drifted at the same version.
        Jdbi jdbi = Jdbi.create(database).installPlugin(new SqlObjectPlugin());
        jdbi.useExtension(AccountBalanceTable.class, t -> t.upsert(List.of(CachedBalance.of(planted))));
        assertThat(ProjectionRebuild.refillCache(database, refused.rebuiltBalances())).isEqualTo(20);
        assertThat(jdbi.withExtension(AccountBalanceTable.class, AccountBalanceTable::findAll))
                .isEqualTo(refused.rebuiltBalances().stream().map(CachedBalance::of).toList());
    }

    @Test
    void runningProjectorsFollowTheSwitchWithoutARestart(@TempDir Path stateDir) throws Exception {
        Ledger ledger = ledger("live", 10);
        LedgerTopics topics = ledger.topics();
        DataSource database = ledger.database();
        LedgerHistory history = ledger.history();
        LedgerHistory.append(infra.bootstrapServers(), topics.events().name(), history.events());
        String live = TestInfrastructure.uniqueName("live-projector");

        try (LiveProjector projector = new LiveProjector(new ProjectorConfig(kafka, live, stateDir, topics, 1),
                new SimpleMeterRegistry(), database, Duration.ofMillis(200), TIMEOUT).start()) {
            ProjectorApp first = projector.get();
            Eventually.await("the live projection has every account", TIMEOUT,
                    () -> first.isQueryable() && version(projector, "acct-9") == 2);
            assertThat(projector.applicationId()).isEqualTo(live);

            String rebuilt = live + "-r1";
            ProjectionRebuild.Result result = new ProjectionRebuild(kafka, topics, stateDir, 1).run(database, live, rebuilt,
                    true, ProjectionRebuild.Listener.NONE, TIMEOUT);
            assertThat(result.switched()).isTrue();

            Eventually.await("readers are on the rebuilt projection", TIMEOUT,
                    () -> projector.applicationId().equals(rebuilt));
            assertThat(projector.get()).isNotSameAs(first);
            assertThat(version(projector, "acct-3")).as("the rebuilt projection answers at once").isEqualTo(2);
            Eventually.await("the old projection stops", TIMEOUT, () -> first.state() == KafkaStreams.State.NOT_RUNNING);

            // Events appended after the switch reach the rebuilt projection.
            LedgerEvent later = history.credit("acct-3", 500);
            LedgerHistory.append(infra.bootstrapServers(), topics.events().name(), List.of(later));
            Eventually.await("the rebuilt projection applies new events", TIMEOUT,
                    () -> version(projector, "acct-3") == 3);
            assertThat(projector.get().balances().get("acct-3").getAvailableMinor()).isEqualTo(1_003 + 500);
        }
    }

    /**
     * Under {@code tally.serde=confluent} (the registry test double): events in the Confluent wire format
     * are replayed, decoded with the writer's schema looked up by id, compared equal with the live
     * projection and switched to. Before topics carried their encoding, such a rebuild decoded nothing
     * and never switched.
     */
    @Test
    void rebuildsAndSwitchesUnderTheConfluentEncoding(@TempDir Path stateDir) throws Exception {
        try (TestSchemaRegistry registry = TestSchemaRegistry.start()) {
            Ledger ledger = ledger("rebuild-confluent", 10,
                    ValueSerdes.confluent(SchemaRegistryClient.of(registry.url())));
            LedgerTopics topics = ledger.topics();
            LedgerHistory history = ledger.history();
            history.placeHold("acct-2", "h1", 200, null);
            List<LedgerEvent> events = history.events();
            LedgerHistory.append(infra.bootstrapServers(), topics.events(), events);
            byte[] first = firstRecordValue(topics.events().name());
            assertThat(first[0]).as("the Confluent magic byte").isEqualTo(ConfluentAvroSerde.MAGIC_BYTE);
            assertThat(registry.subjectOf(ByteBuffer.wrap(first, 1, 4).getInt()))
                    .isEqualTo(ConfluentAvroSerde.valueSubject(topics.events().name()));
            String live = TestInfrastructure.uniqueName("confluent-live");
            try (ProjectorApp app = new ProjectorApp(new ProjectorConfig(kafka, live, stateDir, topics, 1),
                    new SimpleMeterRegistry())) {
                app.start();
                app.awaitRunning(TIMEOUT);
                awaitProjected(app, 10, Map.of("acct-2", 3L));
            }

            String rebuilt = live + "-r1";
            ProjectionRebuild.Result result = new ProjectionRebuild(kafka, topics, stateDir, 1)
                    .run(ledger.database(), live, rebuilt, true, ProjectionRebuild.Listener.NONE, TIMEOUT);

            assertThat(result.events()).isEqualTo(events.size());
            assertThat(result.duplicates()).isZero();
            assertThat(result.balances()).isEqualTo(10);
            assertThat(result.holds()).isEqualTo(1);
            assertThat(result.rebuiltBalances()).filteredOn(b -> b.getAccountId().equals("acct-2")).singleElement()
                    .satisfies(b -> {
                        assertThat(b.getAvailableMinor()).isEqualTo(1_002 - 200);
                        assertThat(b.getLockedMinor()).isEqualTo(200);
                    });
            assertThat(result.differences()).isEmpty();
            assertThat(result.switched()).isTrue();
            assertThat(LiveApplicationTable.current(ledger.database())).hasValue(rebuilt);
        }
    }

    /** The bytes of the value of the first record on partition 0 or 1 of {@code topic}, as written. */
    private byte[] firstRecordValue(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.readCommittedConsumer(kafka, null,
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            KafkaClients.assignAll(consumer, topic, KafkaClients.From.BEGINNING);
            long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() - deadlineNs < 0) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    return record.value();
                }
            }
            throw new AssertionError("no record on " + topic + " within " + TIMEOUT);
        }
    }

    /** Waits until {@code app} projects at least {@code accounts} accounts, those of {@code versions} at their versions. */
    private static void awaitProjected(ProjectorApp app, int accounts, Map<String, Long> versions)
            throws InterruptedException {
        Eventually.await("the live projection has every account", TIMEOUT, () -> {
            try {
                if (app.balances().approximateNumEntries() < accounts) {
                    return false;
                }
                for (Map.Entry<String, Long> expected : versions.entrySet()) {
                    AccountBalance balance = app.balances().get(expected.getKey());
                    if (balance == null || balance.getVersion() != expected.getValue()) {
                        return false;
                    }
                }
                return true;
            } catch (RuntimeException notYet) {
                return false;
            }
        });
    }

    private static long version(LiveProjector projector, String accountId) {
        try {
            AccountBalance balance = projector.get().balances().get(accountId);
            return balance == null ? 0 : balance.getVersion();
        } catch (RuntimeException notQueryableYet) {
            return -1;
        }
    }
}
