package io.tally.platform.http;

import java.util.Optional;

/**
 * The codes of the error answers the HTTP layer gives itself (its 4xx, and 503), each with its status. Answers about the
 * ledger's decisions (422, and 409 for a reused idempotency key) carry the ledger's own rejection
 * code instead ({@code io.tally.core.RejectionCode}); a status without a code here (a 414 or 431 from
 * Jetty, say) gets the name of Javalin's {@code HttpStatus} ({@code URI_TOO_LONG}).
 *
 * <p>Stable: clients branch on these names (DESIGN.md, HTTP).
 */
public enum ErrorCode {
    /** 400: a field, header, parameter or the body is malformed; {@code fields} says which. */
    INVALID_REQUEST(400),
    /** 401: no bearer token, or one that is not configured. */
    UNAUTHORIZED(401),
    /** 403: the token lacks the endpoint's scope. */
    FORBIDDEN(403),
    /** 404: no such endpoint, or nothing known under the id asked for. */
    NOT_FOUND(404),
    /** 405: the endpoint exists, not with this method (the {@code Allow} header lists those it has). */
    METHOD_NOT_ALLOWED(405),
    /** 413: the body is larger than the endpoint reads, declared or streamed (chunked). */
    BODY_TOO_LARGE(413),
    /** 415: the body is not declared as {@code application/json} (UTF-8). */
    UNSUPPORTED_MEDIA_TYPE(415),
    /** 503: the service cannot take or answer the request now; {@code Retry-After} says when to ask again. */
    UNAVAILABLE(503);

    private final int status;

    ErrorCode(int status) {
        this.status = status;
    }

    /** The HTTP status this code is answered with. */
    public int status() {
        return status;
    }

    /** The code answered with {@code status}, if there is one here. */
    public static Optional<ErrorCode> forStatus(int status) {
        for (ErrorCode code : values()) {
            if (code.status == status) {
                return Optional.of(code);
            }
        }
        return Optional.empty();
    }
}
