package io.tally.platform.http;

import java.util.Objects;

/**
 * One input that is wrong, as it appears in an error body's {@code fields}: {@code field} names the
 * input (a JSON member such as {@code amountMinor}, a path or query parameter such as
 * {@code accountId}, a header such as {@code Idempotency-Key}, or {@code body} for the body as a
 * whole) and {@code message} says what is wrong with it in words. Neither ever holds a caller's raw
 * bytes: a value or name that is echoed has gone through {@link io.tally.core.Ids#printable}.
 *
 * <p>Immutable and thread-safe.
 */
public record FieldError(String field, String message) {
    /** The name under which problems with the body as a whole are reported. */
    public static final String BODY = "body";

    /** @throws NullPointerException if either part is null */
    public FieldError {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
    }
}
