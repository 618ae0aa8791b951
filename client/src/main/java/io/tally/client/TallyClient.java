package io.tally.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The Java client of tally's HTTP APIs: every write of ledger-service ({@code POST /v1/accounts}, credits,
 * charges, holds, captures, releases, refunds, transfers, {@code POST /v1/batch}), the outcome of a request
 * ({@code GET /v1/requests/{id}}), and the projector's reads (balance, with {@code minVersion} for
 * read-your-writes and {@code asOf}; holds). JSON with Jackson over the JDK's {@link HttpClient} (HTTP/1.1).
 *
 * <p><b>Outcomes are values.</b> A write returns a {@link WriteOutcome}: accepted with its event ids, version and
 * balances after; rejected with the ledger's stable code; invalid with the field errors; pending; unavailable;
 * failed. Nothing is thrown for any of these; a read throws {@link TallyClientException} only when it cannot be
 * answered (DESIGN.md, The Java client).
 *
 * <p><b>Retries and idempotency.</b> Each write carries an {@code Idempotency-Key}: the caller's, or a random
 * UUID generated once per call. Within the {@link RetryBudget} (attempts and total time, Failsafe's
 * {@link RetryPolicy}), a 503 is resent after its {@code Retry-After}, a request that times out or fails to
 * connect is resent, and a 202 is followed up by polling {@code GET /v1/requests/{id}} (resending when the
 * instance answering does not know the request id); every resend carries the same key, so the ledger appends the
 * write's events at most once and a resend after it was decided answers the stored outcome
 * ({@code replayed}). A batch resends only its items answered 202 or 503, each with its own key.
 *
 * <p>Thread-safe: immutable after {@link Builder#build()}; the JDK's {@code HttpClient} is thread-safe, and each
 * call's retry state is its own.
 */
public final class TallyClient {
    /** The header every write carries, once. */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI ledgerUrl;
    private final URI projectorUrl;
    private final String token;
    private final Duration requestTimeout;
    private final RetryBudget retry;
    private final HttpClient http;
    private final Supplier<String> idempotencyKeys;

    private TallyClient(Builder b) {
        this.ledgerUrl = b.ledgerUrl;
        this.projectorUrl = b.projectorUrl;
        this.token = b.token;
        this.requestTimeout = b.requestTimeout;
        this.retry = b.retry;
        this.idempotencyKeys = b.idempotencyKeys;
        this.http = b.http != null ? b.http : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(b.connectTimeout).build();
    }

    /** A builder; {@link Builder#ledgerUrl} is needed for writes, {@link Builder#projectorUrl} for reads. */
    public static Builder builder() {
        return new Builder();
    }

    // ---- writes ----

    /** Opens {@code accountId} in {@code currency} ({@code scale} decimals), a generated idempotency key. */
    public WriteOutcome openAccount(String accountId, String currency, int scale, long overdraftLimitMinor) {
        return write(new WriteRequest.OpenAccount(accountId, currency, scale, overdraftLimitMinor), null);
    }

    /** Credits {@code amountMinor} to {@code accountId}, a generated idempotency key. */
    public WriteOutcome credit(String accountId, long amountMinor, String currency) {
        return write(new WriteRequest.Credit(accountId, amountMinor, currency, null), null);
    }

    /** Charges {@code amountMinor} from {@code accountId}, a generated idempotency key. */
    public WriteOutcome charge(String accountId, long amountMinor, String currency) {
        return write(new WriteRequest.Charge(accountId, amountMinor, currency, null), null);
    }

    /** Places hold {@code holdId} of {@code amountMinor} on {@code accountId} ({@code expiresAt} null: never). */
    public WriteOutcome placeHold(String accountId, String holdId, long amountMinor, String currency, Instant expiresAt) {
        return write(new WriteRequest.PlaceHold(accountId, holdId, amountMinor, currency, expiresAt), null);
    }

    /** Captures {@code amountMinor} of hold {@code holdId} ({@code payeeAccountId} null: no payee). */
    public WriteOutcome captureHold(String holdId, String accountId, long amountMinor, String currency,
            String payeeAccountId) {
        return write(new WriteRequest.CaptureHold(holdId, accountId, amountMinor, currency, payeeAccountId), null);
    }

    /** Releases {@code amountMinor} of hold {@code holdId} (null: what remains). */
    public WriteOutcome releaseHold(String holdId, String accountId, Long amountMinor, String currency) {
        return write(new WriteRequest.ReleaseHold(holdId, accountId, amountMinor, currency), null);
    }

    /** Refunds {@code amountMinor} of the charge whose event id is {@code chargeId}. */
    public WriteOutcome refundCharge(String chargeId, long amountMinor, String currency) {
        return write(new WriteRequest.RefundCharge(chargeId, amountMinor, currency), null);
    }

    /** Transfers {@code amountMinor} from {@code fromAccountId} to {@code toAccountId}. */
    public WriteOutcome transfer(String fromAccountId, String toAccountId, long amountMinor, String currency) {
        return write(new WriteRequest.Transfer(fromAccountId, toAccountId, amountMinor, currency), null);
    }

    /**
     * Sends {@code request} with {@code idempotencyKey} (null: a UUID generated for this call), retrying within
     * the budget with that same key, and returns how it ended.
     *
     * @throws IllegalStateException if the client was built without a ledger URL
     */
    public WriteOutcome write(WriteRequest request, String idempotencyKey) {
        URI base = requireLedger();
        String key = idempotencyKey != null ? idempotencyKey : idempotencyKeys.get();
        String body = request.body().toString();
        String[] pendingRequestId = {null};
        Answer answer = withRetries(() -> {
            if (pendingRequestId[0] != null) {
                Answer status = send(get(base, "/v1/requests/" + WriteRequest.segment(pendingRequestId[0])));
                if (status.status() != 404) {
                    return status;
                }
                // Another instance answered, which does not know the request id: resend; the key makes it safe.
            }
            Answer posted = send(post(base, request.path(), key, body));
            if (posted.status() == 202) {
                pendingRequestId[0] = posted.body().path("requestId").asText(null);
            }
            return posted;
        });
        return answer.failure() != null ? unavailable(answer, key) : outcome(answer.status(), answer.body(), key);
    }

    /**
     * One batch item: {@code request} sent with {@code idempotencyKey} (null: generated). Two items for one account
     * must have different keys (the batch is refused otherwise, 400).
     */
    public record BatchItem(WriteRequest request, String idempotencyKey) {
        public BatchItem {
            Objects.requireNonNull(request, "request");
        }
    }

    /**
     * Sends up to 1,000 writes in one {@code POST /v1/batch}, each decided on its own (not atomic), and returns
     * their outcomes in order. Items answered 202 or 503 are resent, alone, with their keys, within the budget;
     * a batch refused as a whole (400, 413, 415) is each item's {@link WriteOutcome.Invalid}.
     *
     * @throws IllegalArgumentException if {@code items} is empty
     */
    public List<WriteOutcome> batch(List<BatchItem> items) {
        if (items.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one item");
        }
        URI base = requireLedger();
        String[] keys = items.stream().map(i -> i.idempotencyKey() != null ? i.idempotencyKey() : idempotencyKeys.get())
                .toArray(String[]::new);
        WriteOutcome[] outcomes = new WriteOutcome[items.size()];
        Answer last = withRetries(() -> {
            List<Integer> open = new ArrayList<>();
            ArrayNode requests = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < outcomes.length; i++) {
                if (outcomes[i] == null || retryable(outcomes[i])) {
                    open.add(i);
                    WriteRequest r = items.get(i).request();
                    requests.addObject().put("method", "POST").put("path", r.path()).put("idempotencyKey", keys[i])
                            .set("body", r.body());
                }
            }
            ObjectNode batch = JsonNodeFactory.instance.objectNode();
            batch.set("requests", requests);
            Answer answer = send(post(base, "/v1/batch", null, batch.toString()));
            if (answer.status() != 200) {
                for (int i : open) {
                    outcomes[i] = outcome(answer.status(), answer.body(), keys[i]);
                }
                return answer;
            }
            JsonNode results = answer.body().path("results");
            boolean again = false;
            for (int n = 0; n < open.size(); n++) {
                JsonNode result = results.path(n);
                int i = open.get(n);
                outcomes[i] = outcome(result.path("status").asInt(), result.path("body"), keys[i]);
                again |= retryable(outcomes[i]);
            }
            // A retryable answer when an item still waits: Failsafe schedules the next round for those alone.
            return again ? new Answer(202, answer.body(), null, null) : answer;
        });
        if (last.failure() != null) {
            for (int i = 0; i < outcomes.length; i++) {
                if (outcomes[i] == null || retryable(outcomes[i])) {
                    outcomes[i] = unavailable(last, keys[i]);
                }
            }
        }
        return List.of(outcomes);
    }

    /**
     * The outcome of {@code requestId} as the ledger instance answering remembers it
     * ({@code GET /v1/requests/{id}}, scope {@code read}): accepted, rejected, {@link WriteOutcome.Pending}, or
     * {@link WriteOutcome.Failed} 404 when it does not know it. Retried on 503 and timeouts, not on 202.
     */
    public WriteOutcome requestOutcome(String requestId) {
        URI base = requireLedger();
        Answer answer = withRetries(() -> {
            Answer a = send(get(base, "/v1/requests/" + WriteRequest.segment(requestId)));
            return a.status() == 202 ? new Answer(200, a.body(), null, null) : a;
        });
        if (answer.failure() != null) {
            return unavailable(answer, null);
        }
        if ("PENDING".equals(answer.body().path("status").asText())) {
            return new WriteOutcome.Pending(requestId, text(answer.body(), "idempotencyKey"));
        }
        return outcome(answer.status(), answer.body(), text(answer.body(), "idempotencyKey"));
    }

    // ---- reads ----

    /** The current balance of {@code accountId}, empty if the projector knows no such account. */
    public Optional<Balance> balance(String accountId) {
        return balance(accountId, null, null);
    }

    /**
     * The balance of {@code accountId}: once the projection reached {@code minVersion} (null: now; the version an
     * {@link WriteOutcome.Accepted} answered, for read-your-writes), as of {@code asOf} (null: current). Empty for
     * an unknown account (or no balance at {@code asOf}).
     *
     * @throws TallyClientException if the projector stays unavailable (503, e.g. {@code VERSION_NOT_REACHED}) for
     *     the whole budget, or answers 400, 401 or 403
     */
    public Optional<Balance> balance(String accountId, Long minVersion, Instant asOf) {
        StringBuilder path = new StringBuilder("/v1/accounts/").append(WriteRequest.segment(accountId)).append("/balance");
        String separator = "?";
        if (minVersion != null) {
            path.append(separator).append("minVersion=").append(minVersion);
            separator = "&";
        }
        if (asOf != null) {
            path.append(separator).append("asOf=").append(WriteRequest.segment(asOf.toString()));
        }
        return read(path.toString()).map(b -> new Balance(b.path("accountId").asText(), b.path("currency").asText(),
                b.path("scale").asInt(), b.path("availableMinor").asLong(), b.path("lockedMinor").asLong(),
                b.path("totalMinor").asLong(), b.path("version").asLong(), text(b, "lastEventId"),
                instant(b, "updatedAt")));
    }

    /**
     * The holds of {@code accountId} in hold-id order ({@code openOnly}: the open ones), empty if the account is
     * unknown.
     *
     * @throws TallyClientException as {@link #balance(String, Long, Instant)}
     */
    public Optional<List<Hold>> holds(String accountId, boolean openOnly) {
        return read("/v1/accounts/" + WriteRequest.segment(accountId) + "/holds" + (openOnly ? "?open=true" : ""))
                .map(b -> {
                    List<Hold> holds = new ArrayList<>();
                    b.path("holds").forEach(h -> holds.add(hold(h)));
                    return List.copyOf(holds);
                });
    }

    /**
     * Hold {@code holdId} of {@code accountId}, empty if unknown.
     *
     * @throws TallyClientException as {@link #balance(String, Long, Instant)}
     */
    public Optional<Hold> hold(String accountId, String holdId) {
        return read("/v1/holds/" + WriteRequest.segment(holdId) + "?accountId=" + WriteRequest.segment(accountId))
                .map(TallyClient::hold);
    }

    private Optional<JsonNode> read(String path) {
        if (projectorUrl == null) {
            throw new IllegalStateException("this client was built without a projector URL");
        }
        Answer answer = withRetries(() -> send(get(projectorUrl, path)));
        if (answer.failure() != null) {
            throw new TallyClientException(0, answer.failure() instanceof java.net.http.HttpTimeoutException
                    ? "TIMEOUT" : "IO", String.valueOf(answer.failure().getMessage()), answer.failure());
        }
        return switch (answer.status()) {
            case 200 -> Optional.of(answer.body());
            case 404 -> Optional.empty();
            default -> throw new TallyClientException(answer.status(), text(answer.body(), "code"),
                    text(answer.body(), "message"), null);
        };
    }

    private static Hold hold(JsonNode h) {
        return new Hold(h.path("accountId").asText(), h.path("holdId").asText(), h.path("status").asText(),
                h.path("currency").asText(), h.path("scale").asInt(), h.path("amountMinor").asLong(),
                h.path("capturedMinor").asLong(), h.path("releasedMinor").asLong(), h.path("remainingMinor").asLong(),
                instant(h, "expiresAt"), instant(h, "placedAt"), h.path("version").asLong(), text(h, "lastEventId"));
    }

    // ---- transport and retries ----

    /**
     * One HTTP answer: {@code status} and JSON {@code body} (an empty object when there was none or it was not
     * JSON), the 503's {@code Retry-After}, or the transport {@code failure} after the last attempt.
     */
    private record Answer(int status, JsonNode body, Duration retryAfter, Throwable failure) {}

    @FunctionalInterface
    private interface Attempt {
        Answer run() throws IOException, InterruptedException;
    }

    /** Runs {@code attempt} under the budget: retried on 202, 502-504 and on transport failures. */
    private Answer withRetries(Attempt attempt) {
        var builder = RetryPolicy.<Answer>builder()
                .handle(IOException.class)
                .handleResultIf(a -> a.status() == 202 || a.status() == 502 || a.status() == 503 || a.status() == 504)
                .withMaxAttempts(retry.maxAttempts())
                .withMaxDuration(retry.maxDuration());
        // Failsafe's backoff needs a maximum above its first delay; equal ones are a fixed delay.
        if (retry.maxDelay().compareTo(retry.initialDelay()) > 0) {
            builder.withBackoff(retry.initialDelay(), retry.maxDelay());
        } else {
            builder.withDelay(retry.initialDelay());
        }
        RetryPolicy<Answer> policy = builder
                // Negative: Failsafe uses the backoff above.
                .withDelayFn(ctx -> ctx.getLastResult() != null && ctx.getLastResult().retryAfter() != null
                        ? ctx.getLastResult().retryAfter() : Duration.ofMillis(-1))
                .build();
        try {
            return Failsafe.with(policy).get(ctx -> attempt.run());
        } catch (FailsafeException e) {
            if (e.getCause() instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return new Answer(0, JsonNodeFactory.instance.objectNode(), null, e.getCause() != null ? e.getCause() : e);
        }
    }

    private Answer send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        JsonNode body;
        try {
            body = response.body().isEmpty() ? JsonNodeFactory.instance.objectNode() : JSON.readTree(response.body());
        } catch (IOException notJson) {
            body = JsonNodeFactory.instance.objectNode().put("code", "NOT_JSON").put("message", response.body());
        }
        Duration retryAfter = response.headers().firstValue("Retry-After").flatMap(TallyClient::seconds).orElse(null);
        return new Answer(response.statusCode(), body, retryAfter, null);
    }

    private static Optional<Duration> seconds(String header) {
        try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(header.strip())));
        } catch (NumberFormatException httpDate) {
            return Optional.empty();
        }
    }

    private HttpRequest post(URI base, String path, String key, String json) {
        HttpRequest.Builder b = request(base, path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (key != null) {
            b.header(IDEMPOTENCY_KEY, key);
        }
        return b.build();
    }

    private HttpRequest get(URI base, String path) {
        return request(base, path).GET().build();
    }

    private HttpRequest.Builder request(URI base, String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(requestTimeout)
                .header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private URI requireLedger() {
        if (ledgerUrl == null) {
            throw new IllegalStateException("this client was built without a ledger URL");
        }
        return ledgerUrl;
    }

    // ---- answers as outcomes (the statuses are ledger-service's WriteAnswers) ----

    private static WriteOutcome outcome(int status, JsonNode body, String key) {
        String bodyStatus = body.path("status").asText("");
        if (status == 200 && bodyStatus.equals("REJECTED")) {
            status = RejectedStatus.of(body);
        }
        return switch (status) {
            case 200, 201 -> {
                List<String> eventIds = new ArrayList<>();
                body.path("eventIds").forEach(id -> eventIds.add(id.asText()));
                yield new WriteOutcome.Accepted(text(body, "requestId"), text(body, "accountId"), key,
                        body.path("replayed").asBoolean(), eventIds, body.path("version").asLong(),
                        body.path("availableMinor").asLong(), body.path("lockedMinor").asLong());
            }
            case 409, 422 -> new WriteOutcome.Rejected(text(body, "code"), text(body, "message"),
                    text(body, "requestId"), text(body, "accountId"), key);
            case 400, 413, 415 -> {
                List<WriteOutcome.FieldError> fields = new ArrayList<>();
                body.path("fields").forEach(f -> fields.add(new WriteOutcome.FieldError(f.path("field").asText(),
                        f.path("message").asText())));
                yield new WriteOutcome.Invalid(status, text(body, "code"), text(body, "message"), fields, key);
            }
            case 202 -> new WriteOutcome.Pending(text(body, "requestId"), key);
            case 502, 503, 504 -> new WriteOutcome.Unavailable(status, text(body, "message"), key);
            default -> new WriteOutcome.Failed(status, text(body, "code"), text(body, "message"), key);
        };
    }

    /** A stored REJECTED outcome read from {@code GET /v1/requests/{id}} (200) answers as its write did. */
    private static final class RejectedStatus {
        static int of(JsonNode body) {
            return "IDEMPOTENCY_KEY_REUSED".equals(body.path("code").asText()) ? 409 : 422;
        }
    }

    private static WriteOutcome unavailable(Answer answer, String key) {
        return new WriteOutcome.Unavailable(0, String.valueOf(answer.failure()), key);
    }

    private static boolean retryable(WriteOutcome outcome) {
        return outcome instanceof WriteOutcome.Pending || outcome instanceof WriteOutcome.Unavailable;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? null : value.asText();
    }

    private static Instant instant(JsonNode node, String field) {
        String text = text(node, field);
        return text == null ? null : Instant.parse(text);
    }

    /**
     * Builds a {@link TallyClient}. Defaults: no token, connect timeout 5 s, request timeout 30 s (more than
     * ledger-service's wait for an outcome, so a write normally answers rather than times out),
     * {@link RetryBudget#defaults()}, random UUID idempotency keys. Not thread-safe.
     */
    public static final class Builder {
        private URI ledgerUrl;
        private URI projectorUrl;
        private String token;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private RetryBudget retry = RetryBudget.defaults();
        private HttpClient http;
        private Supplier<String> idempotencyKeys = () -> UUID.randomUUID().toString();

        private Builder() {}

        /** ledger-service's base URL, e.g. {@code http://127.0.0.1:8080}. */
        public Builder ledgerUrl(String url) {
            this.ledgerUrl = URI.create(url);
            return this;
        }

        /** The projector's base URL, e.g. {@code http://127.0.0.1:8081}. */
        public Builder projectorUrl(String url) {
            this.projectorUrl = URI.create(url);
            return this;
        }

        /** The bearer token sent on every request (writes need the {@code write} scope, reads {@code read}). */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** How long a connection may take to open. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** How long one HTTP request may take before it counts as timed out (and is retried with the same key). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** The retry budget of every call ({@link RetryBudget#none()}: no retries). */
        public Builder retry(RetryBudget budget) {
            this.retry = Objects.requireNonNull(budget);
            return this;
        }

        /** An HttpClient of the caller's (proxy, TLS, executor); the connect timeout is then its own. */
        public Builder httpClient(HttpClient client) {
            this.http = client;
            return this;
        }

        /** Where generated idempotency keys come from (default: random UUIDs); must be thread-safe. */
        public Builder idempotencyKeys(Supplier<String> keys) {
            this.idempotencyKeys = Objects.requireNonNull(keys);
            return this;
        }

        /**
         * The client.
         *
         * @throws IllegalStateException if neither URL is set
         */
        public TallyClient build() {
            if (ledgerUrl == null && projectorUrl == null) {
                throw new IllegalStateException("set ledgerUrl, projectorUrl or both");
            }
            return new TallyClient(this);
        }
    }

    @Override
    public String toString() {
        return "TallyClient" + Arrays.asList(ledgerUrl, projectorUrl);
    }
}
