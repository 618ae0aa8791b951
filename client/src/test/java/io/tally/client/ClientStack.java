package io.tally.client;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.ledger.http.LedgerHttpApi;
import io.tally.ledger.http.PendingOutcomes;
import io.tally.ledger.kafka.LedgerServiceApp;
import io.tally.ledger.kafka.LedgerServiceConfig;
import io.tally.ledger.kafka.RequestPublisher;
import io.tally.platform.http.Tokens;
import io.tally.projector.http.ProjectorHttpApi;
import io.tally.projector.kafka.ProjectorApp;
import io.tally.projector.kafka.ProjectorConfig;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The real stack the client's ITs run against, wired as {@code ./tally serve} wires it, on the embedded broker
 * with topics of its own: ledger-service and its HTTP API (outcome wait 20 s), a second HTTP API on the same
 * service whose wait is 1 ms (so every write answers 202 and the client must follow it up), the projector and its
 * read API, and a {@link FlakyFront} that answers a write's first attempt 503 before passing the rest on.
 */
final class ClientStack implements AutoCloseable {
    static final String TOKEN = "client-token";

    final LedgerTopics topics;
    final Map<String, Object> kafka;
    final LedgerHttpApi ledgerHttp;
    final LedgerHttpApi impatientHttp;
    final ProjectorHttpApi projectorHttp;
    final FlakyFront flaky;
    private final LedgerServiceApp ledger;
    private final RequestPublisher publisher;
    private final PendingOutcomes outcomes;
    private final ProjectorApp projector;

    ClientStack(Path dir) throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        topics = TopicNames.withPrefix(TestInfrastructure.uniqueName("client") + ".", 4).in(ValueSerdes.singleObject());
        kafka = Map.of("bootstrap.servers", infra.bootstrapServers());
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ledger = new LedgerServiceApp(new LedgerServiceConfig(kafka, TestInfrastructure.uniqueName("ledger"),
                dir.resolve("ledger"), topics, 1), metrics);
        ledger.start();
        publisher = new RequestPublisher(kafka, topics);
        outcomes = new PendingOutcomes(kafka, topics, 100_000);
        Tokens tokens = Tokens.parse(List.of(Tokens.hash(TOKEN) + ":write,read:client"));
        ledgerHttp = new LedgerHttpApi(publisher, outcomes, tokens, Duration.ofSeconds(20),
                () -> ledger.state() == KafkaStreams.State.RUNNING, metrics, Clock.systemUTC()).start("127.0.0.1", 0);
        impatientHttp = new LedgerHttpApi(publisher, outcomes, tokens, Duration.ofMillis(1),
                () -> ledger.state() == KafkaStreams.State.RUNNING, metrics, Clock.systemUTC()).start("127.0.0.1", 0);
        int projectorPort = freePort();
        Map<String, Object> projectorKafka = new HashMap<>(kafka);
        projectorKafka.put(StreamsConfig.APPLICATION_SERVER_CONFIG, "127.0.0.1:" + projectorPort);
        projector = new ProjectorApp(new ProjectorConfig(projectorKafka, TestInfrastructure.uniqueName("projector"),
                dir.resolve("projector"), topics, 1), metrics);
        projector.start();
        projectorHttp = new ProjectorHttpApi(projector, new HostInfo("127.0.0.1", projectorPort), tokens,
                Duration.ofSeconds(20), metrics).start("127.0.0.1", projectorPort);
        ledger.awaitRunning(Duration.ofSeconds(90));
        projector.awaitRunning(Duration.ofSeconds(90));
        flaky = new FlakyFront(ledgerUrl());
    }

    String ledgerUrl() {
        return "http://127.0.0.1:" + ledgerHttp.port();
    }

    String projectorUrl() {
        return "http://127.0.0.1:" + projectorHttp.port();
    }

    /** A client of this stack's ledger at {@code ledgerUrl} and its projector, with the default retry budget. */
    TallyClient client(String ledgerUrl) {
        return TallyClient.builder().ledgerUrl(ledgerUrl).projectorUrl(projectorUrl()).token(TOKEN).build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        flaky.close();
        projectorHttp.close();
        projector.close();
        impatientHttp.close();
        ledgerHttp.close();
        outcomes.close();
        publisher.close();
        ledger.close();
    }

    /**
     * An HTTP front of ledger-service's API that answers the first POST of each idempotency key 503 with
     * {@code Retry-After: 1}, as ledger-service does when Kafka did not take a request, and passes every other
     * request on; it records the idempotency key of each POST it saw.
     */
    static final class FlakyFront implements AutoCloseable {
        final List<String> postedKeys = new CopyOnWriteArrayList<>();
        final AtomicInteger refused = new AtomicInteger();
        private final HttpServer server;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        FlakyFront(String target) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                try (exchange) {
                    String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
                    byte[] body;
                    try (InputStream in = exchange.getRequestBody()) {
                        body = in.readAllBytes();
                    }
                    boolean post = exchange.getRequestMethod().equals("POST");
                    if (post) {
                        boolean first = !postedKeys.contains(key);
                        postedKeys.add(key);
                        if (first) {
                            refused.incrementAndGet();
                            byte[] unavailable = "{\"code\":\"UNAVAILABLE\",\"message\":\"Kafka did not take it\",\"fields\":[]}"
                                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                            exchange.getResponseHeaders().add("Retry-After", "1");
                            exchange.sendResponseHeaders(503, unavailable.length);
                            try (OutputStream out = exchange.getResponseBody()) {
                                out.write(unavailable);
                            }
                            return;
                        }
                    }
                    HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
                            .method(exchange.getRequestMethod(), post ? HttpRequest.BodyPublishers.ofByteArray(body)
                                    : HttpRequest.BodyPublishers.noBody());
                    for (String header : List.of("Authorization", "Content-Type", "Idempotency-Key")) {
                        String value = exchange.getRequestHeaders().getFirst(header);
                        if (value != null) {
                            forward.header(header, value);
                        }
                    }
                    HttpResponse<byte[]> answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(answer.body());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
