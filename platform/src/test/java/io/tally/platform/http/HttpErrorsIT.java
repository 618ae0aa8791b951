package io.tally.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Javalin server (Jetty on a port) configured by {@link HttpErrors#configure}: the errors that
 * Javalin and Jetty answer themselves come back in the one shape, and {@link StrictJson#read} bounds a
 * body whether or not its length is declared.
 */
class HttpErrorsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BYTES = 1_024;
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(config -> config.http.maxRequestSize = MAX_BYTES, app -> app.post("/things", ctx -> {
            JsonBody body = StrictJson.read(ctx, MAX_BYTES);
            if (body instanceof JsonBody.Refused r) {
                HttpErrors.answer(ctx, r.status(), r.error());
            } else if (body instanceof JsonBody.Malformed m) {
                HttpErrors.invalid(ctx, java.util.List.of(m.error()));
            } else {
                ctx.status(201).json(Map.of("unread", ((JsonBody.Parsed) body).fields().unread()));
            }
        }));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return server.send(request);
    }

    private static HttpRequest.Builder to(String path) {
        return server.to(path);
    }

    private static JsonNode errorOf(int status, String code, int actualStatus, String body) throws Exception {
        assertThat(actualStatus).as(body).isEqualTo(status);
        JsonNode json = JSON.readTree(body);
        assertThat(json.get("code").asText()).as(body).isEqualTo(code);
        assertThat(json.get("message").asText()).isNotBlank();
        assertThat(json.get("fields").isArray()).as(body).isTrue();
        return json;
    }

    private static JsonNode errorOf(int status, String code, HttpResponse<String> response) throws Exception {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        return errorOf(status, code, response.statusCode(), response.body());
    }

    @Test
    void anUnknownRouteIsNotFoundInTheOneShape() throws Exception {
        JsonNode error = errorOf(404, "NOT_FOUND", send(to("/nowhere").GET()));
        assertThat(error.get("message").asText()).isEqualTo("there is no endpoint GET /nowhere");
    }

    @Test
    void aKnownRouteWithAnotherMethodIsMethodNotAllowedWithAllow() throws Exception {
        HttpResponse<String> response = send(to("/things").DELETE());
        errorOf(405, "METHOD_NOT_ALLOWED", response);
        assertThat(response.headers().firstValue("Allow")).hasValue("POST");
    }

    @Test
    void aDeclaredBodyPastTheLimitIsTooLarge() throws Exception {
        JsonNode error = errorOf(413, "BODY_TOO_LARGE", send(to("/things").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"a\": \"" + "x".repeat(MAX_BYTES) + "\"}"))));
        assertThat(error.get("maxBytes").asInt()).isEqualTo(MAX_BYTES);
    }

    @Test
    void aChunkedBodyPastTheLimitIsTooLargeToo() throws Exception {
        byte[] big = ("{\"a\": \"" + "x".repeat(10 * MAX_BYTES) + "\"}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = send(to("/things").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));
        errorOf(413, "BODY_TOO_LARGE", response);
        // and a small chunked body is read whole
        byte[] small = "{\"a\": 1}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> ok = send(to("/things").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(small))));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
        assertThat(JSON.readTree(ok.body()).get("unread").get(0).asText()).isEqualTo("a");
    }

    @Test
    void aBodyNotDeclaredAsJsonIsUnsupported() throws Exception {
        errorOf(415, "UNSUPPORTED_MEDIA_TYPE", send(to("/things").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))));
        errorOf(415, "UNSUPPORTED_MEDIA_TYPE", send(to("/things").POST(HttpRequest.BodyPublishers.ofString("{}"))));
        errorOf(415, "UNSUPPORTED_MEDIA_TYPE", send(to("/things").header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofString("{}"))));
    }

    @Test
    void aRequestLineJettyCannotParseIsAnsweredInTheOneShape() throws Exception {
        RawHttp.Answer answer = RawHttp.send(server.port(), "POST /things\u0001 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        errorOf(400, "INVALID_REQUEST", answer.status(), answer.body());
    }

    @Test
    void headersPastJettysLimitAreAnsweredInTheOneShape() throws Exception {
        RawHttp.Answer answer = RawHttp.send(server.port(), "GET /things HTTP/1.1\r\nHost: x\r\nX-Big: " + "y".repeat(20_000) + "\r\n\r\n");
        errorOf(431, "REQUEST_HEADER_FIELDS_TOO_LARGE", answer.status(), answer.body());
    }
}
