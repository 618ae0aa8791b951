package io.tally.ledger.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.core.Currency;
import io.tally.core.Ids;
import io.tally.platform.http.FieldError;
import io.tally.platform.http.FieldRules;
import io.tally.platform.http.JsonFields;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

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
 * <p>The path parameters come from a function, so that a single write (Javalin's {@code pathParam}) and
 * an item of a batch ({@link BatchWrites}: the item's path matched against its route) are read by the
 * same readers. Errors name a path parameter as {@code pathPrefix + name} and a body member as
 * {@code bodyPrefix + member}: both prefixes are empty for a single write, {@code requests[2].path.}
 * and {@code requests[2].body.} for a batch's third item.
 *
 * <p>Not thread-safe: one instance per HTTP request (per batch item).
 */
final class RequestBodies {
    private final UnaryOperator<String> pathParams;
    private final String pathPrefix;
    private final JsonFields body;
    private final String bodyPrefix;
    private final List<FieldError> errors;

    /**
     * The inputs of a single write: errors name the parameter or member as it stands.
     *
     * @param pathParams the request's path parameters by name (Javalin's {@code ctx::pathParam}, decoded)
     * @param body the body's members, or {@code null} when the body was malformed (its error in {@code errors})
     * @param errors the errors found so far (headers, the body); this adds to it
     */
    RequestBodies(UnaryOperator<String> pathParams, JsonFields body, List<FieldError> errors) {
        this(pathParams, "", body, "", errors);
    }

    /**
     * @param pathParams the path parameters by name, each decoded (never null for a parameter the route has)
     * @param pathPrefix put before a path parameter's name in its errors
     * @param body the body's members, or {@code null} when the body was malformed (its error in {@code errors})
     * @param bodyPrefix put before a body member's name in its errors
     * @param errors the errors found so far; this adds to it
     */
    RequestBodies(UnaryOperator<String> pathParams, String pathPrefix, JsonFields body, String bodyPrefix,
            List<FieldError> errors) {
        this.pathParams = pathParams;
        this.pathPrefix = pathPrefix;
        this.body = body;
        this.bodyPrefix = bodyPrefix;
        this.errors = errors;
    }

    /** Whether no error has been found so far (the reader may build its request). */
    boolean valid() {
        return errors.isEmpty();
    }

    /** Every error: those found while reading, then one per body member the reader did not read. Call once, after reading. */
    List<FieldError> errors() {
        if (body != null) {
            body.unknownFieldErrors().forEach(e -> errors.add(new FieldError(bodyPrefix + e.field(), e.message())));
        }
        return errors;
    }

    /** Adds an error about {@code field} that the reader found by a rule of its own. */
    void refuse(String field, String message) {
        errors.add(new FieldError(bodyPrefix + field, message));
    }

    /** The path parameter {@code name} as a name (account id, hold id), or null after an error. */
    String pathName(String name) {
        String value = pathParams.apply(name);
        return checked(value, FieldRules.name(pathPrefix + name, value));
    }

    /** The path parameter {@code name} as an event id ({@code <account id>:<version>}), or null after an error. */
    String pathEventId(String name) {
        String value = pathParams.apply(name);
        return checked(value, FieldRules.eventId(pathPrefix + name, value));
    }

    /** The body member {@code field} as a name (account id, hold id), or null (absent and optional, or an error). */
    String name(String field, boolean required) {
        String id = string(field, required);
        return id == null ? null : checked(id, FieldRules.name(bodyPrefix + field, id));
    }

    /** The optional free-text member {@code reference} (FreeText's rule), or null. */
    String reference() {
        String text = string("reference", false);
        return text == null ? null : checked(text, FieldRules.freeText(bodyPrefix + "reference", text));
    }

    /** The body member {@code field} as a whole number of minor units, or null. */
    Long minor(String field, boolean required) {
        JsonNode n = member(field, required);
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            errors.add(new FieldError(bodyPrefix + field, "must be a whole number of minor units that fits in 64 bits"));
            return null;
        }
        return n.asLong();
    }

    /** The required member {@code currency}: a currency code (1-12 upper-case letters or digits), or null. */
    String currency() {
        String code = string("currency", true);
        if (code != null && !Currency.isValidCode(code)) {
            errors.add(new FieldError(bodyPrefix + "currency", "must be 1-12 upper-case letters or digits; was '"
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
            errors.add(new FieldError(bodyPrefix + field, "must be an ISO-8601 instant such as 2026-11-23T12:00:00Z"));
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
            errors.add(new FieldError(bodyPrefix + field, "must be a string"));
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
                errors.add(new FieldError(bodyPrefix + field, "is required"));
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
