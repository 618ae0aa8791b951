package io.tally.ledger.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.avro.LedgerRequest;
import io.tally.core.Currency;
import io.tally.schemas.codec.RequestCodec;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the JSON bodies of the write endpoints into requests, collecting every field error (not
 * only the first) for a 400. Amounts are JSON integers of minor units; a fraction is an error,
 * never rounded.
 *
 * <p>Not thread-safe: one instance per HTTP request.
 */
final class RequestBodies {
    /** One field that is wrong. */
    record FieldError(String field, String message) {}

    private final JsonNode body;
    private final List<FieldError> errors = new ArrayList<>();

    RequestBodies(JsonNode body) {
        this.body = body;
    }

    List<FieldError> errors() {
        return errors;
    }

    String text(String field, boolean required) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                errors.add(new FieldError(field, "is required"));
            }
            return null;
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            errors.add(new FieldError(field, "must be a non-blank string"));
            return null;
        }
        return n.asText();
    }

    Long minor(String field, boolean required) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                errors.add(new FieldError(field, "is required"));
            }
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            errors.add(new FieldError(field, "must be a whole number of minor units that fits in 64 bits"));
            return null;
        }
        return n.asLong();
    }

    String currency() {
        String code = text("currency", true);
        if (code != null && !Currency.isValidCode(code)) {
            errors.add(new FieldError("currency", "must be 1-12 upper-case letters or digits"));
            return null;
        }
        return code;
    }

    Long instantMs(String field) {
        String text = text(field, false);
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(field, "must be an ISO-8601 instant such as 2026-11-23T12:00:00Z"));
            return null;
        }
    }

    static LedgerRequest openAccount(RequestBodies b, String requestId, String key, long nowMs) {
        String account = b.text("accountId", true);
        String currency = b.currency();
        Long scale = b.minor("scale", true);
        Long overdraft = b.minor("overdraftLimitMinor", false);
        if (scale != null && (scale < 0 || scale > Currency.MAX_SCALE)) {
            b.errors.add(new FieldError("scale", "must be 0.." + Currency.MAX_SCALE));
        }
        if (!b.errors.isEmpty()) {
            return null;
        }
        return RequestCodec.openAccount(requestId, key, account, new Currency(currency, scale.intValue()),
                overdraft == null ? 0 : overdraft, nowMs);
    }
}
