package io.tally.ledger.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.tally.core.Currency;
import io.tally.core.Ids;
import io.tally.platform.http.FieldError;
import io.tally.platform.http.FieldRules;
import io.tally.platform.http.JsonFields;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/**
 * Reads one write request's inputs (its path parameters and its JSON body) for a request, collecting
 * every field error (not only the first) for a 400:
 * <ul>
 *   <li>ids (account, hold, payee; path or body) by the core's name grammar, a charge id by its event
 *       id grammar, a {@code reference} by the free-text rule ({@link FieldRules});</li>
 *   <li>amounts are JSON integers of minor units that fit in 64 bits: a fraction ({@code 1.5},
 *       {@code 1e2}), a string or a larger number is an error, never rounded or converted;</li>
 *   <li>a member the endpoint does not read is an error ({@link #errors()} adds them at the end), so
 *       an endpoint's reader reads every field it takes before it judges any.</li>
 * </ul>
 * When the body was not a JSON object its error is already in the list and body fields read as
 * absent without further errors, so the path parameters and headers are still judged.
 *
 * <p>Not thread-safe: one instance per HTTP request.
 */
final class RequestBodies {
    private final Context ctx;
    private final JsonFields body;
    private final List<FieldError> errors;

    /**
     * @param ctx the request, for its path parameters
     * @param body the body's members, or {@code null} when the body was malformed (its error in {@code errors})
     * @param errors the errors found so far (headers, the body); this adds to it
     */
    RequestBodies(Context ctx, JsonFields body, List<FieldError> errors) {
        this.ctx = ctx;
        this.body = body;
        this.errors = errors;
    }

    /** Whether no error has been found so far (the reader may build its request). */
    boolean valid() {
        return errors.isEmpty();
    }

    /** Every error: those found while reading, then one per body member the reader did not read. Call once, after reading. */
    List<FieldError> errors() {
        if (body != null) {
            errors.addAll(body.unknownFieldErrors());
        }
        return errors;
    }

    /** Adds an error about {@code field} that the reader found by a rule of its own. */
    void refuse(String field, String message) {
        errors.add(new FieldError(field, message));
    }

    /** The path parameter {@code name} as a name (account id, hold id), or null after an error. */
    String pathName(String name) {
        return checked(ctx.pathParam(name), FieldRules.name(name, ctx.pathParam(name)));
    }

    /** The path parameter {@code name} as an event id ({@code <account id>:<version>}), or null after an error. */
    String pathEventId(String name) {
        return checked(ctx.pathParam(name), FieldRules.eventId(name, ctx.pathParam(name)));
    }

    /** The body member {@code field} as a name (account id, hold id), or null (absent and optional, or an error). */
    String name(String field, boolean required) {
        String id = string(field, required);
        return id == null ? null : checked(id, FieldRules.name(field, id));
    }

    /** The optional free-text member {@code reference} (FreeText's rule), or null. */
    String reference() {
        String text = string("reference", false);
        return text == null ? null : checked(text, FieldRules.freeText("reference", text));
    }

    /** The body member {@code field} as a whole number of minor units, or null. */
    Long minor(String field, boolean required) {
        JsonNode n = member(field, required);
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            errors.add(new FieldError(field, "must be a whole number of minor units that fits in 64 bits"));
            return null;
        }
        return n.asLong();
    }

    /** The required member {@code currency}: a currency code (1-12 upper-case letters or digits), or null. */
    String currency() {
        String code = string("currency", true);
        if (code != null && !Currency.isValidCode(code)) {
            errors.add(new FieldError("currency", "must be 1-12 upper-case letters or digits; was '"
                    + Ids.printable(code) + "'"));
            return null;
        }
        return code;
    }

    /** The optional member {@code field} as an ISO-8601 instant, in epoch milliseconds, or null. */
    Long instantMs(String field) {
        String text = string(field, false);
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) { // ArithmeticException: past epoch milliseconds' range
            errors.add(new FieldError(field, "must be an ISO-8601 instant such as 2026-11-23T12:00:00Z"));
            return null;
        }
    }

    /** The body member {@code field} as a JSON string, or null (absent, JSON null, or an error). */
    private String string(String field, boolean required) {
        JsonNode n = member(field, required);
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            errors.add(new FieldError(field, "must be a string"));
            return null;
        }
        return n.asText();
    }

    /** The member {@code field}, or null when absent or JSON null (an error if required); null, silently, when the body is malformed. */
    private JsonNode member(String field, boolean required) {
        if (body == null) {
            return null;
        }
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                errors.add(new FieldError(field, "is required"));
            }
            return null;
        }
        return n;
    }

    private String checked(String value, Optional<FieldError> error) {
        error.ifPresent(errors::add);
        return error.isPresent() ? null : value;
    }
}
