package io.tally.reconciler.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tally.core.reconciliation.DriftTier;
import io.tally.reconciler.Discrepancy;
import io.tally.reconciler.jdbc.RecordedRuns;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An alert for any tool (seed 004 emails an operator; a webhook lets a chat, a pager or a mailer do
 * it): a JSON POST when a run finds drift above the warn level (tiers WARN or CRITICAL).
 *
 * <p>Body: {@code {"runId", "source", "mode", "status", "checked", "drift", "driftAboveWarn",
 * "driftByTier": {...}, "driftAmountMinorByTier": {...}, "largest": [{"accountId", "status", "tier",
 * "sizeMinor"}...]}} (at most 10 largest). A failure (refused, timed out, a status other than 2xx)
 * is logged and counted in {@code tally.reconciliation.webhook.failures} and never fails the run.
 *
 * <p>Thread-safe: {@link HttpClient} is.
 */
public final class DriftWebhook {
    /** Largest discrepancies put in the body. */
    public static final int LARGEST_IN_BODY = 10;

    private static final Logger log = LoggerFactory.getLogger(DriftWebhook.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI uri;
    private final Duration timeout;
    private final HttpClient client;
    private final Counter failures;
    private final Counter sent;

    /**
     * @param uri where to POST
     * @param timeout bound on connecting and on the whole request
     * @param registry where the sent and failed counters go
     */
    public DriftWebhook(URI uri, Duration timeout, MeterRegistry registry) {
        this.uri = Objects.requireNonNull(uri, "uri");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.failures = registry.counter("tally.reconciliation.webhook.failures");
        this.sent = registry.counter("tally.reconciliation.webhook.sent");
    }

    /** Whether {@code outcome} calls for an alert: drift in tier WARN or CRITICAL. */
    public static boolean aboveWarn(RecordedRuns.Outcome outcome) {
        return outcome.result().count(DriftTier.WARN) + outcome.result().count(DriftTier.CRITICAL) > 0;
    }

    /**
     * POSTs the alert if the run calls for one.
     *
     * @return {@code true} if an alert was delivered (2xx), {@code false} if none was due or delivery failed
     */
    public boolean notify(String source, RecordedRuns.Outcome outcome) {
        if (!aboveWarn(outcome)) {
            return false;
        }
        try {
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body(source, outcome))))
                    .build();
            HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() / 100 != 2) {
                failures.increment();
                log.warn("drift webhook {} answered {} for run {}", uri, response.statusCode(), outcome.runId());
                return false;
            }
            sent.increment();
            return true;
        } catch (IOException e) {
            failures.increment();
            log.warn("drift webhook {} failed for run {}: {}", uri, outcome.runId(), e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.increment();
            return false;
        }
    }

    /** The JSON body of the alert. */
    public static ObjectNode body(String source, RecordedRuns.Outcome outcome) {
        ObjectNode body = JSON.createObjectNode();
        body.put("runId", outcome.runId());
        body.put("source", source);
        body.put("mode", outcome.mode().name());
        body.put("status", outcome.status());
        body.put("checked", outcome.result().checked());
        body.put("drift", outcome.result().drift());
        body.put("driftAboveWarn", outcome.result().count(DriftTier.WARN) + outcome.result().count(DriftTier.CRITICAL));
        ObjectNode byTier = body.putObject("driftByTier");
        ObjectNode amountByTier = body.putObject("driftAmountMinorByTier");
        for (DriftTier tier : DriftTier.values()) {
            if (tier.isDrift()) {
                byTier.put(tier.name(), outcome.result().count(tier));
                amountByTier.put(tier.name(), outcome.driftMinorByTier().getOrDefault(tier, 0L));
            }
        }
        ArrayNode largest = body.putArray("largest");
        for (Discrepancy d : outcome.result().largestDiscrepancies().stream().limit(LARGEST_IN_BODY).toList()) {
            ObjectNode item = largest.addObject();
            item.put("accountId", d.accountId());
            item.put("status", d.comparison().status().name());
            item.put("tier", d.comparison().tier().name());
            item.put("sizeMinor", d.sizeMinor());
        }
        return body;
    }
}
