package io.tally.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.avro.AccountBalance;
import io.tally.avro.LedgerEvent;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.schemas.registry.ApicurioRegistry;
import io.tally.schemas.registry.IncompatibleSchemaException;
import io.tally.schemas.registry.SchemaRegistryClient;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * tally's Confluent wire format ({@code tally.serde=confluent}) against a real Confluent-compatible
 * registry, Apicurio Registry with compatibility BACKWARD ({@link ApicurioRegistry}), and the real
 * (embedded) broker: what the registry holds is read back through its own REST API, not through
 * tally's client, so the test does not share the client's idea of the API.
 */
class ConfluentApicurioIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ApicurioRegistry registry;

    private final String bootstrap = TestInfrastructure.get().bootstrapServers();

    @BeforeAll
    static void startRegistry() {
        registry = ApicurioRegistry.start();
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    private static AccountBalance balance(String account, long availableMinor) {
        return AccountBalance.newBuilder().setAccountId(account).setCurrency("EUR").setScale(2)
                .setAvailableMinor(availableMinor).setLockedMinor(250).setVersion(3).setLastEventId(account + ":3")
                .setUpdatedAtMs(1_700_000_000_000L).build();
    }

    @Test
    void balancesAreRegisteredUnderTheTopicValueSubjectFramedWithTheirIdAndReadBackById() throws Exception {
        String topic = createTopic("balances");
        ValueSerdes serdes = ValueSerdes.fromConfig(Map.of(ValueSerdes.SERDE_CONFIG, "confluent",
                ValueSerdes.REGISTRY_URL_CONFIG, registry.url()));
        AccountBalance written = balance("acct-1", 12_345);
        produce(topic, serdes.balances().serializer(), written);

        assertThat(get("/subjects")).extracting(JsonNode::asText).contains(topic + "-value");
        JsonNode latest = get("/subjects/" + URLEncoder.encode(topic + "-value", StandardCharsets.UTF_8) + "/versions/latest");
        int registeredId = latest.path("id").asInt();
        assertThat(new Schema.Parser().parse(latest.path("schema").asText()))
                .isEqualTo(AccountBalance.getClassSchema());

        byte[] value = consumeValues(topic, 1).get(0);
        assertThat(value[0]).as("magic byte").isEqualTo((byte) 0);
        assertThat(ByteBuffer.wrap(value, 1, 4).getInt()).as("schema id after the magic byte").isEqualTo(registeredId);

        JsonNode byId = get("/schemas/ids/" + registeredId);
        assertThat(new Schema.Parser().parse(byId.path("schema").asText())).isEqualTo(AccountBalance.getClassSchema());

        // A reader with its own client (empty cache) fetches the writer schema by id and decodes.
        ConfluentAvroSerde<AccountBalance> reader = ConfluentAvroSerde.of(AccountBalance.class, SchemaRegistryClient.of(registry.url()));
        assertThat(reader.deserialize(topic, value)).isEqualTo(written);
    }

    @Test
    void anIncompatibleSchemaIsRefusedWithAClearErrorBeforeAnythingIsProduced() throws Exception {
        String topic = createTopic("balances");
        SchemaRegistryClient client = SchemaRegistryClient.of(registry.url());
        produce(topic, ConfluentAvroSerde.of(AccountBalance.class, client), balance("acct-2", 500));

        // Another record type on the same topic: not readable by the registered schema, so BACKWARD refuses it.
        LedgerEvent event = sampleEvent();
        try (KafkaProducer<String, LedgerEvent> producer = new KafkaProducer<>(producerConfig(), new StringSerializer(),
                ConfluentAvroSerde.of(LedgerEvent.class, SchemaRegistryClient.of(registry.url())))) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "acct-2", event)).get())
                    .isInstanceOf(IncompatibleSchemaException.class)
                    .hasMessageContaining(topic + "-value")
                    .hasMessageContaining("409")
                    .hasMessageContaining("incompatible");
        }
        assertThat(endOffset(topic)).as("records on the topic: only the compatible one").isEqualTo(1);
        assertThat(get("/subjects/" + URLEncoder.encode(topic + "-value", StandardCharsets.UTF_8) + "/versions"))
                .as("versions under the subject").hasSize(1);

        // A field added without a default cannot read old records (BACKWARD); with a default it can.
        Schema withRequiredField = evolved(AccountBalance.getClassSchema(), "{\"name\":\"tier\",\"type\":\"string\"}");
        assertThatThrownBy(() -> client.register(topic + "-value", withRequiredField))
                .isInstanceOf(IncompatibleSchemaException.class)
                .hasMessageContaining("tier");
        Schema withDefault = evolved(AccountBalance.getClassSchema(), "{\"name\":\"tier\",\"type\":\"string\",\"default\":\"\"}");
        int evolvedId = client.register(topic + "-value", withDefault);
        assertThat(get("/schemas/ids/" + evolvedId).path("schema").asText()).contains("tier");
    }

    private static LedgerEvent sampleEvent() {
        return LedgerEvent.newBuilder().setEventId("acct-2:2").setAccountId("acct-2").setVersion(2)
                .setType(io.tally.avro.EventType.CREDITED).setCurrency("EUR").setScale(2).setAmountMinor(100L)
                .setAvailableAfterMinor(600).setLockedAfterMinor(0).setRequestId("r-1").setIdempotencyKey("k-1")
                .setAcceptedAtMs(1_700_000_000_000L).build();
    }

    private static Schema evolved(Schema schema, String extraFieldJson) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(schema.toString());
        ((com.fasterxml.jackson.databind.node.ArrayNode) tree.get("fields")).add(JSON.readTree(extraFieldJson));
        return new Schema.Parser().parse(tree.toString());
    }

    /** A new single-partition topic (the broker does not create topics on first use). */
    private String createTopic(String prefix) throws Exception {
        String topic = TestInfrastructure.uniqueName(prefix);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        return topic;
    }

    private Map<String, Object> producerConfig() {
        return Map.of("bootstrap.servers", bootstrap, "acks", "all", "max.block.ms", 30_000);
    }

    private <T> void produce(String topic, Serializer<T> serializer, T value) throws Exception {
        try (KafkaProducer<String, T> producer = new KafkaProducer<>(producerConfig(), new StringSerializer(), serializer)) {
            producer.send(new ProducerRecord<>(topic, "key", value)).get();
        }
    }

    private long endOffset(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            TopicPartition partition = new TopicPartition(topic, 0);
            return consumer.endOffsets(Set.of(partition)).get(partition);
        }
    }

    private List<byte[]> consumeValues(String topic, int count) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<byte[]> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (values.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(record.value());
                }
            }
            assertThat(values).as("records read from " + topic).hasSize(count);
            return values;
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "isolation.level", "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.url() + path))
                .header("Accept", "application/vnd.schemaregistry.v1+json").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as("GET " + path + ": " + answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }
}
