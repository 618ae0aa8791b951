package io.tally.client;

import java.time.Instant;

/**
 * A hold as the projector serves it ({@code GET /v1/holds/{holdId}?accountId=}): {@code status} is {@code OPEN},
 * {@code CLOSED} or {@code EXPIRED}; amounts in minor units; {@code expiresAt} null when it never expires.
 *
 * <p>Immutable and thread-safe.
 */
public record Hold(String accountId, String holdId, String status, String currency, int scale, long amountMinor,
        long capturedMinor, long releasedMinor, long remainingMinor, Instant expiresAt, Instant placedAt, long version,
        String lastEventId) {}
