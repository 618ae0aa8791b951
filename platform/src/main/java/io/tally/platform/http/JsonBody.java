package io.tally.platform.http;

/**
 * What {@link StrictJson#read} made of a request body: a JSON object ({@link Parsed}), a body that is
 * not one ({@link Malformed}, a 400 whose field error the endpoint reports beside any others), or a
 * body the endpoint does not read at all ({@link Refused}: 413 or 415, answered as it stands).
 *
 * <p>Immutable records.
 */
public sealed interface JsonBody permits JsonBody.Parsed, JsonBody.Malformed, JsonBody.Refused {
    /** A JSON object without duplicate members or trailing tokens. */
    record Parsed(JsonFields fields) implements JsonBody {}

    /** Not one JSON object: {@code error} names {@code body}, or the member that was duplicated. */
    record Malformed(FieldError error) implements JsonBody {}

    /** Not read: {@code status} 413 or 415 with its {@code error}. */
    record Refused(int status, ErrorBody error) implements JsonBody {}
}
