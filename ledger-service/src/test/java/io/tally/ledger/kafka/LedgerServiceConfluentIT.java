package io.tally.ledger.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.LedgerEvent;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.core.Currency;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.schemas.ConfluentAvroSerde;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import io.tally.schemas.registry.ApicurioRegistry;
import io.tally.schemas.registry.TestSchemaRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ledger-service configured with {@code tally.serde=confluent} on a real broker, against
 * {@link TestSchemaRegistry} (a test double of the Schema Registry REST protocol on 127.0.0.1) and
 * against a real Confluent-compatible registry ({@link ApicurioRegistry}):
 * Confluent-encoded requests are decided, events and results are written in the Confluent wire
 * format with ids registered under {@code <topic>-value}, and an unknown schema id is dead-lettered.
 */
class LedgerServiceConfluentIT {
    @TempDir
    Path dir;

    @Test
    void againstTheRegistryDouble() throws Exception {
        try (TestSchemaRegistry registry = TestSchemaRegistry.start()) {
            decideThrough(registry.url(), (id, subject) -> assertThat(registry.subjectOf(id)).isEqualTo(subject));
        }
    }

    /** The same against a real Confluent-compatible registry (Apicurio, BACKWARD; skipped without Java 21+). */
    @Test
    void againstApicurio() throws Exception {
        try (ApicurioRegistry registry = ApicurioRegistry.start()) {
            decideThrough(registry.url(), (id, subject) -> assertThat(latestId(registry.url(), subject))
                    .as("the id in the frame is the one the registry holds under <topic>-value").isEqualTo(id));
        }
    }

    /**
     * Confluent-encoded requests are decided through the registry at {@code registryUrl}; {@code registered}
     * checks that the events' schema id (from the frame) is registered under the events topic's subject.
     */
    private void decideThrough(String registryUrl, BiConsumer<Integer, String> registered) throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        TopicNames names = TopicNames.withPrefix(TestInfrastructure.uniqueName("lsc") + ".", 2);
        Map<String, Object> kafka = Map.of("bootstrap.servers", infra.bootstrapServers());
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, names.specs(), (short) 1);
        }
        ValueSerdes serdes = ValueSerdes.fromConfig(Map.of(ValueSerdes.SERDE_CONFIG, "confluent",
                ValueSerdes.REGISTRY_URL_CONFIG, registryUrl));
        LedgerTopics topics = names.in(serdes);
        List<LedgerRequest> requests = List.of(
                RequestCodec.openAccount("open-1", "open", "acct-1", new Currency("CZK", 2), 0, 0),
                RequestCodec.credit("credit-1", "c1", "acct-1", "CZK", 12_345, 0, null),
                RequestCodec.charge("charge-1", "c2", "acct-1", "CZK", 345, 0, null));
        try (LedgerServiceApp app = new LedgerServiceApp(new LedgerServiceConfig(kafka,
                        TestInfrastructure.uniqueName("ledger-confluent"), dir, topics, 1),
                new SimpleMeterRegistry());
                RequestPublisher publisher = new RequestPublisher(kafka, topics);
                KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(new HashMap<>(kafka),
                        new ByteArraySerializer(), new ByteArraySerializer())) {
            app.start();
            app.awaitRunning(Duration.ofSeconds(60));
            for (LedgerRequest r : requests) {
                publisher.publish(r, null);
            }
            publisher.flush();
            byte[] unknownId = {0, 0, 0, 0x7f, 0x7f, 2, 'x'};
            raw.send(new ProducerRecord<>(topics.requests().name(), "acct-1".getBytes(StandardCharsets.UTF_8), unknownId)).get();

            List<LedgerResult> results = LedgerServiceIT.readAll(kafka, topics.results().name(), serdes.results().deserializer(), 3);
            assertThat(results).extracting(LedgerResult::getRequestId).containsExactly("open-1", "credit-1", "charge-1");
            assertThat(results).allSatisfy(r -> assertThat(r.getRejectionCode()).isNull());
            List<LedgerEvent> events = LedgerServiceIT.readAll(kafka, topics.events().name(), serdes.events().deserializer(), 3);
            assertThat(events).last().satisfies(e -> assertThat(e.getAvailableAfterMinor()).isEqualTo(12_000L));

            List<byte[]> rawEvents = LedgerServiceIT.readAll(kafka, topics.events().name(), new ByteArrayDeserializer(), 3);
            int eventSchemaId = ByteBuffer.wrap(rawEvents.get(0), 1, 4).getInt();
            assertThat(rawEvents.get(0)[0]).isEqualTo(ConfluentAvroSerde.MAGIC_BYTE);
            registered.accept(eventSchemaId, ConfluentAvroSerde.valueSubject(topics.events().name()));

            var dead = DlqReader.readOne(kafka, topics.requestsDlq().name());
            assertThat(DeadLetters.header(dead.headers(), DeadLetters.REASON)).isEqualTo("UNKNOWN_SCHEMA");
            assertThat(DeadLetters.header(dead.headers(), DeadLetters.DETAIL))
                    .contains("unknown schema id " + 0x7f7f);
            assertThat(dead.value()).isEqualTo(unknownId);
        }
    }

    /** The id of the latest version under {@code subject}, asked of the registry's own REST API. */
    private static int latestId(String registryUrl, String subject) {
        try {
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(registryUrl + "/subjects/" + subject + "/versions/latest")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            return new ObjectMapper().readTree(answer.body()).path("id").asInt();
        } catch (java.io.IOException | InterruptedException e) {
            throw new AssertionError("the registry did not answer for " + subject, e);
        }
    }
}
