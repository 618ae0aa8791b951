package io.tally.ledger.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.LedgerEvent;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.core.Currency;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ledger-service on a real broker: exactly-once appends and idempotency across a restart. */
class LedgerServiceIT {
    private static final int ACCOUNTS = 20;
    private static final int MOVEMENTS_PER_ACCOUNT = 50;

    @TempDir
    Path dir;

    @Test
    void everyRequestIsDecidedOnceAndARestartedServiceRemembersEveryKey() throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        LedgerTopics topics = TopicNames.withPrefix(TestInfrastructure.uniqueName("ls") + ".", 4).in(ValueSerdes.singleObject());
        Map<String, Object> kafka = Map.of("bootstrap.servers", infra.bootstrapServers());
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        String applicationId = TestInfrastructure.uniqueName("ledger");
        List<LedgerRequest> requests = history();
        Map<String, Long> expectedBalance = new HashMap<>();
        for (LedgerRequest r : requests) {
            if (r.getAmountMinor() != null) {
                expectedBalance.merge(r.getAccountId(), r.getAmountMinor(), Long::sum);
            }
        }

        try (LedgerServiceApp app = new LedgerServiceApp(
                new LedgerServiceConfig(kafka, applicationId, dir.resolve("a"), topics, 1), new SimpleMeterRegistry());
                RequestPublisher publisher = new RequestPublisher(kafka, topics)) {
            app.start();
            app.awaitRunning(Duration.ofSeconds(60));
            for (LedgerRequest r : requests) {
                publisher.publish(r, null);
            }
            publisher.flush();
            List<LedgerResult> outcomes = readAll(kafka, topics.results().name(), ValueSerdes.singleObject().results().deserializer(), requests.size());
            assertThat(outcomes).allSatisfy(o -> assertThat(o.getRejectionCode()).isNull());
        }

        // A new instance with an empty state directory restores its stores from the changelogs;
        // the same requests sent again (new request ids, same keys) append nothing.
        try (LedgerServiceApp app = new LedgerServiceApp(
                new LedgerServiceConfig(kafka, applicationId, dir.resolve("b"), topics, 1), new SimpleMeterRegistry());
                RequestPublisher publisher = new RequestPublisher(kafka, topics)) {
            app.start();
            app.awaitRunning(Duration.ofSeconds(60));
            for (LedgerRequest r : requests) {
                publisher.publish(LedgerRequest.newBuilder(r).setRequestId(r.getRequestId() + "-again").build(), null);
            }
            publisher.flush();
            List<LedgerResult> outcomes = readAll(kafka, topics.results().name(), ValueSerdes.singleObject().results().deserializer(), 2 * requests.size());
            List<LedgerResult> retries = outcomes.stream().filter(o -> o.getRequestId().endsWith("-again")).toList();
            assertThat(retries).hasSize(requests.size()).allSatisfy(o -> assertThat(o.getReplayed()).isTrue());
        }

        List<LedgerEvent> events = readAll(kafka, topics.events().name(), ValueSerdes.singleObject().events().deserializer(), requests.size());
        assertThat(events).hasSize(requests.size());
        Map<String, List<Long>> versions = new HashMap<>();
        Map<String, Long> lastAvailable = new HashMap<>();
        for (LedgerEvent e : events) {
            versions.computeIfAbsent(e.getAccountId(), k -> new ArrayList<>()).add(e.getVersion());
            lastAvailable.put(e.getAccountId(), e.getAvailableAfterMinor());
        }
        for (int a = 0; a < ACCOUNTS; a++) {
            String account = "acct-" + a;
            assertThat(versions.get(account)).as(account).hasSize(1 + MOVEMENTS_PER_ACCOUNT).isSorted().doesNotHaveDuplicates();
            assertThat(lastAvailable.get(account)).as(account).isEqualTo(expectedBalance.get(account));
        }
    }

    /** Per account: an opening, then credits of 1..50 CZK, interleaved across accounts. */
    private static List<LedgerRequest> history() {
        List<LedgerRequest> requests = new ArrayList<>();
        for (int a = 0; a < ACCOUNTS; a++) {
            requests.add(RequestCodec.openAccount(UUID.randomUUID().toString(), "open", "acct-" + a, new Currency("CZK", 2), 0, 0));
        }
        for (int m = 1; m <= MOVEMENTS_PER_ACCOUNT; m++) {
            for (int a = 0; a < ACCOUNTS; a++) {
                requests.add(RequestCodec.credit(UUID.randomUUID().toString(), "credit-" + m, "acct-" + a, "CZK",
                        m * 100L, 0, null));
            }
        }
        return requests;
    }

    /** Reads {@code expected} committed records from the start of {@code topic} (up to 60 s). */
    static <V> List<V> readAll(Map<String, Object> kafka, String topic, Deserializer<V> values, int expected) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<V> out = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, new StringDeserializer(), values)) {
            consumer.subscribe(Set.of(topic));
            long deadline = System.currentTimeMillis() + 60_000;
            while (out.size() < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
            }
            // Anything beyond the expected count would be a duplicate: give it a moment to show up.
            for (int i = 0; i < 5; i++) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
            }
        }
        return out;
    }
}
