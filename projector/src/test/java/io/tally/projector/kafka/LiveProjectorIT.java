package io.tally.projector.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.avro.LedgerEvent;
import io.tally.core.Currency;
import io.tally.embedded.PostgresServer;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.projector.Eventually;
import io.tally.projector.LedgerHistory;
import io.tally.projector.jdbc.ProjectorSchema;
import io.tally.projector.rebuild.ProjectionRebuild;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running projector follows a rebuild's switch without a restart: readers get the rebuilt projection,
 * which then keeps up with new events, and the old one stops.
 */
class LiveProjectorIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Currency CZK = new Currency("CZK", 2);

    private final TestInfrastructure infra = TestInfrastructure.get();
    private final Map<String, Object> kafka =
            Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());

    @Test
    void readersMoveToTheRebuiltProjectionWhileServing(@TempDir Path stateDir) throws Exception {
        LedgerTopics topics = LedgerTopics.withPrefix(TestInfrastructure.uniqueName("live") + ".", 2);
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        DataSource database = PostgresServer.dataSource(infra.newDatabase("live"));
        ProjectorSchema.migrate(database);
        LedgerHistory history = new LedgerHistory();
        for (int i = 0; i < 10; i++) {
            history.open("acct-" + i, CZK);
            history.credit("acct-" + i, 1_000 + i);
        }
        send(topics, history.events());
        String live = TestInfrastructure.uniqueName("live-projector");

        try (LiveProjector projector = new LiveProjector(new ProjectorConfig(kafka, live, stateDir, topics, 1),
                new SimpleMeterRegistry(), database, Duration.ofMillis(200), TIMEOUT).start()) {
            ProjectorApp first = projector.get();
            Eventually.await("the live projection has every account", TIMEOUT,
                    () -> first.isQueryable() && version(projector, "acct-9") == 2);
            assertThat(projector.applicationId()).isEqualTo(live);

            String rebuilt = live + "-r1";
            ProjectionRebuild.Result result = new ProjectionRebuild(kafka, topics, stateDir, 1).run(database, live, rebuilt,
                    true, new ProjectionRebuild.Listener() {
                        @Override
                        public void started(long totalOffsets) {}

                        @Override
                        public void progress(long committedOffsets, long events) {}
                    }, TIMEOUT);
            assertThat(result.switched()).isTrue();

            Eventually.await("readers are on the rebuilt projection", TIMEOUT,
                    () -> projector.applicationId().equals(rebuilt));
            assertThat(projector.get()).isNotSameAs(first);
            assertThat(version(projector, "acct-3")).as("the rebuilt projection answers at once").isEqualTo(2);
            Eventually.await("the old projection stops", TIMEOUT, () -> first.state() == KafkaStreams.State.NOT_RUNNING);

            // Events appended after the switch reach the rebuilt projection.
            LedgerEvent later = history.credit("acct-3", 500);
            send(topics, List.of(later));
            Eventually.await("the rebuilt projection applies new events", TIMEOUT,
                    () -> version(projector, "acct-3") == 3);
            assertThat(projector.get().balances().get("acct-3").getAvailableMinor()).isEqualTo(1_003 + 500);
        }
    }

    private static long version(LiveProjector projector, String accountId) {
        try {
            AccountBalance balance = projector.get().balances().get(accountId);
            return balance == null ? 0 : balance.getVersion();
        } catch (RuntimeException notQueryableYet) {
            return -1;
        }
    }

    private void send(LedgerTopics topics, List<LedgerEvent> events) throws Exception {
        try (KafkaProducer<String, LedgerEvent> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                LedgerTopics.keySerde().serializer(), LedgerTopics.EVENT_SERDE.serializer())) {
            for (LedgerEvent e : events) {
                producer.send(new ProducerRecord<>(topics.events(), e.getAccountId(), e)).get();
            }
        }
    }
}
