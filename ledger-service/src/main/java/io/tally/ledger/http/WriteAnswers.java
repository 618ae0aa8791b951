package io.tally.ledger.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.tally.avro.LedgerResult;
import io.tally.avro.ResultStatus;
import io.tally.core.RejectionCode;
import io.tally.platform.http.ErrorBody;
import io.tally.platform.http.ErrorCode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The status and JSON body a write answers for each way it can end, in one place, so that a single write
 * ({@link LedgerHttpApi}) and an item of a batch ({@link BatchWrites}) answer byte for byte alike:
 * <ul>
 *   <li>an outcome ({@link #statusOf}, {@link #body}): 201 accepted, 200 the stored outcome of a key seen
 *       before, 409 {@code IDEMPOTENCY_KEY_REUSED}, 422 any other rejection;</li>
 *   <li>{@link #pending}: 202, the outcome is not back in time; {@link #unavailable}: 503, Kafka did not
 *       take the request.</li>
 * </ul>
 * Each is counted in {@code tally.http.requests{outcome, code}} ({@link #count}); a 400 is not.
 *
 * <p>Thread-safe: the registry is.
 */
final class WriteAnswers {
    private final MeterRegistry metrics;

    WriteAnswers(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    /** The one place where an outcome becomes an HTTP status. */
    static int statusOf(LedgerResult result) {
        if (result.getStatus() == ResultStatus.ACCEPTED) {
            return result.getReplayed() ? 200 : 201;
        }
        return RejectionCode.IDEMPOTENCY_KEY_REUSED.name().equals(result.getRejectionCode()) ? 409 : 422;
    }

    /**
     * The JSON of an outcome: an accepted one with its event ids, version and balances after (minor units);
     * a rejected one in the error shape, its rejection code as {@code code}, and {@code fields} empty.
     */
    static Map<String, Object> body(LedgerResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", r.getStatus().name());
        m.put("requestId", r.getRequestId());
        m.put("accountId", r.getAccountId());
        m.put("idempotencyKey", r.getIdempotencyKey());
        m.put("replayed", r.getReplayed());
        if (r.getStatus() != ResultStatus.ACCEPTED) {
            String code = Objects.requireNonNullElse(r.getRejectionCode(), "UNKNOWN");
            return new ErrorBody(code, Objects.requireNonNullElse(r.getMessage(), code), List.of(), m).toJson();
        }
        m.put("eventIds", r.getEventIds());
        m.put("version", r.getVersion());
        m.put("availableMinor", r.getAvailableAfterMinor());
        m.put("lockedMinor", r.getLockedAfterMinor());
        return m;
    }

    /** Where the outcome of {@code requestId} can be asked for later ({@code GET}, scope {@code read}). */
    static String location(String requestId) {
        return "/v1/requests/" + requestId;
    }

    /** The 202 body of a write whose outcome is not back in time. */
    static Map<String, Object> pending(String requestId) {
        return Map.of("status", "PENDING", "requestId", requestId, "location", location(requestId));
    }

    /** The 503 body of a write Kafka did not take ({@code cause}: the producer's failure). */
    static ErrorBody unavailable(Throwable cause) {
        return ErrorBody.of(ErrorCode.UNAVAILABLE, "the ledger could not take the request: " + cause.getMessage())
                .with("status", "UNAVAILABLE");
    }

    /** Counts an outcome in {@code tally.http.requests}. */
    void count(LedgerResult result) {
        count(result.getStatus().name().toLowerCase(Locale.ROOT),
                result.getRejectionCode() == null ? "none" : result.getRejectionCode());
    }

    /** Counts a write that ended without an outcome: {@code pending} (202) or {@code error} (503). */
    void count(String outcome, String code) {
        metrics.counter("tally.http.requests", "outcome", outcome, "code", code).increment();
    }
}
