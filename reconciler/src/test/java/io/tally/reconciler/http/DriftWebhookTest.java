package io.tally.reconciler.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.core.reconciliation.AccountComparison;
import io.tally.core.reconciliation.BalanceView;
import io.tally.core.reconciliation.Comparison;
import io.tally.core.reconciliation.DriftTier;
import io.tally.core.reconciliation.ReconciliationStatus;
import io.tally.reconciler.Discrepancy;
import io.tally.reconciler.ReconciliationMetrics;
import io.tally.reconciler.ReconciliationResult;
import io.tally.reconciler.RunMode;
import io.tally.reconciler.jdbc.RecordedRuns;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The webhook against a tiny HTTP server on 127.0.0.1, and the metrics it sits beside. */
class DriftWebhookTest {
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private HttpServer server;
    private volatile int status = 204;
    private volatile long delayMs;

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/alerts", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/alerts");
    }

    /** A run with one WARN drift of 2.50 and one MINOR drift of 0.05. */
    private static RecordedRuns.Outcome warnRun() {
        AccountComparison warn = new AccountComparison("a", ReconciliationStatus.DRIFT, DriftTier.WARN,
                new BalanceView("a", "CZK", 10_000, 0, 2L), new BalanceView("a", "CZK", 10_250, 0, 2L), 250, 0);
        ReconciliationResult result = new ReconciliationResult("account_balances", Comparison.Measure.AVAILABLE_AND_LOCKED,
                3, 1, 2, 0, 0, 0, 0, 0, Map.of(DriftTier.NONE, 1L, DriftTier.WARN, 1L, DriftTier.MINOR, 1L),
                Map.of("CZK", 255L), List.of(new Discrepancy(warn, 250)), List.of(), 1_000, 1_050);
        return new RecordedRuns.Outcome("run-1", RunMode.DRY_RUN, result, 0, 0,
                Map.of(DriftTier.MINOR, 5L, DriftTier.WARN, 250L, DriftTier.CRITICAL, 0L));
    }

    private static RecordedRuns.Outcome minorOnlyRun() {
        ReconciliationResult result = new ReconciliationResult("account_balances", Comparison.Measure.AVAILABLE_AND_LOCKED,
                1, 0, 1, 0, 0, 0, 0, 0, Map.of(DriftTier.MINOR, 1L), Map.of("CZK", 5L), List.of(), List.of(), 1_000, 1_050);
        return new RecordedRuns.Outcome("run-2", RunMode.DRY_RUN, result, 0, 0, Map.of(DriftTier.MINOR, 5L));
    }

    @Test
    void driftAboveTheWarnLevelIsPostedAsJson() throws Exception {
        DriftWebhook webhook = new DriftWebhook(uri(), Duration.ofSeconds(5), registry);

        assertThat(webhook.notify("account_balances", warnRun())).isTrue();

        assertThat(bodies).hasSize(1);
        JsonNode body = new ObjectMapper().readTree(bodies.get(0));
        assertThat(body.get("runId").asText()).isEqualTo("run-1");
        assertThat(body.get("source").asText()).isEqualTo("account_balances");
        assertThat(body.get("driftAboveWarn").asLong()).isEqualTo(1);
        assertThat(body.get("driftByTier").get("WARN").asLong()).isEqualTo(1);
        assertThat(body.get("driftAmountMinorByTier").get("WARN").asLong()).isEqualTo(250);
        assertThat(body.get("largest").get(0).get("accountId").asText()).isEqualTo("a");
        assertThat(registry.counter("tally.reconciliation.webhook.sent").count()).isEqualTo(1);
    }

    @Test
    void minorDriftSendsNothing() {
        DriftWebhook webhook = new DriftWebhook(uri(), Duration.ofSeconds(5), registry);

        assertThat(webhook.notify("account_balances", minorOnlyRun())).isFalse();

        assertThat(bodies).isEmpty();
    }

    @Test
    void aFailingOrSlowEndpointIsCountedAndNeverThrows() {
        status = 500;
        DriftWebhook webhook = new DriftWebhook(uri(), Duration.ofSeconds(5), registry);
        assertThat(webhook.notify("account_balances", warnRun())).isFalse();

        status = 204;
        delayMs = 1_000;
        DriftWebhook impatient = new DriftWebhook(uri(), Duration.ofMillis(200), registry);
        long startNs = System.nanoTime();
        assertThat(impatient.notify("account_balances", warnRun())).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - startNs)).isLessThan(Duration.ofMillis(900));

        server.stop(0);
        assertThat(webhook.notify("account_balances", warnRun())).isFalse();
        assertThat(registry.counter("tally.reconciliation.webhook.failures").count()).isEqualTo(3);
    }

    @Test
    void metricsShowTheLastRunByTierAndItsStatus() {
        ReconciliationMetrics metrics = new ReconciliationMetrics(registry);

        metrics.recordRun("account_balances", warnRun(), 1_700_000_000_000L);

        assertThat(registry.get("tally.reconciliation.drift.accounts").tags("source", "account_balances", "tier", "WARN")
                .gauge().value()).isEqualTo(1);
        assertThat(registry.get("tally.reconciliation.drift.amount.minor").tags("source", "account_balances", "tier", "WARN")
                .gauge().value()).isEqualTo(250);
        assertThat(registry.get("tally.reconciliation.last.run.status").gauge().value()).isEqualTo(ReconciliationMetrics.DRIFT);
        assertThat(registry.get("tally.reconciliation.last.run.timestamp.seconds").gauge().value()).isEqualTo(1_700_000_000);

        metrics.recordFailure("account_balances", 1_700_000_060_000L);
        assertThat(registry.get("tally.reconciliation.last.run.status").gauge().value()).isEqualTo(ReconciliationMetrics.FAILED);
        assertThat(registry.get("tally.reconciliation.runs").tags("status", "failed").counter().count()).isEqualTo(1);
    }
}
