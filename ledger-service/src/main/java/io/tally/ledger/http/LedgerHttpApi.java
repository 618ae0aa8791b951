package io.tally.ledger.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.micrometer.core.instrument.MeterRegistry;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.ledger.kafka.RequestPublisher;
import io.tally.platform.http.BearerAuth;
import io.tally.platform.http.BearerAuth.Scope;
import io.tally.platform.http.ErrorBody;
import io.tally.platform.http.ErrorCode;
import io.tally.platform.http.FieldError;
import io.tally.platform.http.FieldRules;
import io.tally.platform.http.HttpErrors;
import io.tally.platform.http.JsonBody;
import io.tally.platform.http.JsonFields;
import io.tally.platform.http.OpsRoutes;
import io.tally.platform.http.StrictJson;
import io.tally.platform.http.Tokens;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ledger-service's HTTP API (JSON, Javalin): each write publishes a request to
 * {@code ledger.requests} (acknowledged by Kafka before anything else happens, so a caller that
 * goes away loses nothing) and waits up to a timeout for its outcome on {@code ledger.results}.
 *
 * <p>Status codes, in one place ({@link #respond}): 201 accepted (200 when the idempotency key was
 * seen before and the stored outcome is returned), 422 rejected with its code, 409 for an
 * idempotency key reused with a different request, 400 with field errors for malformed input, 202
 * with a status URL when the outcome is not back in time, 401 without a valid bearer token, 403
 * without the endpoint's scope ({@link BearerAuth}). Amounts are integer minor units. Each endpoint's
 * body is read by its {@link WriteRequests} reader; the operations routes are every service's
 * ({@link OpsRoutes}). {@code POST /v1/batch} takes up to 1,000 writes at once, each decided on its own
 * ({@link BatchWrites}).
 *
 * <p>Input is strict (issue 21; DESIGN.md, HTTP): a write's body is one JSON object declared
 * {@code application/json} (415 otherwise), at most {@value #MAX_BODY_BYTES} bytes (413), without
 * duplicate, unknown or trailing members (400 naming them, {@link StrictJson}, {@link RequestBodies});
 * every id in a path, a body or the {@code Idempotency-Key} header (exactly one) follows the core's
 * grammar ({@link io.tally.core.Ids}), checked before anything is published. Every 4xx body, and the
 * 503, is in the one error shape ({@link ErrorBody}: {@code code}, {@code message}, {@code fields}),
 * Javalin's own 404 and 405 included ({@link HttpErrors#configure}).
 *
 * <p>Thread-safe: Javalin serves requests concurrently; every collaborator is thread-safe.
 */
public final class LedgerHttpApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LedgerHttpApi.class);
    /** The header every POST must carry, once. */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** The largest body a write reads, in bytes (64 KiB: a request is a few hundred); a larger one is 413. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    private final Javalin app;
    private final RequestPublisher publisher;
    private final PendingOutcomes outcomes;
    private final BearerAuth auth;
    private final Duration timeout;
    private final Clock clock;
    private final WriteAnswers answers;
    private final WriteStages stages;
    /** Jetty's threads, which also write the responses whose outcome the reader's thread brought back. */
    private final QueuedThreadPool threads = new QueuedThreadPool(200, 8, 60_000);

    /**
     * @param publisher publishes requests
     * @param outcomes completes waiting requests from {@code ledger.results}
     * @param tokens the accepted bearer tokens: writes need the {@code write} scope, status reads {@code read}
     * @param timeout how long a write waits for its outcome before answering 202
     * @param ready whether the ledger is ready (Kafka Streams RUNNING), for {@code /health/ready} and
     *     {@code /health} ({@link OpsRoutes})
     * @param metrics the registry whose Prometheus text {@code /metrics} serves (if it is one)
     * @param clock the time a request is stamped with
     */
    public LedgerHttpApi(RequestPublisher publisher, PendingOutcomes outcomes, Tokens tokens, Duration timeout,
            BooleanSupplier ready, MeterRegistry metrics, Clock clock) {
        this.publisher = publisher;
        this.outcomes = outcomes;
        this.auth = new BearerAuth(tokens);
        this.timeout = timeout;
        this.clock = clock;
        this.answers = new WriteAnswers(metrics);
        this.stages = new WriteStages(metrics);
        threads.setName("ledger-http");
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.jetty.threadPool = threads;
            config.http.maxRequestSize = MAX_BODY_BYTES;
            HttpErrors.configure(config);
        });
        for (WriteRequests.Route route : WriteRequests.ROUTES) {
            app.post(route.template(), write(route.reader()));
        }
        BatchWrites batch = new BatchWrites(publisher, outcomes, timeout, clock, answers, metrics, threads);
        app.post("/v1/batch", auth.require(Scope.WRITE, batch::write));
        app.get("/v1/requests/{requestId}", auth.require(Scope.READ, this::status));
        // Liveness: the process answers. Readiness (also /health): Kafka Streams is RUNNING, so writes are decided.
        OpsRoutes.install(app, OpsRoutes.Readiness.of(ready), metrics);
        app.get("/openapi.json", ctx -> ctx.contentType("application/json").result(openApi()));
    }

    /** Starts serving on {@code host:port} (0: any free port). */
    public LedgerHttpApi start(String host, int port) {
        app.start(host, port);
        log.info("ledger-service HTTP API on http://{}:{}", host, app.port());
        return this;
    }

    /** The port served on. */
    public int port() {
        return app.port();
    }

    /** The route of a write endpoint: the {@code write} scope, then {@link #write(Context, WriteRequests.Reader)}. */
    private Handler write(WriteRequests.Reader reader) {
        return auth.require(Scope.WRITE, ctx -> write(ctx, reader));
    }

    /** Reads the request (400 naming every field error), publishes it and answers its outcome when it is back. */
    private void write(Context ctx, WriteRequests.Reader reader) {
        WriteStages.Write stamps = stages.start();
        JsonBody read = StrictJson.read(ctx, MAX_BODY_BYTES);
        if (read instanceof JsonBody.Refused refused) {
            HttpErrors.answer(ctx, refused.status(), refused.error());
            return;
        }
        List<FieldError> errors = new ArrayList<>();
        String key = FieldRules.onlyHeader(ctx, IDEMPOTENCY_KEY, errors);
        if (key != null) {
            FieldRules.key(IDEMPOTENCY_KEY, key).ifPresent(errors::add);
        }
        JsonFields fields = null;
        if (read instanceof JsonBody.Malformed malformed) {
            errors.add(malformed.error());
        } else {
            fields = ((JsonBody.Parsed) read).fields();
        }
        RequestBodies body = new RequestBodies(ctx::pathParam, fields, errors);
        String requestId = UUID.randomUUID().toString();
        LedgerRequest request = reader.read(body, requestId, key, clock.millis());
        List<FieldError> invalid = body.errors();
        if (request == null || !invalid.isEmpty()) {
            HttpErrors.invalid(ctx, invalid);
            return;
        }
        stamps.parsed();
        publishAndAwait(ctx, requestId, request, stamps);
    }

    /**
     * Publishes {@code request} and answers, asynchronously, its outcome; 202 with the status URL when it
     * is not back within the timeout; 503 when Kafka did not take it.
     */
    private void publishAndAwait(Context ctx, String requestId, LedgerRequest request, WriteStages.Write stamps) {
        CompletableFuture<LedgerResult> outcome = outcomes.register(requestId);
        // Runs on the outcome reader's thread as it completes the wait: a stamp, nothing more.
        outcome.thenRun(stamps::outcomeRead);
        CompletableFuture<RecordMetadata> published = publisher.publish(request).thenApply(metadata -> {
            stamps.published();
            return metadata;
        });
        // The response is written on Jetty's threads, never on the outcome reader's or the producer's: the one
        // reader thread completes every waiting write, and writing responses there made it the bottleneck
        // (issue 15: at 1,000 writes/s it spent most of its time in Javalin's response copy).
        ctx.future(() -> published
                .thenCompose(ignored -> outcome.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS))
                .handleAsync((result, error) -> {
                    if (error == null) {
                        respond(ctx, result);
                        stamps.responded(result);
                    } else if (unwrap(error) instanceof TimeoutException) {
                        answers.count("pending", "none");
                        stamps.finished("pending");
                        ctx.status(202).header("Location", WriteAnswers.location(requestId))
                                .json(WriteAnswers.pending(requestId));
                    } else {
                        log.error("request {} could not be published", requestId, unwrap(error));
                        answers.count("error", "none");
                        stamps.finished("error");
                        ctx.header("Retry-After", "1");
                        HttpErrors.answer(ctx, ErrorCode.UNAVAILABLE.status(), WriteAnswers.unavailable(unwrap(error)));
                    }
                    return null;
                }, threads));
    }

    /**
     * {@code GET /v1/requests/{id}}: 200 with the outcome, 202 while this instance waits for it, 404
     * {@code UNKNOWN} only once this instance has read every outcome committed before the question
     * (another instance may have taken the request and answered it a moment ago, {@link
     * PendingOutcomes#caughtUp}), 503 when it could not catch up within the write timeout.
     */
    private void status(Context ctx) {
        String requestId = ctx.pathParam("requestId");
        Optional<FieldError> malformed = FieldRules.key("requestId", requestId);
        if (malformed.isPresent()) {
            HttpErrors.invalid(ctx, List.of(malformed.get()));
            return;
        }
        if (answerStatus(ctx, requestId, false)) {
            return;
        }
        ctx.future(() -> outcomes.caughtUp().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handleAsync((ignored, error) -> {
                    if (error == null) {
                        answerStatus(ctx, requestId, true);
                    } else {
                        ctx.header("Retry-After", "1");
                        HttpErrors.answer(ctx, ErrorCode.UNAVAILABLE.status(), ErrorBody.of(ErrorCode.UNAVAILABLE,
                                "could not read the latest outcomes to answer for this request id: " + unwrap(error))
                                .with("requestId", requestId));
                    }
                    return null;
                }, threads));
    }

    /** Answers from what this instance knows; false, answering nothing, when it knows nothing and {@code last} is false. */
    private boolean answerStatus(Context ctx, String requestId, boolean last) {
        Optional<LedgerResult> result = outcomes.find(requestId);
        if (result.isPresent()) {
            ctx.status(200).json(WriteAnswers.body(result.get()));
        } else if (outcomes.isPending(requestId)) {
            ctx.status(202).json(Map.of("status", "PENDING", "requestId", requestId));
        } else if (last) {
            HttpErrors.answer(ctx, ErrorCode.NOT_FOUND.status(), ErrorBody.of(ErrorCode.NOT_FOUND,
                    "no outcome for this request id on this instance (unknown, or older than it remembers)")
                    .with("status", "UNKNOWN").with("requestId", requestId));
        } else {
            return false;
        }
        return true;
    }

    private void respond(Context ctx, LedgerResult result) {
        answers.count(result);
        ctx.status(WriteAnswers.statusOf(result)).json(WriteAnswers.body(result));
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String openApi() {
        try (InputStream in = LedgerHttpApi.class.getResourceAsStream("openapi.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops serving; in-flight requests are answered first (Jetty's graceful stop). */
    @Override
    public void close() {
        app.stop();
    }
}
