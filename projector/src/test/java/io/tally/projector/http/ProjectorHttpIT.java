package io.tally.projector.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.LedgerEvent;
import io.tally.core.Currency;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.platform.http.Tokens;
import io.tally.projector.Eventually;
import io.tally.projector.LedgerHistory;
import io.tally.projector.kafka.ProjectorApp;
import io.tally.projector.kafka.ProjectorConfig;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two projector instances of one application, each with its own state directory and HTTP port, on
 * the real broker: each answers every account, forwarding to the other for the accounts it does not
 * host; when one leaves, the other answers 503 or the right balance, never a wrong one.
 */
class ProjectorHttpIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Currency CZK = new Currency("CZK", 2);
    private static final String READER = "reader-token";
    private static final String WRITER = "writer-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ACCOUNTS = 8;

    private final TestInfrastructure infra = TestInfrastructure.get();
    private final LedgerHistory history = new LedgerHistory();
    private final HttpClient http = HttpClient.newHttpClient();
    private LedgerTopics topics;
    private String applicationId;
    private KafkaProducer<String, LedgerEvent> producer;

    @BeforeEach
    void setUp() throws Exception {
        topics = TopicNames.withPrefix(TestInfrastructure.uniqueName("projector-http") + ".", 4).in(ValueSerdes.singleObject());
        applicationId = TestInfrastructure.uniqueName("projector-http-app");
        Map<String, Object> kafka = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
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
    void eachInstanceAnswersTheOthersAccounts(@TempDir Path stateDirOne, @TempDir Path stateDirTwo) throws Exception {
        Map<String, Long> expectedAvailable = new HashMap<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            String account = "acct-" + i;
            history.open(account, CZK);
            history.credit(account, 1_000L * (i + 1));
            expectedAvailable.put(account, 1_000L * (i + 1));
        }
        LedgerEvent placed = history.placeHold("acct-0", "ride-42", 400, 1_900_000_000_000L);
        history.capture("acct-0", "ride-42", 150);
        expectedAvailable.put("acct-0", 600L);
        send(history.events());

        SimpleMeterRegistry metricsOne = new SimpleMeterRegistry();
        SimpleMeterRegistry metricsTwo = new SimpleMeterRegistry();
        Instance one = Instance.start(config(stateDirOne), metricsOne);
        Instance two = Instance.start(config(stateDirTwo), metricsTwo);
        try (one; two) {
            Eventually.await("both instances run and host some accounts each", TIMEOUT, () -> {
                if (!one.isRunning() || !two.isRunning()) {
                    return false;
                }
                long hostedByOne = expectedAvailable.keySet().stream()
                        .filter(a -> one.self.equals(one.app.ownerOf(a).activeHost())).count();
                long hostedByTwo = expectedAvailable.keySet().stream()
                        .filter(a -> two.self.equals(one.app.ownerOf(a).activeHost())).count();
                return hostedByOne > 0 && hostedByTwo > 0 && hostedByOne + hostedByTwo == ACCOUNTS;
            });

            for (String account : expectedAvailable.keySet()) {
                for (Instance instance : List.of(one, two)) {
                    JsonNode balance = awaitOk(instance, "/v1/accounts/" + account + "/balance?minVersion="
                            + (account.equals("acct-0") ? 4 : 2));
                    assertThat(balance.get("accountId").asText()).isEqualTo(account);
                    assertThat(balance.get("availableMinor").asLong()).as(account + " on " + instance.self)
                            .isEqualTo(expectedAvailable.get(account));
                    assertThat(balance.get("flagged").asBoolean()).isFalse();
                }
            }
            assertThat(metricsOne.counter("tally.projector.http.requests", "route", "forwarded").count())
                    .as("instance one forwarded the accounts instance two hosts").isPositive();
            assertThat(metricsTwo.counter("tally.projector.http.requests", "route", "forwarded").count())
                    .as("instance two forwarded the accounts instance one hosts").isPositive();

            for (Instance instance : List.of(one, two)) {
                JsonNode hold = awaitOk(instance, "/v1/holds/ride-42?accountId=acct-0");
                assertThat(hold.get("remainingMinor").asLong()).isEqualTo(250);
                assertThat(hold.get("capturedMinor").asLong()).isEqualTo(150);
                assertThat(hold.get("status").asText()).isEqualTo("OPEN");
                assertThat(hold.get("expiresAt").asText()).isEqualTo("2030-03-17T17:46:40Z");
                JsonNode holds = awaitOk(instance, "/v1/accounts/acct-0/holds");
                assertThat(holds.get("holds")).hasSize(1);
                assertThat(holds.get("holds").get(0).get("holdId").asText()).isEqualTo("ride-42");
                JsonNode before = awaitOk(instance, "/v1/accounts/acct-0/balance?asOf="
                        + Instant.ofEpochMilli(placed.getAcceptedAtMs() - 1));
                assertThat(before.get("availableMinor").asLong()).as("before the hold").isEqualTo(1_000);
                assertThat(before.get("version").asLong()).isEqualTo(2);
                assertError(get(instance, "/v1/holds/nope?accountId=acct-0", READER), 404, "NOT_FOUND");
                assertError(get(instance, "/v1/accounts/acct-9/balance", READER), 404, "NOT_FOUND");
                assertError(get(instance, "/v1/accounts/acct-0/balance", null), 401, "UNAUTHORIZED");
                assertError(get(instance, "/v1/accounts/acct-0/balance", "wrong"), 401, "UNAUTHORIZED");
                assertError(get(instance, "/v1/accounts/acct-0/balance", WRITER), 403, "FORBIDDEN");
                assertError(get(instance, "/v1/accounts/acct-0/balance?asOf=yesterday", READER), 400, "INVALID_REQUEST", "asOf");
                assertError(get(instance, "/v1/accounts/acct-0/balance?minVersion=x&asOf=y", READER), 400, "INVALID_REQUEST",
                        "minVersion", "asOf");
            }

            // Read-your-writes: a write the projector has not seen yet is waited for, on either instance.
            LedgerEvent credit = history.credit("acct-1", 5);
            Instance notOwner = one.self.equals(one.app.ownerOf("acct-1").activeHost()) ? two : one;
            send(List.of(credit));
            HttpResponse<String> read = get(notOwner, "/v1/accounts/acct-1/balance?minVersion=3", READER);
            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(read.body()).get("availableMinor").asLong()).isEqualTo(2_005);

            // One instance leaves: the other answers 503 or the right balance while it takes over, then
            // every account.
            expectedAvailable.put("acct-1", 2_005L);
            two.close();
            Eventually.await("instance one answers every account alone", TIMEOUT, () -> {
                boolean all = true;
                for (String account : expectedAvailable.keySet()) {
                    HttpResponse<String> r = get(one, "/v1/accounts/" + account + "/balance", READER);
                    if (r.statusCode() == 200) {
                        assertThat(read(r).get("availableMinor").asLong()).as(account)
                                .isEqualTo(expectedAvailable.get(account));
                    } else {
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                        assertThat(r.headers().firstValue("Retry-After")).isPresent();
                        all = false;
                    }
                }
                return all;
            });
        }
    }

    @Test
    void aProjectorThatIsNotRunningAnswers503(@TempDir Path stateDir) throws Exception {
        try (Idle idle = Idle.start(config(stateDir))) {
            ProjectorHttpApi api = idle.api();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + api.port() + "/v1/accounts/a/balance")).header("Authorization", "Bearer " + READER)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(read(r).get("message").asText()).contains("CREATED");
            assertError(r, 503, "UNAVAILABLE");
        }
    }

    /**
     * Ids outside the core's grammar are a 400 naming the parameter, answered before any routing (so
     * even by a projector that is not running, and never forwarded); the HTTP layer's own errors are
     * in the one shape too.
     */
    @Test
    void malformedIdsAreRefusedByNameBeforeAnyRouting(@TempDir Path stateDir) throws Exception {
        try (Idle idle = Idle.start(config(stateDir))) {
            ProjectorHttpApi api = idle.api();
            String base = "http://127.0.0.1:" + api.port();
            for (String[] c : new String[][] {
                {"/v1/accounts/a%2Fb/balance", "accountId"}, {"/v1/accounts/%2E%2E/balance", "accountId"},
                {"/v1/accounts/" + "a".repeat(5_000) + "/balance", "accountId"}, {"/v1/accounts/a%0Ab/holds", "accountId"},
                {"/v1/accounts/caf%C3%A9/holds?open=true", "accountId"}, {"/v1/holds/h1", "accountId"},
                {"/v1/holds/h1?accountId=a%20b", "accountId"}, {"/v1/holds/h1?accountId=a&accountId=b", "accountId"},
                {"/v1/holds/h%2F1?accountId=a", "holdId"}, {"/v1/holds/-h?accountId=a", "holdId"}}) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + c[0]))
                        .header("Authorization", "Bearer " + READER).build(), HttpResponse.BodyHandlers.ofString());
                assertError(r, 400, "INVALID_REQUEST", c[1]);
            }
            HttpResponse<String> both = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/holds/-h?accountId=.."))
                    .header("Authorization", "Bearer " + READER).build(), HttpResponse.BodyHandlers.ofString());
            assertError(both, 400, "INVALID_REQUEST", "holdId", "accountId");
            assertError(http.send(HttpRequest.newBuilder(URI.create(base + "/v1/accounts/a%2Fb/balance")).build(),
                    HttpResponse.BodyHandlers.ofString()), 401, "UNAUTHORIZED");
            assertError(http.send(HttpRequest.newBuilder(URI.create(base + "/v1/nowhere")).build(),
                    HttpResponse.BodyHandlers.ofString()), 404, "NOT_FOUND");
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/accounts/a/balance"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertError(post, 405, "METHOD_NOT_ALLOWED");
            assertThat(post.headers().firstValue("Allow")).hasValue("GET");
        }
    }

    /** A projector that is built and never started, and its HTTP API on a free port. */
    private record Idle(ProjectorApp app, ProjectorHttpApi api) implements AutoCloseable {
        static Idle start(ProjectorConfig config) {
            ProjectorApp app = new ProjectorApp(config, new SimpleMeterRegistry());
            return new Idle(app, new ProjectorHttpApi(app, HostInfo.buildFromEndpoint(
                    (String) config.kafkaProperties().get(StreamsConfig.APPLICATION_SERVER_CONFIG)),
                    TOKENS, Duration.ofSeconds(1), new SimpleMeterRegistry()).start("127.0.0.1", 0));
        }

        @Override
        public void close() {
            api.close();
            app.close();
        }
    }

    /** {@code response} is {@code status} with the one error shape, {@code code}, and exactly {@code fields} named. */
    private static void assertError(HttpResponse<String> response, int status, String code, String... fields) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = read(response);
        assertThat(body.path("code").asText()).as(response.body()).isEqualTo(code);
        assertThat(body.path("message").asText()).as(response.body()).isNotBlank();
        assertThat(body.path("fields").isArray()).as(response.body()).isTrue();
        assertThat(body.get("fields").findValuesAsText("field")).as(response.body()).containsExactly(fields);
    }

    /** {@link #READER} may read; {@link #WRITER} is known but may only write; any other token is unknown. */
    static final Tokens TOKENS = Tokens.parse(List.of(Tokens.hash(READER) + ":read:reader",
            Tokens.hash(WRITER) + ":write:writer"));

    private ProjectorConfig config(Path stateDir) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        return new ProjectorConfig(Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers(),
                StreamsConfig.APPLICATION_SERVER_CONFIG, "127.0.0.1:" + port,
                // Commit (and so make store writes visible to a new owner) often: the test is short.
                StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100),
                applicationId, stateDir, topics, 1);
    }

    /** One projector instance and its HTTP API on the port its {@code application.server} names. */
    private record Instance(ProjectorApp app, ProjectorHttpApi api, HostInfo self) implements AutoCloseable {
        static Instance start(ProjectorConfig config, SimpleMeterRegistry metrics) {
            HostInfo self = HostInfo.buildFromEndpoint(
                    (String) config.kafkaProperties().get(StreamsConfig.APPLICATION_SERVER_CONFIG));
            ProjectorApp app = new ProjectorApp(config, metrics);
            ProjectorHttpApi api = new ProjectorHttpApi(app, self, TOKENS, Duration.ofSeconds(20), metrics)
                    .start(self.host(), self.port());
            app.start();
            return new Instance(app, api, self);
        }

        boolean isRunning() {
            return app.state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING;
        }

        @Override
        public void close() {
            api.close();
            app.close();
        }
    }

    private JsonNode awaitOk(Instance instance, String path) throws Exception {
        long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            HttpResponse<String> r = get(instance, path, READER);
            if (r.statusCode() == 200) {
                return read(r);
            }
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(503);
            assertThat(System.nanoTime() - deadlineNs).as(path + " still 503: " + r.body()).isNegative();
            Thread.sleep(100);
        }
    }

    private HttpResponse<String> get(Instance instance, String path, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://" + instance.self.host() + ":" + instance.self.port() + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode read(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void send(List<LedgerEvent> events) throws Exception {
        for (LedgerEvent e : events) {
            producer.send(new ProducerRecord<>(topics.events().name(), e.getAccountId(), e)).get();
        }
    }
}
