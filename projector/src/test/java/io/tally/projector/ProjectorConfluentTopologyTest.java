package io.tally.projector;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.avro.HoldState;
import io.tally.avro.LedgerEvent;
import io.tally.core.Currency;
import io.tally.projector.kafka.ProjectorApp;
import io.tally.projector.kafka.ProjectorConfig;
import io.tally.schemas.ConfluentAvroSerde;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.registry.SchemaRegistryClient;
import io.tally.schemas.registry.TestSchemaRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The projector with {@code tally.serde=confluent} ({@link TestSchemaRegistry} is a test double of
 * the registry's REST protocol): Confluent-encoded events in, Confluent-encoded balances and holds
 * out, with their schemas registered under {@code ledger.balances-value} and {@code ledger.holds-value}.
 */
class ProjectorConfluentTopologyTest {
    private final TestSchemaRegistry registry = TestSchemaRegistry.start();
    private final ValueSerdes serdes = ValueSerdes.confluent(SchemaRegistryClient.of(registry.url()));
    private final LedgerTopics topics = TopicNames.defaults(1).in(serdes);
    private TopologyTestDriver driver;

    @AfterEach
    void tearDown() {
        if (driver != null) {
            driver.close();
        }
        registry.close();
    }

    @Test
    void readsAndWritesTheConfluentWireFormat(@TempDir Path stateDir) {
        ProjectorConfig config = new ProjectorConfig(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "unused:9092"),
                "projector-confluent-test", stateDir, topics, 1);
        driver = new TopologyTestDriver(ProjectorTopology.buildTopology(topics, new SimpleMeterRegistry()),
                ProjectorApp.streamsProperties(config));
        TestInputTopic<String, LedgerEvent> events =
                driver.createInputTopic(topics.events().name(), new StringSerializer(), serdes.events().serializer());
        TestOutputTopic<String, byte[]> balances =
                driver.createOutputTopic(topics.balances().name(), new StringDeserializer(), new ByteArrayDeserializer());

        TestOutputTopic<String, byte[]> holds =
                driver.createOutputTopic(topics.holds().name(), new StringDeserializer(), new ByteArrayDeserializer());

        LedgerHistory history = new LedgerHistory();
        for (LedgerEvent event : new LedgerEvent[] {history.open("a", new Currency("CZK", 2)), history.credit("a", 12_345),
                history.placeHold("a", "h1", 345, null)}) {
            events.pipeInput(event.getAccountId(), event);
        }

        byte[] last = balances.readValuesToList().get(1);
        assertThat(last[0]).isEqualTo(ConfluentAvroSerde.MAGIC_BYTE);
        assertThat(registry.subjectOf(ByteBuffer.wrap(last, 1, 4).getInt()))
                .isEqualTo(ConfluentAvroSerde.valueSubject(topics.balances().name()));
        AccountBalance balance = serdes.balances().deserializer().deserialize(topics.balances().name(), last);
        assertThat(balance.getAvailableMinor()).isEqualTo(12_345L);
        assertThat(balance.getVersion()).isEqualTo(2L);

        byte[] hold = holds.readValue();
        assertThat(hold[0]).isEqualTo(ConfluentAvroSerde.MAGIC_BYTE);
        assertThat(registry.subjectOf(ByteBuffer.wrap(hold, 1, 4).getInt()))
                .isEqualTo(ConfluentAvroSerde.valueSubject(topics.holds().name()));
        HoldState placed = serdes.holds().deserializer().deserialize(topics.holds().name(), hold);
        assertThat(placed.getRemainingMinor()).isEqualTo(345L);
        assertThat(placed.getOpen()).isTrue();
    }
}
