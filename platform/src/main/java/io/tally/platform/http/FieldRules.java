package io.tally.platform.http;

import io.javalin.http.Context;
import io.tally.core.FreeText;
import io.tally.core.Ids;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The core's rules for identifiers and free text ({@link Ids}, {@link FreeText}; DESIGN.md,
 * Identifiers) applied to HTTP inputs, as field errors: every path parameter, query parameter, header
 * and body member that names an account, a hold, a charge, a request or an idempotency key goes
 * through one of these before anything is published or looked up. A rejected value is echoed only
 * through {@link Ids#printable} (never a raw NUL, newline or 5,000 characters).
 *
 * <p>Stateless and thread-safe.
 */
public final class FieldRules {
    private FieldRules() {}

    /** The error for {@code value} of {@code field} if it is not a name (account id, hold id). */
    public static Optional<FieldError> name(String field, String value) {
        return Ids.nameProblem(value).map(problem -> error(field, value, problem));
    }

    /** The error for {@code value} of {@code field} if it is not a key (idempotency key, request id). */
    public static Optional<FieldError> key(String field, String value) {
        return Ids.keyProblem(value).map(problem -> error(field, value, problem));
    }

    /** The error for {@code value} of {@code field} if it is not an event id ({@code <account id>:<version>}, a charge id). */
    public static Optional<FieldError> eventId(String field, String value) {
        return Ids.eventIdProblem(value).map(problem -> error(field, value, problem));
    }

    /** The error for {@code value} of {@code field} if it may not be carried as free text (a reference); null may. */
    public static Optional<FieldError> freeText(String field, String value) {
        return FreeText.problem(value).map(problem -> new FieldError(field, problem));
    }

    /**
     * The value of header {@code name} if the request carries it exactly once; otherwise {@code null},
     * with the error added to {@code errors} (absent, or sent more than once: a request that says two
     * things is not guessed at).
     */
    public static String onlyHeader(Context ctx, String name, List<FieldError> errors) {
        List<String> values = Collections.list(ctx.req().getHeaders(name));
        return only(name, values, "header is required", "header", errors);
    }

    /**
     * The value of query parameter {@code name} if the request carries it at most once (absent:
     * {@code null}, no error); sent more than once, {@code null} with the error added to {@code errors}.
     */
    public static String optionalQueryParam(Context ctx, String name, List<FieldError> errors) {
        List<String> values = ctx.queryParams(name);
        return values.isEmpty() ? null : only(name, values, "", "query parameter", errors);
    }

    private static String only(String name, List<String> values, String absent, String kind, List<FieldError> errors) {
        if (values.isEmpty()) {
            errors.add(new FieldError(name, absent));
            return null;
        }
        if (values.size() > 1) {
            errors.add(new FieldError(name, kind + " must be sent once, was sent " + values.size() + " times"));
            return null;
        }
        return values.get(0);
    }

    private static FieldError error(String field, String value, String problem) {
        return new FieldError(field, value == null || value.isEmpty() ? problem
                : problem + "; was '" + Ids.printable(value) + "'");
    }
}
