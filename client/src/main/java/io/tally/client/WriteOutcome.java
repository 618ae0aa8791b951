package io.tally.client;

import java.util.List;

/**
 * How a write ended, as a value: the client never throws for a business rejection, a malformed request or a
 * ledger that stayed unavailable for the whole retry budget ({@link RetryBudget}). Callers switch over the
 * permitted records.
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface WriteOutcome {
    /** The idempotency key the write was sent with (generated when the caller gave none); null if none was sent. */
    String idempotencyKey();

    /**
     * Accepted (HTTP 201), or the stored outcome of a key seen before ({@code replayed}, HTTP 200).
     *
     * @param eventIds the events appended, in order
     * @param version the account's version after them
     * @param availableMinor the available balance after, minor units
     * @param lockedMinor the locked (held) balance after, minor units
     */
    record Accepted(String requestId, String accountId, String idempotencyKey, boolean replayed, List<String> eventIds,
            long version, long availableMinor, long lockedMinor) implements WriteOutcome {
        public Accepted {
            eventIds = List.copyOf(eventIds);
        }
    }

    /**
     * Rejected by the ledger (HTTP 422, or 409 {@code IDEMPOTENCY_KEY_REUSED}) with its stable code, e.g.
     * {@code INSUFFICIENT_FUNDS} (ledger-core's {@code RejectionCode}).
     */
    record Rejected(String code, String message, String requestId, String accountId, String idempotencyKey)
            implements WriteOutcome {}

    /** Refused before it was published (HTTP 400, 413, 415): {@code fields} names each wrong input. */
    record Invalid(int status, String code, String message, List<FieldError> fields, String idempotencyKey)
            implements WriteOutcome {
        public Invalid {
            fields = List.copyOf(fields);
        }
    }

    /**
     * Published, but its outcome was not back when the retry budget ran out (HTTP 202); ask again with
     * {@link TallyClient#requestOutcome}, or resend with the same idempotency key.
     */
    record Pending(String requestId, String idempotencyKey) implements WriteOutcome {}

    /**
     * The ledger did not take it within the retry budget: 503 (Kafka did not acknowledge) or no answer in time
     * ({@code status} 0). Resending with the same idempotency key is safe.
     */
    record Unavailable(int status, String message, String idempotencyKey) implements WriteOutcome {}

    /**
     * Any other answer: 401 (no valid token), 403 (no {@code write} scope), 404 for a request id this instance does
     * not know ({@link TallyClient#requestOutcome}), a 5xx other than 503. Not retried.
     */
    record Failed(int status, String code, String message, String idempotencyKey) implements WriteOutcome {}

    /** One wrong input: {@code field} as the API names it (e.g. {@code amountMinor}), {@code message} in words. */
    record FieldError(String field, String message) {}
}
