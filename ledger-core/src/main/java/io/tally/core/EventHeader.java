package io.tally.core;

import java.util.Objects;

/**
 * What every ledger event carries besides its effect.
 *
 * @param eventId unique and deterministic: {@code accountId + ":" + version} (see {@link #eventIdOf})
 * @param accountId the account the event belongs to
 * @param version the account's version after this event: 1 for the opening, then 2, 3, ...
 * @param requestId the request that caused it
 * @param idempotencyKey the request's idempotency key
 * @param acceptedAtMs when the ledger accepted it, epoch milliseconds
 */
public record EventHeader(
        String eventId, String accountId, long version, String requestId, String idempotencyKey, long acceptedAtMs) {
    public EventHeader {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        if (version < 1) {
            throw new IllegalArgumentException("version starts at 1: " + version);
        }
    }

    /** The event id of an account's {@code version}-th event; the same inputs always give the same id. */
    public static String eventIdOf(String accountId, long version) {
        return accountId + ":" + version;
    }
}
