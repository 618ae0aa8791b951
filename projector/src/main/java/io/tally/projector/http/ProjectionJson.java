package io.tally.projector.http;

import io.tally.avro.AccountBalance;
import io.tally.avro.HoldState;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON bodies of the projector's reads: amounts in minor units, times as ISO-8601 instants, members
 * in a fixed order.
 *
 * <p>Thread-safe: stateless.
 */
final class ProjectionJson {
    private ProjectionJson() {}

    /**
     * The JSON of a balance: account, currency and scale, available, locked and their total, version,
     * last event id, updated at.
     *
     * @throws ArithmeticException if available + locked overflows a {@code long}
     */
    static Map<String, Object> balance(AccountBalance b) {
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

    /** The JSON of a hold; {@code status} is OPEN, CLOSED or EXPIRED, {@code expiresAt} null if it never expires. */
    static Map<String, Object> hold(HoldState h) {
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
}
