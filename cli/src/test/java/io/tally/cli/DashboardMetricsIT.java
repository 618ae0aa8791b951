package io.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.embedded.PostgresServer;
import io.tally.embedded.testing.TestInfrastructure;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard and the alert rules in {@code deploy/} read only metrics that the services really
 * expose: {@code ./tally serve} (ledger-service, the projector and its cache sink, the HTTP API) and
 * {@code ./tally reconcile --metrics-port} run as their own processes, as an operator runs them; after a
 * few writes, a rejection, a dead letter and a reconciliation that finds a planted drift, every metric
 * name a panel or an alert queries is on one of their {@code /metrics}, and the series the panels show
 * carry what happened.
 */
class DashboardMetricsIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern KAFKA_ADDRESS = Pattern.compile("\\n  Kafka +(\\S+)");
    /** The name of a sample line of the Prometheus text format: up to its labels or its value. */
    private static final Pattern SAMPLE_NAME = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", Pattern.MULTILINE);
    /** Kafka Streams' RocksDB metrics reach Micrometer on its binder's next refresh, within 60 s. */
    private static final long METRICS_DEADLINE_MS = 180_000;

    @TempDir
    Path dir;

    @Test
    void everyMetricTheDashboardAndTheAlertsQueryIsOnTheServicesMetrics() throws Exception {
        String jdbcUrl = TestInfrastructure.get().newDatabase("dashboard");
        int apiPort = freePort();
        int reconcilerPort = freePort();
        List<Process> processes = new ArrayList<>();
        try {
            Path serveLog = dir.resolve("serve.log");
            processes.add(tally(serveLog, "serve", "--data-dir", dir.resolve("serve").toString(), "--jdbc-url", jdbcUrl,
                    "--port", Integer.toString(apiPort), "--projector-port", Integer.toString(freePort()), "--console-port", "0"));
            String serveOutput = awaitOutput(processes.get(0), serveLog, "Press Ctrl-C to stop.");
            Matcher kafka = KAFKA_ADDRESS.matcher(serveOutput);
            assertThat(kafka.find()).as(serveOutput).isTrue();
            String bootstrap = kafka.group(1);
            String token = Files.readString(dir.resolve("serve").resolve("admin-token")).strip();

            String api = "http://127.0.0.1:" + apiPort;
            assertThat(write(api, token, "/v1/accounts", "open-1",
                    "{\"accountId\":\"acct-1\",\"currency\":\"CZK\",\"scale\":2,\"overdraftLimitMinor\":0}")).isEqualTo(201);
            assertThat(write(api, token, "/v1/accounts/acct-1/credits", "credit-1",
                    "{\"amountMinor\":10000,\"currency\":\"CZK\"}")).isEqualTo(201);
            assertThat(write(api, token, "/v1/accounts/acct-1/charges", "charge-1",
                    "{\"amountMinor\":50000,\"currency\":\"CZK\"}")).as("a rejection").isEqualTo(422);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                    new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>("ledger.requests", "acct-1",
                        "not an Avro request".getBytes(StandardCharsets.UTF_8))).get();
            }

            // Plant a drift in the cache once the sink has written the credit.
            Jdbi jdbi = Jdbi.create(PostgresServer.dataSource(jdbcUrl));
            long deadline = System.currentTimeMillis() + 60_000;
            while (jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM account_balances WHERE account_id = 'acct-1' "
                    + "AND available_minor = 10000").mapTo(Long.class).one()) == 0) {
                assertThat(System.currentTimeMillis()).as("the cache sink writes acct-1").isLessThan(deadline);
                Thread.sleep(200);
            }
            jdbi.useHandle(h -> h.execute("UPDATE account_balances SET available_minor = available_minor + 700 "
                    + "WHERE account_id = 'acct-1'"));

            Path reconcileLog = dir.resolve("reconcile.log");
            processes.add(tally(reconcileLog, "reconcile", "--bootstrap-servers", bootstrap, "--partitions", "4",
                    "--replication-factor", "1", "--data-dir", dir.resolve("reconciler").toString(), "--jdbc-url", jdbcUrl,
                    "--every", "PT1H", "--metrics-port", Integer.toString(reconcilerPort)));

            Set<String> queried = DeployFiles.queriedMetrics();
            String serveMetrics = "";
            String reconcilerMetrics = "";
            Set<String> missing = queried;
            deadline = System.currentTimeMillis() + METRICS_DEADLINE_MS;
            while (!missing.isEmpty() && System.currentTimeMillis() < deadline) {
                for (int i = 0; i < processes.size(); i++) {
                    Path log = i == 0 ? serveLog : reconcileLog;
                    assertThat(processes.get(i).isAlive()).as("exited:\n%s", Files.readString(log)).isTrue();
                }
                serveMetrics = get(api + "/metrics");
                reconcilerMetrics = get("http://127.0.0.1:" + reconcilerPort + "/metrics");
                Set<String> exposed = names(serveMetrics);
                exposed.addAll(names(reconcilerMetrics));
                missing = new TreeSet<>(queried);
                missing.removeAll(exposed);
                if (!missing.isEmpty()) {
                    Thread.sleep(2_000);
                }
            }
            assertThat(missing).as("metrics the dashboard or the alerts query that no service exposes").isEmpty();

            // The panels show what happened: one rejection by its code, one dead letter by its reason, the
            // rejected write's latency, and the reconciler's one drifting account.
            assertThat(serveMetrics).contains(
                    "tally_http_requests_total{code=\"INSUFFICIENT_FUNDS\",outcome=\"rejected\"} 1.0",
                    "tally_ledger_requests_total{code=\"NOT_AVRO\",outcome=\"dead-lettered\"} 1.0",
                    "tally_http_write_latency_seconds_count{outcome=\"rejected\"} 1");
            assertThat(sum(reconcilerMetrics, "tally_reconciliation_drift_accounts")).isEqualTo(1.0);
            assertThat(reconcilerMetrics).contains("tally_reconciliation_last_run_status{source=\"account_balances\"} 1.0");
        } finally {
            for (Process process : processes) {
                process.destroy();
            }
            for (Process process : processes) {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    /** {@code ./tally args...} as its own JVM (the test's class path), its output in {@code log}. */
    private static Process tally(Path log, String... args) throws IOException {
        return TallyProcess.start(log, environment -> { }, args);
    }

    private static String awaitOutput(Process process, Path log, String line) throws Exception {
        return TallyProcess.awaitOutput(process, log, line, Duration.ofSeconds(180));
    }

    private static int write(String api, String token, String path, String key, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(api + path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The body of {@code GET url}; empty while nothing listens there yet (the reconciler starting). */
    private static String get(String url) throws Exception {
        HttpResponse<String> response;
        try {
            response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException notYetListening) {
            return "";
        }
        assertThat(response.statusCode()).as(url).isEqualTo(200);
        return response.body();
    }

    private static Set<String> names(String exposition) {
        Set<String> names = new TreeSet<>();
        Matcher m = SAMPLE_NAME.matcher(exposition);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** The sum of every sample of {@code name} in the exposition. */
    private static double sum(String exposition, String name) {
        double sum = 0;
        Matcher m = Pattern.compile("^" + name + "[{ ].*? (\\S+)$", Pattern.MULTILINE).matcher(exposition);
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
