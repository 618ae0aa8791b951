package io.tally.platform.http;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one shape of every error body the services answer (every 4xx, and their 503s):
 * <pre>{"code": "INVALID_REQUEST", "message": "...", "fields": [{"field": "amountMinor", "message": "..."}]}</pre>
 * {@code code} is stable and machine-readable ({@link ErrorCode}, or the ledger's rejection code for a
 * 409 or 422); {@code message} is for people; {@code fields} names each wrong input and is always
 * present, empty when the error is not about one. Extension members (an outcome's {@code requestId},
 * the {@code status} older clients read) follow them; they never replace one of the three.
 *
 * <p>Immutable and thread-safe.
 *
 * @param code the machine-readable code
 * @param message what went wrong, in words
 * @param fields the inputs that are wrong, in the order they were found
 * @param extensions further members, in order; values may be null
 */
public record ErrorBody(String code, String message, List<FieldError> fields, Map<String, Object> extensions) {
    private static final Set<String> MEMBERS = Set.of("code", "message", "fields");

    /**
     * @throws NullPointerException if code, message or fields is null
     * @throws IllegalArgumentException if an extension is named code, message or fields
     */
    public ErrorBody {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
        fields = List.copyOf(fields);
        extensions = Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
        for (String name : extensions.keySet()) {
            if (MEMBERS.contains(name)) {
                throw new IllegalArgumentException("an extension may not replace the member " + name);
            }
        }
    }

    /** A body with {@code code} and {@code message}, no field errors and no extensions. */
    public static ErrorBody of(String code, String message) {
        return new ErrorBody(code, message, List.of(), Map.of());
    }

    /** A body with {@code code} and {@code message}, no field errors and no extensions. */
    public static ErrorBody of(ErrorCode code, String message) {
        return of(code.name(), message);
    }

    /**
     * The 400 for {@code fields} ({@link ErrorCode#INVALID_REQUEST}), with the extension
     * {@code "status": "INVALID"} that 400 bodies carried before this shape.
     */
    public static ErrorBody invalid(List<FieldError> fields) {
        String names = fields.stream().map(FieldError::field).distinct().collect(Collectors.joining(", "));
        return new ErrorBody(ErrorCode.INVALID_REQUEST.name(), "the request is invalid: " + names, fields,
                Map.of("status", "INVALID"));
    }

    /** This body with the extension {@code name} set to {@code value} (added last, or replaced in place). */
    public ErrorBody with(String name, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(extensions);
        more.put(name, value);
        return new ErrorBody(code, message, fields, more);
    }

    /** The members in order ({@code code}, {@code message}, {@code fields}, then the extensions), for a JSON writer. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("code", code);
        json.put("message", message);
        json.put("fields", fields.stream().map(f -> {
            Map<String, Object> field = new LinkedHashMap<>();
            field.put("field", f.field());
            field.put("message", f.message());
            return field;
        }).toList());
        json.putAll(extensions);
        return json;
    }
}
