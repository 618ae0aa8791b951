package io.tally.ledger.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.core.Ids;
import io.tally.ledger.kafka.RequestPublisher;
import io.tally.platform.http.ErrorBody;
import io.tally.platform.http.ErrorCode;
import io.tally.platform.http.FieldError;
import io.tally.platform.http.FieldRules;
import io.tally.platform.http.HttpErrors;
import io.tally.platform.http.JsonBody;
import io.tally.platform.http.JsonFields;
import io.tally.platform.http.StrictJson;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/batch} (issue 15, item 5): up to {@value #MAX_ITEMS} write requests in one HTTP call,
 * each decided on its own, as if it had been sent alone to its endpoint, and answered in order.
 *
 * <pre>
 * {"requests": [
 *   {"method": "POST", "path": "/v1/accounts/acc-1/credits", "idempotencyKey": "k-1",
 *    "body": {"amountMinor": 100, "currency": "CZK"}}, ...]}
 * → 200 {"results": [{"status": 201, "body": {...}}, ...]}
 * </pre>
 *
 * <p>Each item names one of the write endpoints by {@code method} and {@code path} (matched against
 * {@link WriteRequests#ROUTES}, percent-escapes in a segment decoded as in a URL) and its {@code body} is read by that
 * endpoint's {@link WriteRequests} reader, as strictly. An item's result is {@code status}, the HTTP status
 * the single endpoint would have answered, and {@code body}, exactly the body it would have answered
 * ({@link WriteAnswers}): 201, 200 (replayed), 409, 422, 202 (the outcome not back within the timeout,
 * with {@code location}), 503 (Kafka did not take it); 400 for field errors, named from the batch's root
 * ({@code requests[2].body.amountMinor}, {@code requests[2].path.accountId},
 * {@code requests[2].idempotencyKey}, {@code requests[2]} for an item that is not an object); 404 for a
 * path that is no write endpoint, 405 for another method than {@code POST}. Items are not atomic: one
 * item's rejection or error changes nothing for the others, which are published and decided.
 *
 * <p>The batch itself is refused, and nothing of it published, when its body is not declared JSON (415),
 * is larger than {@value #MAX_BATCH_BODY_BYTES} bytes (413), is not one JSON object without duplicate
 * members anywhere, has a member other than {@code requests}, or {@code requests} is not an array of 1 to
 * {@value #MAX_ITEMS} (400, in the error shape), or two valid items carry the same idempotency key for the
 * same account (400 naming both: {@code requests[3].idempotencyKey}). Keys are scoped to their account
 * (DESIGN.md, Idempotency), so the same key on two accounts is two requests; on one account the second
 * would be a replay of the first or a 409, depending on which the ledger decides first, which a caller
 * never means.
 *
 * <p>Every valid item's outcome is registered with {@link PendingOutcomes} before any is published; all
 * are published asynchronously (the producer batches them) and awaited together, up to the timeout, and
 * the answer is written on Jetty's threads, never the outcome reader's. Items are counted in
 * {@code tally.http.requests} as single writes are, and each batch's item count in
 * {@code tally.http.batch.size}; they are not in the per-stage timers of single writes ({@link WriteStages}).
 *
 * <p>Thread-safe: a handler serves batches concurrently; every collaborator is thread-safe.
 */
final class BatchWrites {
    private static final Logger log = LoggerFactory.getLogger(BatchWrites.class);
    /** The largest batch body read, in bytes (1 MiB: 1,000 credits are about 120 KB); a larger one is 413. */
    static final int MAX_BATCH_BODY_BYTES = 1024 * 1024;
    /** The most requests in one batch. */
    static final int MAX_ITEMS = 1_000;
    private static final String METHOD = "POST";

    private final RequestPublisher publisher;
    private final PendingOutcomes outcomes;
    private final Duration timeout;
    private final Clock clock;
    private final WriteAnswers answers;
    private final Executor threads;
    private final DistributionSummary sizes;

    /**
     * @param timeout how long a batch waits for its items' outcomes; those not back then are 202
     * @param threads where answers are written (Jetty's pool)
     */
    BatchWrites(RequestPublisher publisher, PendingOutcomes outcomes, Duration timeout, Clock clock,
            WriteAnswers answers, MeterRegistry metrics, Executor threads) {
        this.publisher = publisher;
        this.outcomes = outcomes;
        this.timeout = timeout;
        this.clock = clock;
        this.answers = answers;
        this.threads = threads;
        this.sizes = DistributionSummary.builder("tally.http.batch.size")
                .description("write requests per POST /v1/batch that was read").baseUnit("requests")
                .register(metrics);
    }

    /** One item as read: published and awaited ({@link Valid}), or already answered ({@link Answered}). */
    private sealed interface Item permits Item.Valid, Item.Answered {
        record Valid(String requestId, LedgerRequest request) implements Item {}

        record Answered(int status, Object body) implements Item {}
    }

    /** Reads the batch (400 for the batch, or per item), publishes its valid items and answers all in order. */
    void write(Context ctx) {
        JsonBody read = StrictJson.read(ctx, MAX_BATCH_BODY_BYTES);
        if (read instanceof JsonBody.Refused refused) {
            HttpErrors.answer(ctx, refused.status(), refused.error());
            return;
        }
        if (read instanceof JsonBody.Malformed malformed) {
            HttpErrors.invalid(ctx, List.of(malformed.error()));
            return;
        }
        JsonFields batch = ((JsonBody.Parsed) read).fields();
        JsonNode requests = batch.get("requests");
        List<FieldError> errors = new ArrayList<>(batch.unknownFieldErrors());
        if (requests == null || !requests.isArray()) {
            errors.add(new FieldError("requests", "is required: an array of 1 to " + MAX_ITEMS + " write requests"));
        } else if (requests.isEmpty() || requests.size() > MAX_ITEMS) {
            errors.add(new FieldError("requests", "must hold 1 to " + MAX_ITEMS + " write requests; held " + requests.size()));
        }
        if (!errors.isEmpty()) {
            HttpErrors.invalid(ctx, errors);
            return;
        }
        long nowMs = clock.millis();
        List<Item> items = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            items.add(read(i, requests.get(i), nowMs));
        }
        List<FieldError> duplicates = duplicateKeys(items);
        if (!duplicates.isEmpty()) {
            HttpErrors.invalid(ctx, duplicates);
            return;
        }
        sizes.record(items.size());
        publishAndAwait(ctx, items);
    }

    /** Item {@code index}: its route, key and body read as the single endpoint reads them. */
    private static Item read(int index, JsonNode node, long nowMs) {
        String at = "requests[" + index + "]";
        if (!node.isObject()) {
            return invalid(List.of(new FieldError(at, "must be a JSON object: {method, path, idempotencyKey, body}")));
        }
        JsonFields item = new JsonFields((ObjectNode) node);
        List<FieldError> errors = new ArrayList<>();
        String method = text(item, "method", at, errors);
        String path = text(item, "path", at, errors);
        String key = text(item, "idempotencyKey", at, errors);
        JsonNode body = item.get("body");
        if (method == null || path == null) {
            item.unknownFieldErrors().forEach(e -> errors.add(new FieldError(at + "." + e.field(), e.message())));
            return invalid(errors);
        }
        WriteRequests.Route route = null;
        Map<String, String> params = null;
        try {
            for (WriteRequests.Route r : WriteRequests.ROUTES) {
                Optional<Map<String, String>> matched = r.match(path);
                if (matched.isPresent()) {
                    route = r;
                    params = matched.get();
                    break;
                }
            }
        } catch (IllegalArgumentException e) { // a malformed percent-escape
            errors.add(new FieldError(at + ".path", "has a malformed percent-escape: '" + Ids.printable(path) + "'"));
            return invalid(errors);
        }
        if (route == null) {
            return answered(ErrorCode.NOT_FOUND.status(), ErrorBody.of(ErrorCode.NOT_FOUND,
                    "there is no write endpoint " + Ids.printable(method) + " " + Ids.printable(path)));
        }
        if (!method.equals(METHOD)) {
            return answered(ErrorCode.METHOD_NOT_ALLOWED.status(), ErrorBody.of(ErrorCode.METHOD_NOT_ALLOWED,
                    Ids.printable(path) + " does not take " + Ids.printable(method) + ", only " + METHOD)
                    .with("allow", METHOD));
        }
        if (key != null) {
            FieldRules.key(at + ".idempotencyKey", key).ifPresent(errors::add);
        }
        JsonFields fields = null;
        if (body == null || body.isNull()) {
            errors.add(new FieldError(at + ".body", "is required"));
        } else if (!body.isObject()) {
            errors.add(new FieldError(at + ".body", "must be a JSON object"));
        } else {
            fields = new JsonFields((ObjectNode) body);
        }
        RequestBodies inputs = new RequestBodies(params::get, at + ".path.", fields, at + ".body.", errors);
        String requestId = UUID.randomUUID().toString();
        LedgerRequest request = route.reader().read(inputs, requestId, key, nowMs);
        List<FieldError> invalid = inputs.errors();
        item.unknownFieldErrors().forEach(e -> invalid.add(new FieldError(at + "." + e.field(), e.message())));
        return request == null || !invalid.isEmpty() ? invalid(invalid) : new Item.Valid(requestId, request);
    }

    /** The required string member {@code field} of an item, or null with the error added. */
    private static String text(JsonFields item, String field, String at, List<FieldError> errors) {
        JsonNode n = item.get(field);
        if (n == null || n.isNull()) {
            errors.add(new FieldError(at + "." + field, "is required"));
            return null;
        }
        if (!n.isTextual()) {
            errors.add(new FieldError(at + "." + field, "must be a string"));
            return null;
        }
        return n.asText();
    }

    /** One error per valid item whose (account, idempotency key) an earlier valid item has too, and one for that earlier item. */
    private static List<FieldError> duplicateKeys(List<Item> items) {
        Map<String, Integer> first = new HashMap<>();
        Map<Integer, FieldError> errors = new TreeMap<>();
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) instanceof Item.Valid valid) {
                LedgerRequest r = valid.request();
                Integer earlier = first.putIfAbsent(r.getAccountId() + '\u0000' + r.getIdempotencyKey(), i);
                if (earlier != null) {
                    String message = "the same idempotency key for account '" + Ids.printable(r.getAccountId())
                            + "' appears more than once in the batch; each request needs its own";
                    errors.put(earlier, new FieldError("requests[" + earlier + "].idempotencyKey", message));
                    errors.put(i, new FieldError("requests[" + i + "].idempotencyKey", message));
                }
            }
        }
        return List.copyOf(errors.values());
    }

    /** Registers every valid item's outcome, then publishes them all, then answers when all are back or the timeout passes. */
    private void publishAndAwait(Context ctx, List<Item> items) {
        List<CompletableFuture<LedgerResult>> registered = new ArrayList<>(items.size());
        for (Item item : items) {
            registered.add(item instanceof Item.Valid valid ? outcomes.register(valid.requestId()) : null);
        }
        List<CompletableFuture<LedgerResult>> decided = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) instanceof Item.Valid valid) {
                CompletableFuture<LedgerResult> outcome = registered.get(i);
                decided.add(publish(valid.request()).thenCompose(ignored -> outcome));
            } else {
                decided.add(null);
            }
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(decided.stream().filter(f -> f != null)
                .toArray(CompletableFuture[]::new)).completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS);
        ctx.future(() -> all.handleAsync((ignored, error) -> {
            ctx.status(200).json(Map.of("results", results(items, decided)));
            return null;
        }, threads));
    }

    /** Completes when Kafka acknowledged {@code request}; exceptionally when it did not take it. */
    private CompletableFuture<RecordMetadata> publish(LedgerRequest request) {
        try {
            return publisher.publish(request);
        } catch (RuntimeException e) { // the producer refused it at once (closed, say): this item only
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Each item's {@code {status, body}} in order, as far as the outcomes are back now. */
    private List<Map<String, Object>> results(List<Item> items, List<CompletableFuture<LedgerResult>> decided) {
        List<Map<String, Object>> results = new ArrayList<>(items.size());
        int unpublished = 0;
        Throwable firstError = null;
        for (int i = 0; i < items.size(); i++) {
            CompletableFuture<LedgerResult> outcome = decided.get(i);
            if (items.get(i) instanceof Item.Answered answered) {
                results.add(result(answered.status(), answered.body()));
            } else if (!outcome.isDone()) {
                answers.count("pending", "none");
                results.add(result(202, WriteAnswers.pending(((Item.Valid) items.get(i)).requestId())));
            } else if (outcome.isCompletedExceptionally()) {
                Throwable error = LedgerHttpApi.unwrap(outcome.handle((r, e) -> e).join());
                unpublished++;
                firstError = firstError == null ? error : firstError;
                answers.count("error", "none");
                results.add(result(ErrorCode.UNAVAILABLE.status(), WriteAnswers.unavailable(error).toJson()));
            } else {
                LedgerResult r = outcome.join();
                answers.count(r);
                results.add(result(WriteAnswers.statusOf(r), WriteAnswers.body(r)));
            }
        }
        if (unpublished > 0) {
            log.error("{} of {} batch items could not be published", unpublished, items.size(), firstError);
        }
        return results;
    }

    private static Map<String, Object> result(int status, Object body) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        m.put("body", body);
        return m;
    }

    private static Item invalid(List<FieldError> errors) {
        return answered(ErrorCode.INVALID_REQUEST.status(), ErrorBody.invalid(errors));
    }

    private static Item answered(int status, ErrorBody body) {
        return new Item.Answered(status, body.toJson());
    }
}
