package io.tally.ledger.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.avro.LedgerEvent;
import io.tally.schemas.ValueSerdes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API on a real broker: auth, status codes, and the concurrency guarantees users rely on. */
class LedgerHttpIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WRITER = LedgerHttpFixture.WRITER;
    private static final String READER = LedgerHttpFixture.READER;

    @TempDir
    static Path dir;

    private static LedgerHttpFixture fixture;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        fixture = LedgerHttpFixture.start(dir);
        http = fixture.http;
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    private static HttpResponse<String> post(String path, String key, String token, String body) throws Exception {
        return fixture.post(path, key, token, body);
    }

    private static CompletableFuture<HttpResponse<String>> postAsync(String path, String key, String body) {
        return http.sendAsync(fixture.to(path).header("Content-Type", "application/json")
                .header(LedgerHttpApi.IDEMPOTENCY_KEY, key).header("Authorization", "Bearer " + WRITER)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void open(String account, long creditMinor) throws Exception {
        assertThat(post("/v1/accounts", "open-" + account, WRITER,
                "{\"accountId\":\"" + account + "\",\"currency\":\"CZK\",\"scale\":2}").statusCode()).isEqualTo(201);
        if (creditMinor > 0) {
            assertThat(post("/v1/accounts/" + account + "/credits", "fund-" + account, WRITER,
                    "{\"amountMinor\":" + creditMinor + ",\"currency\":\"CZK\"}").statusCode()).isEqualTo(201);
        }
    }

    @Test
    void statusCodesSayWhatHappened() throws Exception {
        String account = "codes-" + UUID.randomUUID();
        assertThat(post("/v1/accounts", "k", null, "{}").statusCode()).isEqualTo(401);
        assertThat(post("/v1/accounts", "k", "wrong", "{}").statusCode()).isEqualTo(401);
        assertThat(post("/v1/accounts", "k", READER, "{}").statusCode()).isEqualTo(403);
        HttpResponse<String> invalid = post("/v1/accounts/" + account + "/charges", "k", WRITER,
                "{\"amountMinor\": 1.5, \"currency\": \"czk\"}");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(invalid.body()).get("fields").findValuesAsText("field")).containsExactly("amountMinor", "currency");
        assertThat(post("/v1/accounts/" + account + "/charges", null, WRITER, "{}").statusCode()).isEqualTo(400);

        open(account, 1_000);
        HttpResponse<String> charged = post("/v1/accounts/" + account + "/charges", "c1", WRITER,
                "{\"amountMinor\":300,\"currency\":\"CZK\"}");
        assertThat(charged.statusCode()).isEqualTo(201);
        JsonNode body = JSON.readTree(charged.body());
        assertThat(body.get("availableMinor").asLong()).isEqualTo(700);
        assertThat(post("/v1/accounts/" + account + "/charges", "c1", WRITER,
                "{\"amountMinor\":300,\"currency\":\"CZK\"}").statusCode()).isEqualTo(200);
        assertThat(post("/v1/accounts/" + account + "/charges", "c1", WRITER,
                "{\"amountMinor\":301,\"currency\":\"CZK\"}").statusCode()).isEqualTo(409);
        HttpResponse<String> refused = post("/v1/accounts/" + account + "/charges", "c2", WRITER,
                "{\"amountMinor\":701,\"currency\":\"CZK\"}");
        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(refused.body()).get("code").asText()).isEqualTo("INSUFFICIENT_FUNDS");
        String requestId = body.get("requestId").asText();
        HttpResponse<String> status = http.send(fixture.to("/v1/requests/" + requestId)
                .header("Authorization", "Bearer " + READER).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(status.body()).get("eventIds").get(0).asText()).isEqualTo(body.get("eventIds").get(0).asText());
    }

    @Test
    void aThousandConcurrentChargesNeverOverdrawAndExactlyFiveHundredAreAccepted() throws Exception {
        String account = "race-" + UUID.randomUUID();
        open(account, 50_000);
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            calls.add(postAsync("/v1/accounts/" + account + "/charges", "charge-" + i, "{\"amountMinor\":100,\"currency\":\"CZK\"}"));
        }
        Map<Integer, Integer> byStatus = new HashMap<>();
        long lowest = Long.MAX_VALUE;
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> r = call.get();
            byStatus.merge(r.statusCode(), 1, Integer::sum);
            if (r.statusCode() == 201) {
                lowest = Math.min(lowest, JSON.readTree(r.body()).get("availableMinor").asLong());
            } else {
                assertThat(JSON.readTree(r.body()).get("code").asText()).isEqualTo("INSUFFICIENT_FUNDS");
            }
        }
        assertThat(byStatus).containsEntry(201, 500).containsEntry(422, 500);
        assertThat(lowest).isZero();
    }

    @Test
    void theSameKeySentAHundredTimesInParallelAppendsOneEvent() throws Exception {
        String account = "dup-" + UUID.randomUUID();
        open(account, 10_000);
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            calls.add(postAsync("/v1/accounts/" + account + "/charges", "once", "{\"amountMinor\":250,\"currency\":\"CZK\"}"));
        }
        Set<String> eventIds = new java.util.HashSet<>();
        Map<Integer, Integer> byStatus = new HashMap<>();
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> r = call.get();
            byStatus.merge(r.statusCode(), 1, Integer::sum);
            eventIds.add(JSON.readTree(r.body()).get("eventIds").get(0).asText());
        }
        assertThat(byStatus).containsEntry(201, 1).containsEntry(200, 99);
        assertThat(eventIds).hasSize(1);
        assertThat(eventsOf(account)).hasSize(3); // opened, funded, charged once
    }

    @Test
    void aCaptureThatPaysAnAccountOnAnotherPartitionMovesTheMoneyExactlyOnce() throws Exception {
        String buyer = "buyer-" + UUID.randomUUID();
        String merchant = onAnotherPartitionThan(buyer);
        open(buyer, 10_000);
        open(merchant, 0);
        assertThat(post("/v1/accounts/" + buyer + "/holds", "hold", WRITER,
                "{\"holdId\":\"order-1\",\"amountMinor\":6000,\"currency\":\"CZK\"}").statusCode()).isEqualTo(201);
        for (int i = 0; i < 3; i++) { // a retried capture is the same capture
            assertThat(post("/v1/holds/order-1/captures", "capture", WRITER, "{\"accountId\":\"" + buyer
                    + "\",\"amountMinor\":4000,\"currency\":\"CZK\",\"payeeAccountId\":\"" + merchant + "\"}").statusCode())
                    .isIn(200, 201);
        }
        List<LedgerEvent> merchantEvents = eventsOf(merchant);
        assertThat(merchantEvents).extracting(e -> e.getType().name()).containsExactly("ACCOUNT_OPENED", "TRANSFER_RECEIVED");
        assertThat(merchantEvents.get(1).getAvailableAfterMinor()).isEqualTo(4_000L);
        List<LedgerEvent> buyerEvents = eventsOf(buyer);
        assertThat(buyerEvents.get(buyerEvents.size() - 1).getLockedAfterMinor()).isEqualTo(2_000L);
        assertThat(buyerEvents.get(buyerEvents.size() - 1).getAvailableAfterMinor()).isEqualTo(4_000L);
    }

    @Test
    void healthMetricsAndTheOpenApiDocumentAreServed() throws Exception {
        String base = "http://127.0.0.1:" + fixture.port();
        for (String health : List.of("/health", "/health/live", "/health/ready")) {
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + health)).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).as(health).isEqualTo(200);
        }
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                .body()).contains("tally_ledger_decide_seconds", "kafka_consumer_fetch_manager_records_lag");
        JsonNode openApi = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/openapi.json")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(openApi.get("paths").has("/v1/holds/{holdId}/captures")).isTrue();
    }

    /** An account id whose records land on another of the 4 partitions than {@code account}'s. */
    private static String onAnotherPartitionThan(String account) {
        int theirs = partitionOf(account);
        for (int i = 0; ; i++) {
            String candidate = "merchant-" + i + "-" + UUID.randomUUID();
            if (partitionOf(candidate) != theirs) {
                return candidate;
            }
        }
    }

    /** The default partitioner's choice for a String key over 4 partitions. */
    private static int partitionOf(String key) {
        return org.apache.kafka.common.utils.Utils.toPositive(
                org.apache.kafka.common.utils.Utils.murmur2(key.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % 4;
    }

    /** Every committed event of {@code account}, read from ledger.events (waits for the payee side). */
    private static List<LedgerEvent> eventsOf(String account) throws InterruptedException {
        Map<String, Object> config = new HashMap<>(fixture.kafka);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "check-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<LedgerEvent> out = new ArrayList<>();
        try (KafkaConsumer<String, LedgerEvent> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                ValueSerdes.singleObject().events().deserializer())) {
            consumer.subscribe(Set.of(fixture.topics.events().name()));
            long quietSince = System.currentTimeMillis();
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline && System.currentTimeMillis() - quietSince < 3_000) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    quietSince = System.currentTimeMillis();
                }
                records.forEach(r -> {
                    if (r.key().equals(account)) {
                        out.add(r.value());
                    }
                });
            }
        }
        return out;
    }
}
