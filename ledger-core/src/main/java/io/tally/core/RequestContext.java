package io.tally.core;

import java.util.Objects;

/**
 * The inputs to a decision that are not the command: ids and the clock, passed in so that
 * {@link Ledger#decide} stays a pure function.
 *
 * @param requestId the request's id, echoed in events and results
 * @param idempotencyKey the request's idempotency key
 * @param acceptedAtMs the time to stamp on accepted events, epoch milliseconds
 */
public record RequestContext(String requestId, String idempotencyKey, long acceptedAtMs) {
    public RequestContext {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    }
}
