package io.tally.platform.http;

import io.javalin.http.Context;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The bearer-token side of the services' APIs (RFC 6750): the token a request presents and the
 * 401 and 403 answers, in the one error shape (with the {@code status} member those bodies carried
 * before it). Which tokens exist and what they may do is the caller's: ledger-service's
 * {@code Tokens}, the projector's access function.
 *
 * <p>Stateless and thread-safe.
 */
public final class BearerTokens {
    private static final String SCHEME = "bearer";

    private BearerTokens() {}

    /**
     * The token of the request's one {@code Authorization: Bearer <token>} header (the scheme
     * case-insensitive, RFC 7235 section 2.1); empty, after answering 401, when there is none, more
     * than one, or another scheme.
     */
    public static Optional<String> presented(Context ctx) {
        List<String> values = Collections.list(ctx.req().getHeaders("Authorization"));
        String value = values.size() == 1 ? values.get(0).strip() : "";
        int space = value.indexOf(' ');
        String token = space < 0 ? "" : value.substring(space + 1).strip();
        if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals(SCHEME) || token.isEmpty()) {
            unauthorized(ctx, "a bearer token is required (one Authorization: Bearer <token> header)");
            return Optional.empty();
        }
        return Optional.of(token);
    }

    /** Answers 401 {@code UNAUTHORIZED} for a token that is not configured. */
    public static void unknown(Context ctx) {
        unauthorized(ctx, "unknown token");
    }

    /** Answers 403 {@code FORBIDDEN}: the token lacks {@code scope} (its name as configured, e.g. {@code read}). */
    public static void lacksScope(Context ctx, String scope) {
        HttpErrors.answer(ctx, ErrorCode.FORBIDDEN.status(), ErrorBody.of(ErrorCode.FORBIDDEN,
                "this token lacks the " + scope + " scope").with("status", ErrorCode.FORBIDDEN.name()));
    }

    private static void unauthorized(Context ctx, String message) {
        ctx.header("WWW-Authenticate", "Bearer");
        HttpErrors.answer(ctx, ErrorCode.UNAUTHORIZED.status(), ErrorBody.of(ErrorCode.UNAUTHORIZED, message)
                .with("status", ErrorCode.UNAUTHORIZED.name()));
    }
}
