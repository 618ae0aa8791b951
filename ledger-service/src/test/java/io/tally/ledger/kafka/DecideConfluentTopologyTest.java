package io.tally.ledger.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.LedgerResult;
import io.tally.avro.ResultStatus;
import io.tally.core.Currency;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import io.tally.schemas.registry.SchemaRegistryClient;
import io.tally.schemas.registry.TestSchemaRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decide topology with values in the Confluent wire format ({@link TestSchemaRegistry} is a
 * test double of the registry's REST protocol): requests decode, outcomes are written in the same
 * format, and a record with a wrong magic byte or an unknown schema id goes to the DLQ saying so.
 */
class DecideConfluentTopologyTest {

    @TempDir
    Path stateDir;

    private final TestSchemaRegistry registry = TestSchemaRegistry.start();
    private final ValueSerdes serdes = ValueSerdes.confluent(SchemaRegistryClient.of(registry.url()));
    private final LedgerTopics topics = TopicNames.defaults(1).in(serdes);
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> requests;
    private TestOutputTopic<String, LedgerResult> results;
    private TestOutputTopic<byte[], byte[]> dlq;

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "decide-confluent-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(DecideTopology.buildTopology(topics, new SimpleMeterRegistry()), props);
        requests = driver.createInputTopic(topics.requests().name(), new ByteArraySerializer(), new ByteArraySerializer());
        results = driver.createOutputTopic(topics.results().name(), new StringDeserializer(), serdes.results().deserializer());
        dlq = driver.createOutputTopic(topics.requestsDlq().name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
        registry.close();
    }

    private static byte[] key(String account) {
        return account.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void confluentEncodedRequestsAreDecidedAndAnsweredInTheSameFormat() {
        byte[] open = serdes.requests().serializer().serialize(topics.requests().name(),
                RequestCodec.openAccount("r1", "k1", "a", new Currency("CZK", 2), 0, 0));
        assertThat(open[0]).as("Confluent magic byte").isZero();
        requests.pipeInput(key("a"), open);
        LedgerResult result = results.readValue();
        assertThat(result.getRequestId()).isEqualTo("r1");
        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void anUnknownSchemaIdIsDeadLetteredWithThatReason() {
        byte[] value = serdes.requests().serializer().serialize(topics.requests().name(),
                RequestCodec.openAccount("r1", "k1", "a", new Currency("CZK", 2), 0, 0));
        value[1] = 0;
        value[2] = 0;
        value[3] = 0;
        value[4] = 42;
        requests.pipeInput(key("a"), value);
        TestRecord<byte[], byte[]> dead = dlq.readRecord();
        assertThat(dead.value()).as("copied byte for byte").isEqualTo(value);
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.REASON)).isEqualTo("UNKNOWN_SCHEMA");
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.DETAIL)).contains("unknown schema id 42");
        assertThat(results.isEmpty()).isTrue();
    }

    @Test
    void aWrongMagicByteIsDeadLetteredWithThatReason() {
        byte[] singleObject = ValueSerdes.singleObject().requests().serializer().serialize(topics.requests().name(),
                RequestCodec.openAccount("r1", "k1", "a", new Currency("CZK", 2), 0, 0));
        requests.pipeInput(key("a"), singleObject);
        TestRecord<byte[], byte[]> dead = dlq.readRecord();
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.REASON)).isEqualTo("NOT_AVRO");
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.DETAIL)).contains("magic byte 0xc3");
        assertThat(results.isEmpty()).isTrue();
    }
}
