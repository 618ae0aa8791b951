package io.tally.client;

import java.time.Instant;

/**
 * An account's balance as the projector serves it ({@code GET /v1/accounts/{accountId}/balance}): amounts in
 * minor units of {@code currency} with {@code scale} decimals; {@code totalMinor} is available plus locked;
 * {@code version} is the account's version after {@code lastEventId}.
 *
 * <p>Immutable and thread-safe.
 */
public record Balance(String accountId, String currency, int scale, long availableMinor, long lockedMinor,
        long totalMinor, long version, String lastEventId, Instant updatedAt) {}
