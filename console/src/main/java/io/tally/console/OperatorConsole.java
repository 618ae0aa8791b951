package io.tally.console;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.staticfiles.Location;
import io.tally.platform.http.BearerAuth;
import io.tally.platform.http.BearerAuth.Scope;
import io.tally.platform.http.ErrorBody;
import io.tally.platform.http.ErrorCode;
import io.tally.platform.http.FieldError;
import io.tally.platform.http.FieldRules;
import io.tally.platform.http.HttpErrors;
import io.tally.platform.http.Tokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator console (issue 17): a web page at {@code /console} and the JSON it reads, on a port of its
 * own beside the ledger and projector APIs ({@code ./tally serve --console-port}, default 8082).
 *
 * <p>Routes, each needing a bearer token with the {@code read} scope (the page asks for one and keeps it
 * in the browser's session storage); errors in the services' one error shape:
 * <ul>
 *   <li>{@code GET /console}: the page (static files; Pico CSS and Chart.js served from their WebJars
 *       at {@code /webjars/...}); needs no token, holds no data;
 *   <li>{@code GET /console/api/accounts/{accountId}}: {@code {"balance": ..., "holds": [...],
 *       "history": [...]}}, each asked of the projector's read API with the caller's token, so the page
 *       shows what the API answers (its status passed on: 404 for an unknown account, 503 mid-rebalance);
 *   <li>{@code GET /console/api/runs}: the latest 20 reconciliation runs, newest first, each with its 50
 *       largest discrepancies;
 *   <li>{@code GET /console/api/lag}: each service's consumer group, its lag in records and whether it is
 *       caught up, and the live projector application id (the rebuild state);
 *   <li>{@code GET /console/api/dead-letters}: the newest dead letters with their reasons.
 * </ul>
 * Entries (the account's postings with running balances) come with the account-history issue (18).
 *
 * <p>Thread-safe.
 */
public final class OperatorConsole implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OperatorConsole.class);
    private static final Duration PROJECTOR_TIMEOUT = Duration.ofSeconds(10);
    /** Runs {@code /console/api/runs} answers, and discrepancies per run. */
    static final int RUNS = 20;
    static final int DISCREPANCIES = 50;
    private static final String PAGE = "/console/index.html";

    private final Javalin app;
    private final ConsoleSources sources;
    private final ConsoleReads reads;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(PROJECTOR_TIMEOUT).build();

    /**
     * @param sources where the console reads from
     * @param tokens the tokens allowed in (the services' own token store)
     */
    public OperatorConsole(ConsoleSources sources, Tokens tokens) {
        this.sources = sources;
        this.reads = new ConsoleReads(sources);
        BearerAuth auth = new BearerAuth(tokens);
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            HttpErrors.configure(config);
            config.staticFiles.enableWebjars();
            config.staticFiles.add(files -> {
                files.hostedPath = "/console";
                files.directory = "/io/tally/console/web";
                files.location = Location.CLASSPATH;
            });
        });
        app.exception(ProjectorUnavailable.class, (e, ctx) -> {
            ctx.header("Retry-After", "1");
            HttpErrors.answer(ctx, ErrorCode.UNAVAILABLE.status(), ErrorBody.of(ErrorCode.UNAVAILABLE, e.getMessage()));
        });
        // "/console" and "/console/" are one route (Javalin ignores a trailing slash): both to the page.
        app.get("/", ctx -> ctx.redirect(PAGE));
        app.get("/console", ctx -> ctx.redirect(PAGE));
        Handler account = this::account;
        app.get("/console/api/accounts/{accountId}", auth.require(Scope.READ, account));
        app.get("/console/api/runs", auth.require(Scope.READ, ctx -> ctx.json(Map.of("runs", reads.runs(RUNS, DISCREPANCIES)))));
        app.get("/console/api/lag", auth.require(Scope.READ, ctx -> ctx.json(reads.lag())));
        app.get("/console/api/dead-letters", auth.require(Scope.READ,
                ctx -> ctx.json(Map.of("deadLetters", reads.deadLetters()))));
    }

    /** Starts serving on {@code host:port} (0: any free port). */
    public OperatorConsole start(String host, int port) {
        app.start(host, port);
        log.info("operator console on http://{}:{}/console", host, app.port());
        return this;
    }

    /** The port served on. */
    public int port() {
        return app.port();
    }

    private void account(Context ctx) throws Exception {
        String accountId = ctx.pathParam("accountId");
        Optional<FieldError> malformed = FieldRules.name("accountId", accountId);
        if (malformed.isPresent()) {
            HttpErrors.invalid(ctx, List.of(malformed.get()));
            return;
        }
        String token = ctx.header("Authorization");
        HttpResponse<String> balance = projector("/v1/accounts/" + accountId + "/balance", token);
        if (balance.statusCode() != 200) {
            ctx.status(balance.statusCode()).contentType("application/json").result(balance.body());
            return;
        }
        HttpResponse<String> holds = projector("/v1/accounts/" + accountId + "/holds", token);
        HttpResponse<String> history = projector("/v1/accounts/" + accountId + "/balance/history?limit=500", token);
        if (holds.statusCode() != 200 || history.statusCode() != 200) {
            HttpResponse<String> failed = holds.statusCode() != 200 ? holds : history;
            ctx.status(failed.statusCode()).contentType("application/json").result(failed.body());
            return;
        }
        ctx.contentType("application/json").result("{\"balance\":" + balance.body() + ",\"holds\":" + holds.body()
                + ",\"history\":" + history.body() + "}");
    }

    private HttpResponse<String> projector(String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(sources.projectorApi().resolve(path)).timeout(PROJECTOR_TIMEOUT);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new ProjectorUnavailable(sources.projectorApi(), e);
        }
    }

    /** Stops serving. */
    @Override
    public void close() {
        app.stop();
    }

    /** The projector's read API did not answer: 503 to the page. */
    private static final class ProjectorUnavailable extends RuntimeException {
        ProjectorUnavailable(URI api, Throwable cause) {
            super("the projector's read API at " + api + " did not answer: " + cause.getMessage(), cause);
        }
    }
}
