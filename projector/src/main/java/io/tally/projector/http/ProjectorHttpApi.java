package io.tally.projector.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.avro.HoldState;
import io.tally.projector.ProjectorTopology;
import io.tally.platform.http.BearerTokens;
import io.tally.platform.http.ErrorBody;
import io.tally.platform.http.ErrorCode;
import io.tally.platform.http.FieldError;
import io.tally.platform.http.FieldRules;
import io.tally.platform.http.HttpErrors;
import io.tally.projector.kafka.ProjectorApp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The projector's read API (JSON, Javalin), answered from Kafka Streams interactive queries:
 * <ul>
 *   <li>{@code GET /v1/accounts/{accountId}/balance}: the current balance; {@code ?asOf=<ISO-8601
 *       instant>} the balance after the last event accepted at or before it (balance history);
 *       {@code ?minVersion=N} first waits up to the configured timeout until the projection has
 *       reached version N (read-your-writes after a write answered by ledger-service);</li>
 *   <li>{@code GET /v1/holds/{holdId}?accountId=A}: one hold (hold ids are unique within their
 *       account, as in ledger-service's {@code POST /v1/holds/{holdId}/captures}, whose body names the
 *       account);</li>
 *   <li>{@code GET /v1/accounts/{accountId}/holds}: the account's holds, open and closed, in hold-id
 *       order; {@code ?open=true} only the open ones.</li>
 * </ul>
 * Any instance answers any key: an account's stores live on the instance that actively hosts its
 * partition ({@code queryMetadataForKey}, {@code application.server}); another instance forwards the
 * request there once, with the caller's token, and relays the answer. While the client is not
 * {@code RUNNING} (rebalancing, restoring, starting) or the owner is unknown or unreachable, the
 * answer is 503 with {@code Retry-After}, never a balance from a store that is not the account's
 * active one. 401 without a valid bearer token, 403 without the {@code read} scope, 400 for a
 * malformed parameter (an account or hold id outside the core's grammar, {@link io.tally.core.Ids}, is
 * a 400 naming it, not a 404, and is asked of no other instance; a query parameter sent twice is a
 * 400), 404 for an unknown account or hold. Every 4xx and 503 body is in the one error shape
 * ({@link ErrorBody}: {@code code}, {@code message}, {@code fields}; the {@code status} member of
 * before stays), Javalin's own 404 and 405 included ({@link HttpErrors#configure}).
 *
 * <p>Thread-safe: Javalin serves requests concurrently; every collaborator is thread-safe.
 */
public final class ProjectorHttpApi implements AutoCloseable {
    /** Set on a forwarded request (value: the forwarding instance), so a request is forwarded at most once. */
    public static final String FORWARDED_BY = "X-Tally-Forwarded-By";
    /** Seconds a client is told to wait before retrying a 503. */
    public static final int RETRY_AFTER_S = 1;

    private static final Logger log = LoggerFactory.getLogger(ProjectorHttpApi.class);
    private static final Duration POLL = Duration.ofMillis(20);

    /** What a bearer token may do here. */
    public enum Access {
        /** A known token with the {@code read} scope. */
        GRANTED,
        /** No configured token matches (401). */
        UNKNOWN_TOKEN,
        /** A known token without the {@code read} scope (403). */
        MISSING_READ_SCOPE
    }

    private final Supplier<ProjectorApp> projector;
    private final HostInfo self;
    private final Function<String, Access> readAccess;
    private final Duration minVersionTimeout;
    private final MeterRegistry metrics;
    private final HttpClient client;
    private final Javalin app;

    /**
     * @param projector the local projector readers use now (a {@link io.tally.projector.kafka.LiveProjector}
     *     follows a rebuild's switch), whose {@code application.server} is {@code self}
     * @param self this instance's {@code host:port} as the other instances reach it (the projector's
     *     {@code application.server})
     * @param readAccess what a presented bearer token may do (e.g. ledger-service's {@code Tokens} with
     *     scope {@code read})
     * @param minVersionTimeout how long {@code ?minVersion=} waits before answering 503
     * @param metrics the registry whose Prometheus text {@code /metrics} serves (if it is one); also
     *     counts {@code tally.projector.http.requests{route=local|forwarded|unavailable}}
     */
    public ProjectorHttpApi(Supplier<ProjectorApp> projector, HostInfo self, Function<String, Access> readAccess,
            Duration minVersionTimeout, MeterRegistry metrics) {
        this.projector = projector;
        this.self = self;
        this.readAccess = readAccess;
        this.minVersionTimeout = minVersionTimeout;
        this.metrics = metrics;
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            HttpErrors.configure(config);
        });
        app.get("/v1/accounts/{accountId}/balance", secured(ctx -> ofPathAccount(ctx, this::balance)));
        app.get("/v1/accounts/{accountId}/holds", secured(ctx -> ofPathAccount(ctx, this::accountHolds)));
        app.get("/v1/holds/{holdId}", secured(ctx -> {
            List<FieldError> errors = new ArrayList<>();
            pathName(ctx, "holdId", errors);
            String accountId = null;
            if (ctx.queryParams("accountId").isEmpty()) {
                errors.add(new FieldError("accountId", "is required: hold ids are unique within their account"));
            } else {
                accountId = FieldRules.optionalQueryParam(ctx, "accountId", errors);
                if (accountId != null) {
                    FieldRules.name("accountId", accountId).ifPresent(errors::add);
                }
            }
            answerOrRefuse(ctx, accountId, errors, this::hold);
        }));
        app.get("/health", ctx -> {
            KafkaStreams.State state = projector.get().state();
            boolean up = state == KafkaStreams.State.RUNNING;
            ctx.status(up ? 200 : 503).json(Map.of("status", up ? "UP" : "DOWN", "state", state.name()));
        });
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4")
                .result(metrics instanceof PrometheusMeterRegistry p ? p.scrape() : ""));
    }

    /** As above, always reading {@code projector} (an instance that does not follow rebuild switches). */
    public ProjectorHttpApi(ProjectorApp projector, HostInfo self, Function<String, Access> readAccess,
            Duration minVersionTimeout, MeterRegistry metrics) {
        this(() -> projector, self, readAccess, minVersionTimeout, metrics);
    }

    /** Starts serving on {@code host:port} (0: any free port; the other instances must know it). */
    public ProjectorHttpApi start(String host, int port) {
        app.start(host, port);
        log.info("projector HTTP API on http://{}:{} (application.server {})", host, app.port(), self);
        return this;
    }

    /** The port served on. */
    public int port() {
        return app.port();
    }

    @FunctionalInterface
    private interface LocalQuery {
        /** Answers from {@code projector}'s stores of {@code partition}, which this instance runs actively. */
        void answer(Context ctx, ProjectorApp projector, String accountId, int partition) throws InterruptedException;
    }

    /** Answers {@code local} for the account named by the path, or 400 if that is no account id. */
    private void ofPathAccount(Context ctx, LocalQuery local) throws InterruptedException {
        List<FieldError> errors = new ArrayList<>();
        String accountId = pathName(ctx, "accountId", errors);
        answerOrRefuse(ctx, accountId, errors, local);
    }

    /** The path parameter {@code name} if it is a name (account id, hold id); otherwise null, with the error added. */
    private static String pathName(Context ctx, String name, List<FieldError> errors) {
        Optional<FieldError> error = FieldRules.name(name, ctx.pathParam(name));
        error.ifPresent(errors::add);
        return error.isPresent() ? null : ctx.pathParam(name);
    }

    /** 400 naming {@code errors} if there are any (before any routing: a malformed id is asked of no instance), else routed. */
    private void answerOrRefuse(Context ctx, String accountId, List<FieldError> errors, LocalQuery local)
            throws InterruptedException {
        if (!errors.isEmpty()) {
            HttpErrors.invalid(ctx, errors);
            return;
        }
        routed(ctx, accountId, local);
    }

    private void routed(Context ctx, String accountId, LocalQuery local) throws InterruptedException {
        // One projector for the whole request, even if readers are switched to a rebuilt one meanwhile.
        ProjectorApp projector = this.projector.get();
        KafkaStreams.State state = projector.state();
        if (state != KafkaStreams.State.RUNNING) {
            unavailable(ctx, "the projector is " + state);
            return;
        }
        KeyQueryMetadata owner;
        try {
            owner = projector.ownerOf(accountId);
        } catch (RuntimeException notQueryable) { // stopped or not started between the check and the call
            unavailable(ctx, "the projector is " + projector.state());
            return;
        }
        if (owner == null || KeyQueryMetadata.NOT_AVAILABLE.equals(owner) || owner.activeHost() == null) {
            unavailable(ctx, "the owner of account " + accountId + " is not known yet");
            return;
        }
        if (owner.activeHost().equals(self)) {
            try {
                local.answer(ctx, projector, accountId, owner.partition());
                count("local");
            } catch (InvalidStateStoreException moving) {
                unavailable(ctx, "the stores of account " + accountId + " are not queryable here now: " + moving.getMessage());
            }
            return;
        }
        String forwardedBy = ctx.header(FORWARDED_BY);
        if (forwardedBy != null) {
            // The forwarder and this instance disagree on the owner: ownership is moving.
            unavailable(ctx, "account " + accountId + " is owned by " + owner.activeHost() + ", not here (forwarded by "
                    + forwardedBy + ")");
            return;
        }
        forward(ctx, owner.activeHost());
    }

    private void forward(Context ctx, HostInfo owner) throws InterruptedException {
        String query = ctx.queryString();
        URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + ctx.req().getRequestURI()
                + (query == null ? "" : "?" + query));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET()
                .timeout(minVersionTimeout.plusSeconds(5))
                .header(FORWARDED_BY, self.host() + ":" + self.port());
        String authorization = ctx.header("Authorization");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException unreachable) {
            log.warn("forwarding {} to {} failed: {}", uri, owner, unreachable.toString());
            unavailable(ctx, "the owner " + owner + " did not answer");
            return;
        }
        count("forwarded");
        ctx.status(response.statusCode()).contentType("application/json").result(response.body());
        response.headers().firstValue("Retry-After").ifPresent(v -> ctx.header("Retry-After", v));
    }

    private void balance(Context ctx, ProjectorApp projector, String accountId, int partition)
            throws InterruptedException {
        ReadOnlyKeyValueStore<String, AccountBalance> balances =
                projector.partitionStore(ProjectorTopology.BALANCE_STORE, partition);
        List<FieldError> errors = new ArrayList<>();
        Long minVersion = null;
        Instant asOf = null;
        String min = FieldRules.optionalQueryParam(ctx, "minVersion", errors);
        try {
            minVersion = min == null ? null : Long.parseLong(min);
        } catch (NumberFormatException e) {
            errors.add(new FieldError("minVersion", "must be a version number"));
        }
        String at = FieldRules.optionalQueryParam(ctx, "asOf", errors);
        try {
            asOf = at == null ? null : Instant.parse(at);
        } catch (DateTimeParseException e) {
            errors.add(new FieldError("asOf", "must be an ISO-8601 instant such as 2026-01-31T23:59:59Z"));
        }
        if (!errors.isEmpty()) {
            HttpErrors.invalid(ctx, errors);
            return;
        }
        AccountBalance current = balances.get(accountId);
        if (minVersion != null) {
            long deadlineNs = System.nanoTime() + minVersionTimeout.toNanos();
            while (current == null || current.getVersion() < minVersion) {
                if (System.nanoTime() - deadlineNs > 0) {
                    ctx.header("Retry-After", Integer.toString(RETRY_AFTER_S));
                    HttpErrors.answer(ctx, ErrorCode.UNAVAILABLE.status(), ErrorBody.of("VERSION_NOT_REACHED",
                            "the projection has not reached version " + minVersion + " within "
                                    + minVersionTimeout.toMillis() + " ms")
                            .with("status", "VERSION_NOT_REACHED").with("accountId", accountId)
                            .with("minVersion", minVersion).with("version", current == null ? 0 : current.getVersion()));
                    return;
                }
                Thread.sleep(POLL.toMillis());
                current = balances.get(accountId);
            }
        }
        AccountBalance answer = asOf == null ? current : projector.balanceAsOf(accountId, asOf).orElse(null);
        if (answer == null) {
            notFound(ctx, "account " + accountId + (asOf == null ? "" : " had no balance at " + asOf));
            return;
        }
        Map<String, Object> body = balanceJson(answer);
        if (asOf != null) {
            body.put("asOf", asOf.toString());
        }
        Long missingVersion = projector.<Long>partitionStore(ProjectorTopology.FLAGGED_STORE, partition).get(accountId);
        body.put("flagged", missingVersion != null);
        if (missingVersion != null) {
            body.put("missingVersion", missingVersion);
        }
        ctx.json(body);
    }

    private void hold(Context ctx, ProjectorApp projector, String accountId, int partition) {
        String holdId = ctx.pathParam("holdId");
        HoldState hold = projector.<HoldState>partitionStore(ProjectorTopology.HOLD_STORE, partition).get(ProjectorTopology.holdKey(accountId, holdId));
        if (hold == null) {
            notFound(ctx, "hold " + holdId + " of account " + accountId);
            return;
        }
        ctx.json(holdJson(hold));
    }

    private void accountHolds(Context ctx, ProjectorApp projector, String accountId, int partition) {
        boolean openOnly = "true".equalsIgnoreCase(ctx.queryParam("open"));
        if (projector.<AccountBalance>partitionStore(ProjectorTopology.BALANCE_STORE, partition).get(accountId) == null) {
            notFound(ctx, "account " + accountId);
            return;
        }
        List<Map<String, Object>> holds = new ArrayList<>();
        try (KeyValueIterator<String, HoldState> it = projector.<HoldState>partitionStore(ProjectorTopology.HOLD_STORE, partition)
                .prefixScan(ProjectorTopology.holdKey(accountId, ""), new StringSerializer())) {
            while (it.hasNext()) {
                HoldState hold = it.next().value;
                if (hold.getAccountId().equals(accountId) && (!openOnly || hold.getOpen())) {
                    holds.add(holdJson(hold));
                }
            }
        }
        ctx.json(Map.of("accountId", accountId, "holds", holds));
    }

    /** The JSON of a balance; amounts in minor units, times as ISO-8601 instants. */
    static Map<String, Object> balanceJson(AccountBalance b) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("accountId", b.getAccountId());
        body.put("currency", b.getCurrency());
        body.put("scale", b.getScale());
        body.put("availableMinor", b.getAvailableMinor());
        body.put("lockedMinor", b.getLockedMinor());
        body.put("totalMinor", Math.addExact(b.getAvailableMinor(), b.getLockedMinor()));
        body.put("version", b.getVersion());
        body.put("lastEventId", b.getLastEventId());
        body.put("updatedAt", Instant.ofEpochMilli(b.getUpdatedAtMs()).toString());
        return body;
    }

    /** The JSON of a hold; {@code status} is OPEN, CLOSED or EXPIRED. */
    static Map<String, Object> holdJson(HoldState h) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("accountId", h.getAccountId());
        body.put("holdId", h.getHoldId());
        body.put("status", h.getOpen() ? "OPEN" : h.getExpired() ? "EXPIRED" : "CLOSED");
        body.put("currency", h.getCurrency());
        body.put("scale", h.getScale());
        body.put("amountMinor", h.getAmountMinor());
        body.put("capturedMinor", h.getCapturedMinor());
        body.put("releasedMinor", h.getReleasedMinor());
        body.put("remainingMinor", h.getRemainingMinor());
        body.put("expiresAt", Optional.ofNullable(h.getExpiresAtMs()).map(ms -> Instant.ofEpochMilli(ms).toString())
                .orElse(null));
        body.put("placedAt", Instant.ofEpochMilli(h.getPlacedAtMs()).toString());
        body.put("version", h.getVersion());
        body.put("lastEventId", h.getLastEventId());
        body.put("updatedAt", Instant.ofEpochMilli(h.getUpdatedAtMs()).toString());
        return body;
    }

    private Handler secured(Handler handler) {
        return ctx -> {
            Optional<String> token = BearerTokens.presented(ctx);
            if (token.isEmpty()) {
                return;
            }
            switch (readAccess.apply(token.get())) {
                case GRANTED -> handler.handle(ctx);
                case UNKNOWN_TOKEN -> BearerTokens.unknown(ctx);
                case MISSING_READ_SCOPE -> BearerTokens.lacksScope(ctx, "read");
                default -> throw new AssertionError("unhandled access");
            }
        };
    }

    private void unavailable(Context ctx, String why) {
        count("unavailable");
        ctx.header("Retry-After", Integer.toString(RETRY_AFTER_S));
        HttpErrors.answer(ctx, ErrorCode.UNAVAILABLE.status(), ErrorBody.of(ErrorCode.UNAVAILABLE, why)
                .with("status", "UNAVAILABLE"));
    }

    private static void notFound(Context ctx, String what) {
        HttpErrors.answer(ctx, ErrorCode.NOT_FOUND.status(), ErrorBody.of(ErrorCode.NOT_FOUND,
                what + " is not known to the projection").with("status", "NOT_FOUND"));
    }

    private void count(String route) {
        metrics.counter("tally.projector.http.requests", "route", route).increment();
    }

    /** Stops serving; in-flight requests are answered first (Jetty's graceful stop). */
    @Override
    public void close() {
        app.stop();
    }
}
