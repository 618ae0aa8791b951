package io.tally.projector.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.micrometer.core.instrument.MeterRegistry;
import io.tally.platform.http.BearerAuth;
import io.tally.platform.http.BearerAuth.Scope;
import io.tally.platform.http.ErrorBody;
import io.tally.platform.http.FieldError;
import io.tally.platform.http.FieldRules;
import io.tally.platform.http.HttpErrors;
import io.tally.platform.http.OpsRoutes;
import io.tally.platform.http.Tokens;
import io.tally.projector.kafka.ProjectorApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The projector's read API (JSON, Javalin), answered from Kafka Streams interactive queries:
 * <ul>
 *   <li>{@code GET /v1/accounts/{accountId}/balance}: the current balance; {@code ?asOf=<ISO-8601
 *       instant>} the balance after the last event accepted at or before it (balance history);
 *       {@code ?minVersion=N} first waits up to the configured timeout until the projection has
 *       reached version N (read-your-writes after a write answered by ledger-service);</li>
 *   <li>{@code GET /v1/holds/{holdId}?accountId=A}: one hold (hold ids are unique within their
 *       account, as in ledger-service's {@code POST /v1/holds/{holdId}/captures}, whose body names the
 *       account);</li>
 *   <li>{@code GET /v1/accounts/{accountId}/holds}: the account's holds, open and closed, in hold-id
 *       order; {@code ?open=true} only the open ones.</li>
 * </ul>
 * Any instance answers any key: an account's stores live on the instance that actively hosts its
 * partition ({@code queryMetadataForKey}, {@code application.server}); another instance forwards the
 * request there once, with the caller's token, and relays the answer. While the client is not
 * {@code RUNNING} (rebalancing, restoring, starting) or the owner is unknown or unreachable, the
 * answer is 503 with {@code Retry-After}, never a balance from a store that is not the account's
 * active one ({@link AccountRouter}). 401 without a valid bearer token, 403 without the {@code read}
 * scope ({@link BearerAuth}), 400 for a
 * malformed parameter (an account or hold id outside the core's grammar, {@link io.tally.core.Ids}, is
 * a 400 naming it, not a 404, and is asked of no other instance; a query parameter sent twice is a
 * 400), 404 for an unknown account or hold. Every 4xx and 503 body is in the one error shape
 * ({@link ErrorBody}: {@code code}, {@code message}, {@code fields}; the {@code status} member of
 * before stays), Javalin's own 404 and 405 included ({@link HttpErrors#configure}). The operations
 * routes ({@code /health/live}, {@code /health/ready}, {@code /health}, {@code /metrics}) are every
 * service's ({@link OpsRoutes}); ready means the projector readers use is {@code RUNNING}.
 *
 * <p>This class is the routes and the checks of their parameters; the routing to an account's owner
 * is {@link AccountRouter}'s, the reads from the stores {@link ProjectionReads}', their JSON
 * {@link ProjectionJson}'s.
 *
 * <p>Thread-safe: Javalin serves requests concurrently; every collaborator is thread-safe.
 */
public final class ProjectorHttpApi implements AutoCloseable {
    /** Set on a forwarded request (value: the forwarding instance), so a request is forwarded at most once. */
    public static final String FORWARDED_BY = "X-Tally-Forwarded-By";
    /** Seconds a client is told to wait before retrying a 503. */
    public static final int RETRY_AFTER_S = 1;

    private static final Logger log = LoggerFactory.getLogger(ProjectorHttpApi.class);

    private final HostInfo self;
    private final BearerAuth auth;
    private final AccountRouter router;
    private final ProjectionReads reads;
    private final Javalin app;

    /**
     * @param projector the local projector readers use now (a {@link io.tally.projector.kafka.LiveProjector}
     *     follows a rebuild's switch), whose {@code application.server} is {@code self}
     * @param self this instance's {@code host:port} as the other instances reach it (the projector's
     *     {@code application.server})
     * @param tokens the bearer tokens accepted; reads need the {@code read} scope
     * @param minVersionTimeout how long {@code ?minVersion=} waits before answering 503
     * @param metrics the registry whose Prometheus text {@code /metrics} serves (if it is one); also
     *     counts {@code tally.projector.http.requests{route=local|forwarded|unavailable}}
     */
    public ProjectorHttpApi(Supplier<ProjectorApp> projector, HostInfo self, Tokens tokens,
            Duration minVersionTimeout, MeterRegistry metrics) {
        this.self = self;
        this.auth = new BearerAuth(tokens);
        this.router = new AccountRouter(projector, self, minVersionTimeout.plusSeconds(5), metrics);
        this.reads = new ProjectionReads(minVersionTimeout);
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            HttpErrors.configure(config);
        });
        app.get("/v1/accounts/{accountId}/balance", read(ctx -> ofPathAccount(ctx, reads::balance)));
        app.get("/v1/accounts/{accountId}/balance/history", read(ctx -> ofPathAccount(ctx, reads::balanceHistory)));
        app.get("/v1/accounts/{accountId}/holds", read(ctx -> ofPathAccount(ctx, reads::accountHolds)));
        app.get("/v1/holds/{holdId}", read(this::hold));
        OpsRoutes.install(app, OpsRoutes.Readiness.streams(() -> projector.get().state()), metrics);
    }

    /** As above, always reading {@code projector} (an instance that does not follow rebuild switches). */
    public ProjectorHttpApi(ProjectorApp projector, HostInfo self, Tokens tokens, Duration minVersionTimeout,
            MeterRegistry metrics) {
        this(() -> projector, self, tokens, minVersionTimeout, metrics);
    }

    /** Starts serving on {@code host:port} (0: any free port; the other instances must know it). */
    public ProjectorHttpApi start(String host, int port) {
        app.start(host, port);
        log.info("projector HTTP API on http://{}:{} (application.server {})", host, app.port(), self);
        return this;
    }

    /** The port served on. */
    public int port() {
        return app.port();
    }

    private Handler read(Handler handler) {
        return auth.require(Scope.READ, handler);
    }

    /** {@code GET /v1/holds/{holdId}?accountId=A}: both ids checked, the account required. */
    private void hold(Context ctx) throws InterruptedException {
        List<FieldError> errors = new ArrayList<>();
        pathName(ctx, "holdId", errors);
        String accountId = null;
        if (ctx.queryParams("accountId").isEmpty()) {
            errors.add(new FieldError("accountId", "is required: hold ids are unique within their account"));
        } else {
            accountId = FieldRules.optionalQueryParam(ctx, "accountId", errors);
            if (accountId != null) {
                FieldRules.name("accountId", accountId).ifPresent(errors::add);
            }
        }
        answerOrRefuse(ctx, accountId, errors, reads::hold);
    }

    /** Answers {@code local} for the account named by the path, or 400 if that is no account id. */
    private void ofPathAccount(Context ctx, AccountRouter.LocalRead local) throws InterruptedException {
        List<FieldError> errors = new ArrayList<>();
        String accountId = pathName(ctx, "accountId", errors);
        answerOrRefuse(ctx, accountId, errors, local);
    }

    /** The path parameter {@code name} if it is a name (account id, hold id); otherwise null, with the error added. */
    private static String pathName(Context ctx, String name, List<FieldError> errors) {
        Optional<FieldError> error = FieldRules.name(name, ctx.pathParam(name));
        error.ifPresent(errors::add);
        return error.isPresent() ? null : ctx.pathParam(name);
    }

    /** 400 naming {@code errors} if there are any (before any routing: a malformed id is asked of no instance), else routed. */
    private void answerOrRefuse(Context ctx, String accountId, List<FieldError> errors, AccountRouter.LocalRead local)
            throws InterruptedException {
        if (!errors.isEmpty()) {
            HttpErrors.invalid(ctx, errors);
            return;
        }
        router.route(ctx, accountId, local);
    }

    /** Stops serving; in-flight requests are answered first (Jetty's graceful stop). */
    @Override
    public void close() {
        app.stop();
    }
}
