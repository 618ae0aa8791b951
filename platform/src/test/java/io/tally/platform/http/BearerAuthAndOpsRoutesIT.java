package io.tally.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.platform.http.BearerAuth.Scope;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The one bearer-token check ({@link BearerAuth}, {@link Tokens}) and the one set of operations routes
 * ({@link OpsRoutes}) on a real Javalin server: who gets 200, 401 and 403, and what the health and
 * metrics routes answer as readiness changes.
 */
class BearerAuthAndOpsRoutesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WRITER = "writer-token";
    private static final String READER = "reader-token";
    private static final AtomicReference<Optional<String>> problem = new AtomicReference<>(Optional.empty());
    private static final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private static TestServer server;

    @BeforeAll
    static void start() {
        BearerAuth auth = new BearerAuth(Tokens.parse(List.of(
                "# comment and blank lines are skipped", "",
                Tokens.hash(WRITER) + ":write,read:checkout", Tokens.hash(READER) + ":read")));
        metrics.counter("tally.test.requests").increment();
        server = TestServer.start(config -> { }, app -> {
            app.post("/things", auth.require(Scope.WRITE, ctx -> ctx.status(201).result("written")));
            app.get("/things", auth.require(Scope.READ, ctx -> ctx.result("read")));
            OpsRoutes.install(app, problem::get, metrics);
        });
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void assertError(HttpResponse<String> response, int status, String code) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("code").asText()).isEqualTo(code);
        assertThat(body.get("status").asText()).isEqualTo(code);
        assertThat(body.get("fields").isArray()).isTrue();
    }

    @Test
    void aTokenWithTheScopeIsServed() throws Exception {
        HttpResponse<String> written = server.send(server.to("/things").header("Authorization", "Bearer " + WRITER)
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(written.statusCode()).isEqualTo(201);
        assertThat(written.body()).isEqualTo("written");
        // The scheme is case-insensitive (RFC 7235).
        assertThat(server.send(server.to("/things").header("Authorization", "bearer " + READER).GET()).body()).isEqualTo("read");
    }

    @Test
    void aKnownTokenWithoutTheScopeIsForbidden() throws Exception {
        HttpResponse<String> refused = server.send(server.to("/things").header("Authorization", "Bearer " + READER)
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertError(refused, 403, "FORBIDDEN");
        assertThat(JSON.readTree(refused.body()).get("message").asText()).contains("write scope");
    }

    @Test
    void noTokenAnUnknownOneTwoHeadersOrAnotherSchemeAreUnauthorized() throws Exception {
        List<HttpRequest.Builder> requests = List.of(
                server.to("/things"),
                server.to("/things").header("Authorization", "Bearer not-configured"),
                server.to("/things").header("Authorization", "Bearer " + READER).header("Authorization", "Bearer " + READER),
                server.to("/things").header("Authorization", "Basic " + READER),
                server.to("/things").header("Authorization", "Bearer "));
        for (HttpRequest.Builder request : requests) {
            HttpResponse<String> refused = server.send(request.GET());
            assertError(refused, 401, "UNAUTHORIZED");
            assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        }
    }

    @Test
    void aTokenLineThatIsNotAHashAndScopesIsRefusedNamingIt() {
        assertThatThrownBy(() -> Tokens.parse(List.of(Tokens.hash("a") + ":read", "not-a-hash:read")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token line 2");
        assertThatThrownBy(() -> Tokens.parse(List.of(Tokens.hash("a") + ":read,delete")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown scope 'delete'");
        assertThat(Tokens.parse(List.of(Tokens.hash("a") + ":READ:named")).find("a"))
                .hasValueSatisfying(entry -> {
                    assertThat(entry.name()).isEqualTo("named");
                    assertThat(entry.scopes()).containsExactly(Scope.READ);
                });
        assertThat(Tokens.generate()).startsWith("tly_").isNotEqualTo(Tokens.generate());
    }

    @Test
    void healthFollowsReadinessAndLivenessDoesNot() throws Exception {
        problem.set(Optional.empty());
        for (String path : List.of("/health", "/health/ready", "/health/live")) {
            HttpResponse<String> up = server.send(server.to(path).GET());
            assertThat(up.statusCode()).as(path).isEqualTo(200);
            assertThat(up.body()).as(path).isEqualTo("UP");
        }
        problem.set(Optional.of("streams REBALANCING"));
        try {
            for (String path : List.of("/health", "/health/ready")) {
                HttpResponse<String> down = server.send(server.to(path).GET());
                assertThat(down.statusCode()).as(path).isEqualTo(503);
                assertThat(down.body()).as(path).isEqualTo("streams REBALANCING");
            }
            assertThat(server.send(server.to("/health/live").GET()).statusCode()).isEqualTo(200);
        } finally {
            problem.set(Optional.empty());
        }
    }

    @Test
    void metricsAreThePrometheusExpositionWithoutAToken() throws Exception {
        HttpResponse<String> scraped = server.send(server.to("/metrics").GET());
        assertThat(scraped.statusCode()).isEqualTo(200);
        assertThat(scraped.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("text/plain; version=0.0.4"));
        assertThat(scraped.body()).contains("tally_test_requests_total 1.0");
    }
}
