package io.tally.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.avro.LedgerResult;
import io.tally.core.Currency;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.ledger.kafka.RequestPublisher;
import io.tally.platform.http.Tokens;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./tally serve ledger|projector} against a real broker and PostgreSQL, configured only by
 * environment variables: the topic check, health, and a graceful stop (what SIGTERM triggers).
 */
class ServeCommandIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path stateDir;

    private final TestInfrastructure infra = TestInfrastructure.get();
    private final StringWriter err = new StringWriter();

    private Map<String, String> env(String prefix, int partitions) {
        Map<String, String> env = new HashMap<>();
        env.put(ServiceEnvironment.BOOTSTRAP_SERVERS, infra.bootstrapServers());
        env.put(ServiceEnvironment.TOPIC_PREFIX, prefix);
        env.put(ServiceEnvironment.PARTITIONS, Integer.toString(partitions));
        env.put(ServiceEnvironment.REPLICATION_FACTOR, "1");
        env.put(ServiceEnvironment.STATE_DIR, stateDir.toString());
        env.put(ServiceEnvironment.HEALTH_PORT, "0");
        env.put(ServiceEnvironment.APPLICATION_ID, prefix + "app");
        return env;
    }

    private int run(ServiceCommand command, Map<String, String> env, String... args) {
        command.environment = env;
        return new CommandLine(command).setErr(new PrintWriter(err, true)).execute(args);
    }

    @Test
    void missingTopicsAreNamedAndTheServiceExitsWithoutStarting() {
        String prefix = TestInfrastructure.uniqueName("missing") + ".";
        int code = run(new ServeLedgerCommand(), env(prefix, 2));
        assertThat(code).isEqualTo(ServiceCommand.EXIT_TOPICS);
        assertThat(err.toString()).contains("topic " + prefix + "ledger.requests is missing", "--create-topics");
    }

    @Test
    void topicsWithAnotherPartitionCountOrCleanupPolicyAreRefused() throws Exception {
        String prefix = TestInfrastructure.uniqueName("wrong") + ".";
        LedgerTopics two = TopicNames.withPrefix(prefix, 2).in(ValueSerdes.singleObject());
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            TopicAdmin.ensure(admin, two.specs(), (short) 1);
        }
        int code = run(new ServeProjectorCommand(), env(prefix, 3), "--create-topics");
        assertThat(code).isEqualTo(ServiceCommand.EXIT_TOPICS);
        assertThat(err.toString()).contains("topic " + prefix + "ledger.events has 2 partitions, tally expects 3");
    }

    @Test
    void theLedgerServesWithCreatedTopicsReportsHealthAndStopsGracefully() throws Exception {
        String prefix = TestInfrastructure.uniqueName("serve") + ".";
        ServeLedgerCommand command = new ServeLedgerCommand();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> run(command, env(prefix, 2), "--create-topics"));
        awaitHealthy(command, exit);

        LedgerTopics topics = TopicNames.withPrefix(prefix, 2).in(ValueSerdes.singleObject());
        Map<String, Object> kafka = Map.of("bootstrap.servers", infra.bootstrapServers());
        try (RequestPublisher publisher = new RequestPublisher(kafka, topics)) {
            publisher.publish(RequestCodec.openAccount("open-1", "k", "acct-1", new Currency("CZK", 2), 0, 0), null).get();
        }
        assertThat(readResults(kafka, topics)).extracting(LedgerResult::getRequestId).containsExactly("open-1");

        int port = command.healthPort();
        command.requestStop();
        assertThat(exit.get(90, TimeUnit.SECONDS)).isZero();
        assertThat(err.toString()).isEmpty();
        assertThat(reachable(port)).as("health endpoint closed").isFalse();
    }

    @Test
    void theProjectorServesAgainstPostgresAndStopsGracefully() throws Exception {
        String prefix = TestInfrastructure.uniqueName("serve-projector") + ".";
        Map<String, String> env = env(prefix, 2);
        env.put(ServiceEnvironment.JDBC_URL, infra.newDatabase("serve_projector"));
        ServeProjectorCommand command = new ServeProjectorCommand();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> run(command, env, "--create-topics"));
        awaitHealthy(command, exit);
        command.requestStop();
        assertThat(exit.get(90, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void theProjectorWithoutAJdbcUrlSaysSo() {
        String prefix = TestInfrastructure.uniqueName("nojdbc") + ".";
        int code = run(new ServeProjectorCommand(), env(prefix, 1), "--create-topics");
        assertThat(code).isEqualTo(ServiceCommand.EXIT_FAILED);
        assertThat(err.toString()).contains(ServiceEnvironment.JDBC_URL);
    }

    /**
     * The production shape (issue 20, item 2): two ledger-service instances and two projector instances,
     * each serving its own API. Writes go to either ledger instance, and each answers {@code GET
     * /v1/requests/{id}} for requests the other one took. Either projector instance answers every account,
     * forwarding those the other owns.
     */
    @Test
    void twoInstancesOfEachServiceEachServeTheirApiAndAnswerForEveryAccount() throws Exception {
        String prefix = TestInfrastructure.uniqueName("serve-apis") + ".";
        String token = Tokens.generate();
        Path tokens = stateDir.resolve("tokens");
        Files.writeString(tokens, Tokens.hash(token) + ":write,read:it\n");
        String database = infra.newDatabase("serve_apis");
        List<ServiceCommand> commands = new ArrayList<>();
        List<CompletableFuture<Integer>> exits = new ArrayList<>();
        try {
            for (String instance : List.of("ledger-a", "ledger-b", "projector-a", "projector-b")) {
                Map<String, String> env = env(prefix, 4);
                env.put(ServiceEnvironment.STATE_DIR, stateDir.resolve(instance).toString());
                env.put(ServiceEnvironment.TOKENS_FILE, tokens.toString());
                env.remove(ServiceEnvironment.APPLICATION_ID); // one group per service, shared by its instances
                ServiceCommand command;
                if (instance.startsWith("ledger")) {
                    command = new ServeLedgerCommand();
                    env.put(ServiceEnvironment.HTTP_PORT, "0");
                } else {
                    command = new ServeProjectorCommand();
                    env.put(ServiceEnvironment.HTTP_PORT, Integer.toString(freePort()));
                    env.put(ServiceEnvironment.JDBC_URL, database);
                }
                commands.add(command);
                exits.add(CompletableFuture.supplyAsync(() -> run(command, env, "--create-topics")));
                awaitHealthy(command, exits.get(exits.size() - 1));
            }
            int ledgerA = commands.get(0).apiPort();
            int ledgerB = commands.get(1).apiPort();
            assertThat(List.of(ledgerA, ledgerB)).allMatch(p -> p > 0).doesNotHaveDuplicates();
            List<String> accounts = List.of("acct-0", "acct-1", "acct-2", "acct-3", "acct-4", "acct-5", "acct-6", "acct-7");
            for (int i = 0; i < accounts.size(); i++) {
                String a = accounts.get(i);
                HttpResponse<String> open = post(i % 2 == 0 ? ledgerA : ledgerB, token, "/v1/accounts", "open-" + a,
                        "{\"accountId\":\"" + a + "\",\"currency\":\"CZK\",\"scale\":2,\"overdraftLimitMinor\":0}");
                assertThat(open.statusCode()).as("open %s: %s", a, open.body()).isEqualTo(201);
                HttpResponse<String> credit = post(i % 2 == 0 ? ledgerB : ledgerA, token, "/v1/accounts/" + a + "/credits",
                        "credit-" + a, "{\"amountMinor\":" + (100 + i) + ",\"currency\":\"CZK\"}");
                assertThat(credit.statusCode()).as("credit %s: %s", a, credit.body()).isEqualTo(201);
                String requestId = requestId(credit.body());
                int other = i % 2 == 0 ? ledgerA : ledgerB;
                HttpResponse<String> status = get(other, token, "/v1/requests/" + requestId);
                assertThat(status.statusCode()).as("the other ledger instance knows %s: %s", requestId, status.body())
                        .isEqualTo(200);
                assertThat(status.body()).contains(requestId);
            }
            for (ServiceCommand projector : commands.subList(2, 4)) {
                for (int i = 0; i < accounts.size(); i++) {
                    HttpResponse<String> balance = get(projector.apiPort(), token,
                            "/v1/accounts/" + accounts.get(i) + "/balance?minVersion=2");
                    assertThat(balance.statusCode()).as("%s on :%d: %s", accounts.get(i), projector.apiPort(), balance.body())
                            .isEqualTo(200);
                    assertThat(balance.body()).contains("\"availableMinor\":" + (100 + i));
                }
            }
            double forwarded = 0;
            for (ServiceCommand projector : commands.subList(2, 4)) {
                forwarded += forwardedReads(get(projector.apiPort(), token, "/metrics").body());
            }
            assertThat(forwarded).as("reads forwarded to the instance owning the account").isPositive();
        } finally {
            commands.forEach(ServiceCommand::requestStop);
            for (CompletableFuture<Integer> exit : exits) {
                assertThat(exit.get(120, TimeUnit.SECONDS)).isZero();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static HttpResponse<String> post(int port, String token, String path, String key, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(int port, String token, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String requestId(String body) {
        Matcher m = Pattern.compile("\"requestId\":\"([^\"]+)\"").matcher(body);
        assertThat(m.find()).as("a requestId in %s", body).isTrue();
        return m.group(1);
    }

    /** The {@code tally_projector_http_requests_total{route="forwarded"}} count in a Prometheus text. */
    private static double forwardedReads(String metrics) {
        return metrics.lines().filter(l -> l.startsWith("tally_projector_http_requests") && l.contains("route=\"forwarded\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static void awaitHealthy(ServiceCommand command, CompletableFuture<Integer> exit) throws Exception {
        long deadline = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < deadline) {
            assertThat(exit).as("the service exited early").isNotDone();
            int port = command.healthPort();
            if (port > 0) {
                HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    assertThat(health.body()).isEqualTo("UP");
                    HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(metrics.statusCode()).isEqualTo(200);
                    return;
                }
                assertThat(health.statusCode()).isEqualTo(503);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not healthy within 90 s");
    }

    private static boolean reachable(int port) {
        try {
            HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static List<LedgerResult> readResults(Map<String, Object> kafka, LedgerTopics topics) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, LedgerResult> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                ValueSerdes.singleObject().results().deserializer())) {
            consumer.subscribe(Set.of(topics.results().name()));
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    return java.util.stream.StreamSupport.stream(records.spliterator(), false).map(r -> r.value()).toList();
                }
            }
        }
        return List.of();
    }
}
