package io.tally.platform.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The bearer-token check of every service's API (RFC 6750): a route wrapped by {@link #require} runs
 * only for a request that presents, in its one {@code Authorization: Bearer <token>} header, a token of
 * {@link Tokens} with the route's {@link Scope}. Otherwise it answers, in the one error shape with the
 * {@code status} member those bodies carried before it, 401 {@code UNAUTHORIZED} (with
 * {@code WWW-Authenticate: Bearer}) for no token, several headers, another scheme or an unknown token,
 * and 403 {@code FORBIDDEN} for a known token without the scope.
 *
 * <p>Thread-safe: immutable.
 */
public final class BearerAuth {
    private static final String SCHEME = "bearer";

    /** What a token may do: {@code write} (POST), {@code read} (GET), {@code admin} (operator endpoints). */
    public enum Scope {
        WRITE, READ, ADMIN;

        /** The scope's name as configured and as answers name it: {@code write}, {@code read}, {@code admin}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Tokens tokens;

    /** @param tokens the tokens accepted */
    public BearerAuth(Tokens tokens) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
    }

    /** {@code handler}, run only for a request whose token has {@code scope}; else the 401 or 403 above. */
    public Handler require(Scope scope, Handler handler) {
        Objects.requireNonNull(scope, "scope");
        return ctx -> {
            Optional<String> token = presented(ctx);
            if (token.isEmpty()) {
                return;
            }
            Optional<Tokens.Entry> entry = tokens.find(token.get());
            if (entry.isEmpty()) {
                unauthorized(ctx, "unknown token");
            } else if (!entry.get().scopes().contains(scope)) {
                HttpErrors.answer(ctx, ErrorCode.FORBIDDEN.status(), ErrorBody.of(ErrorCode.FORBIDDEN,
                        "this token lacks the " + scope.label() + " scope").with("status", ErrorCode.FORBIDDEN.name()));
            } else {
                handler.handle(ctx);
            }
        };
    }

    /**
     * The token of the request's one {@code Authorization: Bearer <token>} header (the scheme
     * case-insensitive, RFC 7235 section 2.1); empty, after answering 401, when there is none, more
     * than one, or another scheme.
     */
    private static Optional<String> presented(Context ctx) {
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

    private static void unauthorized(Context ctx, String message) {
        ctx.header("WWW-Authenticate", "Bearer");
        HttpErrors.answer(ctx, ErrorCode.UNAUTHORIZED.status(), ErrorBody.of(ErrorCode.UNAUTHORIZED, message)
                .with("status", ErrorCode.UNAUTHORIZED.name()));
    }
}
