package io.tally.ledger.http;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.ledger.kafka.LedgerServiceApp;
import io.tally.ledger.kafka.LedgerServiceConfig;
import io.tally.ledger.kafka.RequestPublisher;
import io.tally.platform.http.Tokens;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;

/**
 * ledger-service and its HTTP API on the real (embedded) broker, as {@code ./tally serve} wires them,
 * with topics of its own: the fixture of the HTTP ITs, one per test class. Tokens: {@link #WRITER}
 * (write, read) and {@link #READER} (read).
 */
final class LedgerHttpFixture {
    static final String WRITER = "writer-token";
    static final String READER = "reader-token";

    final LedgerTopics topics;
    final Map<String, Object> kafka;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final LedgerServiceApp service;
    private final RequestPublisher publisher;
    private final PendingOutcomes outcomes;
    private final LedgerHttpApi api;

    private LedgerHttpFixture(Path dir) throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        topics = TopicNames.withPrefix(TestInfrastructure.uniqueName("http") + ".", 4).in(ValueSerdes.singleObject());
        kafka = Map.of("bootstrap.servers", infra.bootstrapServers());
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        service = new LedgerServiceApp(new LedgerServiceConfig(kafka, TestInfrastructure.uniqueName("ledger"),
                dir.resolve("state"), topics, 1), metrics);
        service.start();
        service.awaitRunning(Duration.ofSeconds(60));
        publisher = new RequestPublisher(kafka, topics);
        outcomes = new PendingOutcomes(kafka, topics, 100_000);
        Tokens tokens = Tokens.parse(List.of(Tokens.hash(WRITER) + ":write,read:checkout", Tokens.hash(READER) + ":read"));
        api = new LedgerHttpApi(publisher, outcomes, tokens, Duration.ofSeconds(20),
                () -> service.state() == KafkaStreams.State.RUNNING, metrics, Clock.systemUTC()).start("127.0.0.1", 0);
    }

    /** Starts the service (state under {@code dir}) and waits until it runs. */
    static LedgerHttpFixture start(Path dir) throws Exception {
        return new LedgerHttpFixture(dir);
    }

    /** The API's port on 127.0.0.1. */
    int port() {
        return api.port();
    }

    /** A request to {@code path} (which may hold percent-escapes, sent as they stand) on the API. */
    HttpRequest.Builder to(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path)).timeout(Duration.ofSeconds(60));
    }

    /** POSTs {@code body} as JSON with an idempotency key and a token (either may be null: not sent). */
    HttpResponse<String> post(String path, String key, String token, String body) throws Exception {
        HttpRequest.Builder b = to(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header(LedgerHttpApi.IDEMPOTENCY_KEY, key);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Stops the API, the outcome reader, the publisher and the service. */
    void close() throws Exception {
        api.close();
        outcomes.close();
        publisher.close();
        service.close();
    }
}
