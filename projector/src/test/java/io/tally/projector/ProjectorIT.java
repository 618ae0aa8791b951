package io.tally.projector;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.avro.LedgerEvent;
import io.tally.core.Currency;
import io.tally.embedded.PostgresServer;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.projector.jdbc.AccountBalanceTable;
import io.tally.projector.jdbc.BalanceCacheSink;
import io.tally.projector.jdbc.CachedBalance;
import io.tally.projector.jdbc.ProjectorSchema;
import io.tally.projector.kafka.ProjectorApp;
import io.tally.projector.kafka.ProjectorConfig;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ProjectorApp} and {@link BalanceCacheSink} on the real broker and PostgreSQL. */
class ProjectorIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Currency CZK = new Currency("CZK", 2);
    private static final Currency FLOW = new Currency("FLOW", 8);

    private final TestInfrastructure infra = TestInfrastructure.get();
    private final Map<String, Object> kafka =
            Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
    private final LedgerHistory history = new LedgerHistory();
    private LedgerTopics topics;
    private String applicationId;
    private KafkaProducer<String, LedgerEvent> producer;

    @BeforeEach
    void setUp() throws Exception {
        topics = TopicNames.withPrefix(TestInfrastructure.uniqueName("projector") + ".", 3).in(ValueSerdes.singleObject());
        applicationId = TestInfrastructure.uniqueName("projector-app");
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        producer = LedgerHistory.producer(infra.bootstrapServers());
    }

    @AfterEach
    void tearDown() {
        producer.close();
    }

    @Test
    void projectsEventsIntoTheStoreTheTopicAndTheTable(@TempDir Path stateDir) throws Exception {
        DataSource database = PostgresServer.dataSource(infra.newDatabase("projector"));
        ProjectorSchema.migrate(database);
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        history.open("a", CZK);
        LedgerEvent creditA = history.credit("a", 10_000);
        LedgerEvent lastA = history.charge("a", 2_550);
        history.open("b", FLOW);
        history.credit("b", 42);
        LedgerEvent lastB = history.credit("b", 8);
        LedgerEvent lastC = history.open("c", CZK);

        try (ProjectorApp app = new ProjectorApp(config(stateDir), metrics);
                BalanceCacheSink sink = new BalanceCacheSink(kafka, applicationId + "-cache", topics, database)) {
            app.start();
            app.awaitRunning(TIMEOUT);
            sink.start();
            send(history.events());
            send(List.of(creditA)); // a duplicate

            List<AccountBalance> expected = List.of(balanceAfter(lastA), balanceAfter(lastB), balanceAfter(lastC));
            assertThat(expected).extracting(AccountBalance::getAvailableMinor).containsExactly(7_450L, 50L, 0L);
            Eventually.await("the store holds the last balances", TIMEOUT, () -> expected.stream()
                    .allMatch(b -> b.equals(queryStore(app, b.getAccountId()))));
            assertThat(versionsPublished(7)).isEqualTo(Map.of("a", List.of(1L, 2L, 3L), "b", List.of(1L, 2L, 3L),
                    "c", List.of(1L)));
            Jdbi jdbi = Jdbi.create(database).installPlugin(new SqlObjectPlugin());
            List<CachedBalance> rows = expected.stream().map(CachedBalance::of).toList();
            Eventually.await("account_balances holds the last balances", TIMEOUT, () -> sink.isCaughtUp()
                    && jdbi.withExtension(AccountBalanceTable.class, AccountBalanceTable::findAll).equals(rows));
            assertThat(metrics.get(ProjectorTopology.APPLIED_COUNTER).counter().count()).isEqualTo(7);
            assertThat(metrics.get(ProjectorTopology.DUPLICATE_COUNTER).counter().count()).isEqualTo(1);
            assertThat(app.flaggedAccounts().approximateNumEntries()).isZero();
        }
    }

    /**
     * A new instance with an empty state directory restores the store from its changelog and
     * continues from the committed offsets: a re-sent event is dropped, the next one applied, and
     * {@code ledger.balances} carries each version once.
     */
    @Test
    void restartedProjectorRestoresItsStoreAndAppliesNothingTwice(@TempDir Path stateDir) throws Exception {
        history.open("a", CZK);
        LedgerEvent credit = history.credit("a", 1_000);
        try (ProjectorApp first = new ProjectorApp(config(stateDir.resolve("first")), new SimpleMeterRegistry())) {
            first.start();
            first.awaitRunning(TIMEOUT);
            send(history.events());
            Eventually.await("a at version 2", TIMEOUT, () -> balanceAfter(credit).equals(queryStore(first, "a")));
        }

        awaitNoOpenTransaction(applicationId);
        LedgerEvent charge = history.charge("a", 300);
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (ProjectorApp second = new ProjectorApp(config(stateDir.resolve("second")), metrics)) {
            second.start();
            second.awaitRunning(TIMEOUT);
            send(List.of(credit, charge));
            Eventually.await("a at version 3", TIMEOUT, () -> balanceAfter(charge).equals(queryStore(second, "a")));
            assertThat(queryStore(second, "a").getAvailableMinor()).isEqualTo(700);
            // All three counted at once, so that a failure says which way the restore went wrong.
            assertThat(Map.of("applied", count(metrics, ProjectorTopology.APPLIED_COUNTER),
                    "duplicate", count(metrics, ProjectorTopology.DUPLICATE_COUNTER),
                    "gap", count(metrics, ProjectorTopology.GAP_COUNTER)))
                    .isEqualTo(Map.of("applied", 1.0, "duplicate", 1.0, "gap", 0.0));
        }
        assertThat(versionsPublished(3)).isEqualTo(Map.of("a", List.of(1L, 2L, 3L)));
    }

    private static double count(SimpleMeterRegistry metrics, String counter) {
        Counter c = metrics.find(counter).counter();
        return c == null ? 0 : c.count();
    }

    /**
     * Waits until no transaction of the application is still open on its changelogs (each partition's
     * last stable offset at its end): a closed instance's last commit is complete, its markers written,
     * before the next instance restores. The restore reads committed records up to the last stable
     * offset, while the committed input offsets wait for the transaction (KIP-447's stable offsets), so
     * a restore that starts before the markers are written can miss the last committed writes (seen in
     * CI: the re-sent credit was then applied again instead of dropped as a duplicate).
     */
    private void awaitNoOpenTransaction(String applicationId) throws Exception {
        try (Admin admin = Admin.create(kafka)) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicDescription d : admin.describeTopics(admin.listTopics().names().get().stream()
                    .filter(t -> t.startsWith(applicationId + "-") && t.endsWith("-changelog")).toList())
                    .allTopicNames().get().values()) {
                d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
            }
            Eventually.await("no open transaction on the changelogs", TIMEOUT, () -> {
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end;
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> stable;
                try {
                    end = admin.listOffsets(latest).all().get();
                    stable = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
                } catch (InterruptedException | ExecutionException e) {
                    throw new IllegalStateException("cannot list the changelogs' offsets", e);
                }
                end.forEach((tp, info) -> {
                    if (info.offset() != stable.get(tp).offset()) {
                        System.out.printf("changelog %s: end %d, last stable %d%n", tp, info.offset(), stable.get(tp).offset());
                    }
                });
                return end.keySet().stream().allMatch(tp -> end.get(tp).offset() == stable.get(tp).offset());
            });
        }
    }

    private ProjectorConfig config(Path stateDir) {
        return new ProjectorConfig(kafka, applicationId, stateDir, topics, 1);
    }

    private void send(List<LedgerEvent> events) {
        for (LedgerEvent e : events) {
            producer.send(new ProducerRecord<>(topics.events().name(), e.getAccountId(), e));
        }
        producer.flush();
    }

    private static AccountBalance queryStore(ProjectorApp app, String accountId) {
        try {
            return app.balances().get(accountId);
        } catch (InvalidStateStoreException rebalancing) {
            return null;
        }
    }

    /** The balance the writer says follows {@code event}. */
    private static AccountBalance balanceAfter(LedgerEvent event) {
        return AccountBalance.newBuilder().setAccountId(event.getAccountId()).setCurrency(event.getCurrency())
                .setScale(event.getScale()).setAvailableMinor(event.getAvailableAfterMinor())
                .setLockedMinor(event.getLockedAfterMinor()).setVersion(event.getVersion())
                .setLastEventId(event.getEventId()).setUpdatedAtMs(event.getAcceptedAtMs()).build();
    }

    /**
     * Reads committed {@code ledger.balances} from the beginning until {@code expectedCount} records
     * (then 1 s more, to see any extra), and returns the versions published per account, in order.
     */
    private Map<String, List<Long>> versionsPublished(int expectedCount) {
        Map<String, Object> props = new LinkedHashMap<>(kafka);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, AccountBalance> consumer = new KafkaConsumer<>(props,
                LedgerTopics.keySerde().deserializer(), ValueSerdes.singleObject().balances().deserializer())) {
            List<TopicPartition> partitions = IntStream.range(0, topics.partitions())
                    .mapToObj(p -> new TopicPartition(topics.balances().name(), p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<String, List<Long>> versions = new LinkedHashMap<>();
            int count = 0;
            long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
            long extraUntilNs = Long.MAX_VALUE;
            while (System.nanoTime() - Math.min(deadlineNs, extraUntilNs) < 0) {
                for (ConsumerRecord<String, AccountBalance> r : consumer.poll(Duration.ofMillis(100))) {
                    versions.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value().getVersion());
                    count++;
                }
                if (count >= expectedCount && extraUntilNs == Long.MAX_VALUE) {
                    extraUntilNs = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                }
            }
            return versions;
        }
    }
}
