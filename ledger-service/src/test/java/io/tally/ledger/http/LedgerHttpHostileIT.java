package io.tally.ledger.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.platform.http.RawHttp;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile input against the real ledger-service HTTP API on the real broker (issue 21): ids that
 * would break a path, a log line or a composite key, headers sent twice, bodies that parse two ways,
 * bodies that are not JSON, too large or not declared as JSON, bad tokens, unknown routes. Each case
 * asserts its status, its {@code code} and, where it is about one input, the field named, all in the
 * one error shape. After every case, the account they aimed at is exactly as it was (no event was
 * appended: its version did not move) and a valid request still succeeds.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LedgerHttpHostileIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The account every case aims at: opened, credited 10,000, charged 500 (charge id TARGET:3), 1,000 on hold. */
    private static final String TARGET = "hostile-target";
    private static final String PAYEE = "hostile-payee";
    private static final String HOLD = "hold-1";
    private static final String CREDIT = "{\"amountMinor\":100,\"currency\":\"CZK\"}";
    private static final String CAPTURE = "{\"accountId\":\"" + TARGET + "\",\"amountMinor\":100,\"currency\":\"CZK\"}";
    private static final String LONG_ID = "a".repeat(5_000);
    private static final AtomicInteger KEYS = new AtomicInteger();

    @TempDir
    static Path dir;

    private static LedgerHttpFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = LedgerHttpFixture.start(dir);
        expect201(fixture.post("/v1/accounts", "open-target", LedgerHttpFixture.WRITER,
                "{\"accountId\":\"" + TARGET + "\",\"currency\":\"CZK\",\"scale\":2}"));
        expect201(fixture.post("/v1/accounts", "open-payee", LedgerHttpFixture.WRITER,
                "{\"accountId\":\"" + PAYEE + "\",\"currency\":\"CZK\",\"scale\":2}"));
        expect201(fixture.post("/v1/accounts/" + TARGET + "/credits", "fund", LedgerHttpFixture.WRITER,
                "{\"amountMinor\":10000,\"currency\":\"CZK\"}"));
        expect201(fixture.post("/v1/accounts/" + TARGET + "/charges", "charge", LedgerHttpFixture.WRITER,
                "{\"amountMinor\":500,\"currency\":\"CZK\"}"));
        JsonNode held = expect201(fixture.post("/v1/accounts/" + TARGET + "/holds", "hold", LedgerHttpFixture.WRITER,
                "{\"holdId\":\"" + HOLD + "\",\"amountMinor\":1000,\"currency\":\"CZK\"}"));
        assertThat(held.get("version").asLong()).isEqualTo(4);
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    static Stream<Case> hostileRequests() {
        String credits = "/v1/accounts/" + TARGET + "/credits";
        List<Case> cases = new ArrayList<>();

        // Account ids in the path.
        for (String[] id : new String[][] {
            {"newline", "a%0Ab"}, {"carriage return", "a%0Db"}, {"encoded slash", "a%2Fb"},
            {"encoded ..", "%2E%2E"}, {"encoded ../../etc/passwd", "..%2F..%2Fetc%2Fpasswd"}, {"5,000 characters", LONG_ID},
            {"129 characters", "a".repeat(129)}, {"unicode", "caf%C3%A9"}, {"space", "a%20b"}, {"leading dash", "-rf"},
            {"colon", "a:b"}, {"leading dot", ".hidden"}, {"percent", "a%25b"}, {"right-to-left override", "a%E2%80%AEb"}}) {
            cases.add(post("path account id: " + id[0], "/v1/accounts/" + id[1] + "/credits", CREDIT)
                    .expect(400, "INVALID_REQUEST", "accountId"));
        }
        // Jetty refuses an encoded NUL anywhere in a path before any route is matched (by design: it is no
        // character of a path), so no field is named; the answer is still a 400 in the one shape.
        cases.add(post("path account id: NUL, refused by Jetty", "/v1/accounts/a%00b/credits", CREDIT)
                .expect(400, "INVALID_REQUEST", null));
        cases.add(post("path ../../etc/passwd, unencoded: resolved by Jetty before routing", "/v1/accounts/../../etc/passwd/credits",
                CREDIT).expect(404, "NOT_FOUND", null));
        cases.add(post("path hold id: NUL, refused by Jetty", "/v1/holds/h%00/captures", CAPTURE).expect(400, "INVALID_REQUEST", null));
        cases.add(post("path hold id: 5,000 characters", "/v1/holds/" + LONG_ID + "/releases",
                "{\"accountId\":\"" + TARGET + "\",\"currency\":\"CZK\"}").expect(400, "INVALID_REQUEST", "holdId"));
        cases.add(post("path hold id: encoded slash", "/v1/holds/a%2Fb/captures", CAPTURE).expect(400, "INVALID_REQUEST", "holdId"));

        // Ids in the body.
        for (String[] id : new String[][] {
            {"NUL", "a\\u0000b"}, {"newline", "a\\nb"}, {"slash", "a/b"}, {"../../etc/passwd", "../../etc/passwd"},
            {"5,000 characters", LONG_ID}, {"unicode", "caf\u00e9"}, {"space", " alice"}, {"empty", ""},
            {"lone surrogate", "a\\ud800"}}) {
            cases.add(post("body account id: " + id[0], "/v1/accounts",
                    "{\"accountId\":\"" + id[1] + "\",\"currency\":\"CZK\",\"scale\":2}").expect(400, "INVALID_REQUEST", "accountId"));
        }
        cases.add(post("body account id: a number", "/v1/accounts", "{\"accountId\":42,\"currency\":\"CZK\",\"scale\":2}")
                .expect(400, "INVALID_REQUEST", "accountId"));
        cases.add(post("body hold id: slash", "/v1/accounts/" + TARGET + "/holds",
                "{\"holdId\":\"a/b\",\"amountMinor\":1,\"currency\":\"CZK\"}").expect(400, "INVALID_REQUEST", "holdId"));
        cases.add(post("body capture account id: newline", "/v1/holds/" + HOLD + "/captures",
                "{\"accountId\":\"a\\nb\",\"amountMinor\":1,\"currency\":\"CZK\"}").expect(400, "INVALID_REQUEST", "accountId"));
        cases.add(post("body payee account id: ../x", "/v1/holds/" + HOLD + "/captures", "{\"accountId\":\"" + TARGET
                + "\",\"amountMinor\":1,\"currency\":\"CZK\",\"payeeAccountId\":\"../x\"}").expect(400, "INVALID_REQUEST", "payeeAccountId"));
        cases.add(post("body release account id: missing", "/v1/holds/" + HOLD + "/releases", "{\"currency\":\"CZK\"}")
                .expect(400, "INVALID_REQUEST", "accountId"));
        cases.add(post("body transfer from: NUL", "/v1/transfers", "{\"fromAccountId\":\"\\u0000\",\"toAccountId\":\"" + PAYEE
                + "\",\"amountMinor\":1,\"currency\":\"CZK\"}").expect(400, "INVALID_REQUEST", "fromAccountId"));
        cases.add(post("body transfer to: unicode", "/v1/transfers", "{\"fromAccountId\":\"" + TARGET
                + "\",\"toAccountId\":\"\u00fcber\",\"amountMinor\":1,\"currency\":\"CZK\"}").expect(400, "INVALID_REQUEST", "toAccountId"));

        // The Idempotency-Key header.
        cases.add(post("Idempotency-Key missing", credits, CREDIT).without("Idempotency-Key")
                .expect(400, "INVALID_REQUEST", "Idempotency-Key"));
        cases.add(post("Idempotency-Key sent twice", credits, CREDIT).header("Idempotency-Key", "second")
                .expect(400, "INVALID_REQUEST", "Idempotency-Key").saying("once"));
        cases.add(post("Idempotency-Key with a space", credits, CREDIT).replace("Idempotency-Key", "a b")
                .expect(400, "INVALID_REQUEST", "Idempotency-Key"));
        cases.add(post("Idempotency-Key with a slash", credits, CREDIT).replace("Idempotency-Key", "a/b")
                .expect(400, "INVALID_REQUEST", "Idempotency-Key"));
        cases.add(post("Idempotency-Key of 256 characters", credits, CREDIT).replace("Idempotency-Key", "k".repeat(256))
                .expect(400, "INVALID_REQUEST", "Idempotency-Key"));
        cases.add(post("Idempotency-Key starting with a colon", credits, CREDIT).replace("Idempotency-Key", ":k")
                .expect(400, "INVALID_REQUEST", "Idempotency-Key"));
        cases.add(post("Idempotency-Key missing and the body malformed: both named", credits, "{").without("Idempotency-Key")
                .expect(400, "INVALID_REQUEST", "Idempotency-Key").alsoField("body"));

        // Bodies that parse two ways.
        cases.add(post("trailing garbage", credits, CREDIT + " xyz").expect(400, "INVALID_REQUEST", "body"));
        cases.add(post("a second object after the first", credits, CREDIT + CREDIT).expect(400, "INVALID_REQUEST", "body"));
        cases.add(post("trailing bracket", credits, CREDIT + "]").expect(400, "INVALID_REQUEST", "body"));
        cases.add(post("duplicate amountMinor, last positive", credits, "{\"amountMinor\":-5,\"amountMinor\":100,\"currency\":\"CZK\"}")
                .expect(400, "INVALID_REQUEST", "amountMinor"));
        cases.add(post("duplicate currency", credits, "{\"amountMinor\":100,\"currency\":\"EUR\",\"currency\":\"CZK\"}")
                .expect(400, "INVALID_REQUEST", "currency"));
        cases.add(post("duplicate accountId in a capture", "/v1/holds/" + HOLD + "/captures", "{\"accountId\":\"" + PAYEE
                + "\",\"accountId\":\"" + TARGET + "\",\"amountMinor\":1,\"currency\":\"CZK\"}").expect(400, "INVALID_REQUEST", "accountId"));
        cases.add(post("unknown field", credits, "{\"amountMinor\":100,\"currency\":\"CZK\",\"memo\":\"x\"}")
                .expect(400, "INVALID_REQUEST", "memo"));
        cases.add(post("an accountId in a credit body", credits, "{\"accountId\":\"" + PAYEE + "\",\"amountMinor\":100,\"currency\":\"CZK\"}")
                .expect(400, "INVALID_REQUEST", "accountId"));
        cases.add(post("a balance in an open body", "/v1/accounts",
                "{\"accountId\":\"rich\",\"currency\":\"CZK\",\"scale\":2,\"availableMinor\":1000000}").expect(400, "INVALID_REQUEST", "availableMinor"));
        cases.add(post("a reference on a hold", "/v1/accounts/" + TARGET + "/holds",
                "{\"holdId\":\"h2\",\"amountMinor\":1,\"currency\":\"CZK\",\"reference\":\"x\"}").expect(400, "INVALID_REQUEST", "reference"));
        cases.add(post("a comment", credits, "{\"amountMinor\":100 /* more */,\"currency\":\"CZK\"}").expect(400, "INVALID_REQUEST", "body"));
        cases.add(post("single quotes", credits, "{'amountMinor':100,'currency':'CZK'}").expect(400, "INVALID_REQUEST", "body"));
        cases.add(post("a trailing comma", credits, "{\"amountMinor\":100,\"currency\":\"CZK\",}").expect(400, "INVALID_REQUEST", "body"));

        // The media type.
        cases.add(post("Content-Type text/plain", credits, CREDIT).replace("Content-Type", "text/plain")
                .expect(415, "UNSUPPORTED_MEDIA_TYPE", null));
        cases.add(post("Content-Type missing", credits, CREDIT).without("Content-Type").expect(415, "UNSUPPORTED_MEDIA_TYPE", null));
        cases.add(post("charset latin-1", credits, CREDIT).replace("Content-Type", "application/json; charset=latin-1")
                .expect(415, "UNSUPPORTED_MEDIA_TYPE", null));
        cases.add(post("charset ISO-8859-1", credits, CREDIT).replace("Content-Type", "application/json; charset=ISO-8859-1")
                .expect(415, "UNSUPPORTED_MEDIA_TYPE", null));
        cases.add(post("a form", credits, "amountMinor=100&currency=CZK").replace("Content-Type", "application/x-www-form-urlencoded")
                .expect(415, "UNSUPPORTED_MEDIA_TYPE", null));
        cases.add(post("application/jsonx", credits, CREDIT).replace("Content-Type", "application/jsonx")
                .expect(415, "UNSUPPORTED_MEDIA_TYPE", null));
        cases.add(post("Content-Type sent twice", credits, CREDIT).header("Content-Type", "text/plain")
                .expect(415, "UNSUPPORTED_MEDIA_TYPE", null));
        cases.add(post("gzip Content-Encoding", credits, CREDIT).header("Content-Encoding", "gzip")
                .expect(415, "UNSUPPORTED_MEDIA_TYPE", null));

        // Size.
        String big = "{\"amountMinor\":100,\"currency\":\"CZK\",\"reference\":\"" + "x".repeat(LedgerHttpApi.MAX_BODY_BYTES) + "\"}";
        cases.add(post("oversize body with Content-Length", credits, big).expect(413, "BODY_TOO_LARGE", null));
        cases.add(post("oversize chunked body", credits, big).chunked().expect(413, "BODY_TOO_LARGE", null));
        cases.add(post("deep nesting", credits, "{\"amountMinor\":" + "[".repeat(2_000) + "]".repeat(2_000) + ",\"currency\":\"CZK\"}")
                .expect(400, "INVALID_REQUEST", "body"));

        // Not one JSON object.
        for (String[] body : new String[][] {{"array", "[" + CREDIT + "]"}, {"string", "\"CZK\""}, {"number", "100"},
            {"null", "null"}, {"true", "true"}, {"empty", ""}, {"whitespace", "  \n"}, {"truncated", "{\"amountMinor\":"}}) {
            cases.add(post("body is " + body[0], credits, body[1]).expect(400, "INVALID_REQUEST", "body"));
        }

        // Amounts.
        for (String[] amount : new String[][] {{"fractional", "1.5"}, {"exponent", "1e2"}, {"fraction .0", "100.0"},
            {"past 64 bits", "9223372036854775808"}, {"a string", "\"100\""}, {"a boolean", "true"}, {"an object", "{}"},
            {"leading zero", "0100"}, {"NaN", "NaN"}, {"Infinity", "Infinity"}}) {
            cases.add(post("amountMinor " + amount[0], credits, "{\"amountMinor\":" + amount[1] + ",\"currency\":\"CZK\"}")
                    .expect(400, "INVALID_REQUEST", amount[1].equals("0100") || amount[1].equals("NaN") || amount[1].equals("Infinity")
                            ? "body" : "amountMinor"));
        }
        cases.add(post("amountMinor missing", credits, "{\"currency\":\"CZK\"}").expect(400, "INVALID_REQUEST", "amountMinor"));
        cases.add(post("amountMinor null", credits, "{\"amountMinor\":null,\"currency\":\"CZK\"}").expect(400, "INVALID_REQUEST", "amountMinor"));

        // Currency and scale.
        for (String[] currency : new String[][] {{"lower case", "\"czk\""}, {"13 characters", "\"ABCDEFGHIJKLM\""},
            {"a number", "203"}, {"empty", "\"\""}, {"NUL", "\"CZ\\u0000\""}}) {
            cases.add(post("currency " + currency[0], credits, "{\"amountMinor\":100,\"currency\":" + currency[1] + "}")
                    .expect(400, "INVALID_REQUEST", "currency"));
        }
        cases.add(post("scale 19", "/v1/accounts", "{\"accountId\":\"s19\",\"currency\":\"CZK\",\"scale\":19}")
                .expect(400, "INVALID_REQUEST", "scale"));
        cases.add(post("scale -1", "/v1/accounts", "{\"accountId\":\"s-1\",\"currency\":\"CZK\",\"scale\":-1}")
                .expect(400, "INVALID_REQUEST", "scale"));

        // expiresAt.
        for (String[] at : new String[][] {{"a word", "\"tomorrow\""}, {"no zone", "\"2030-01-01T00:00:00\""},
            {"past epoch milliseconds", "\"+1000000000-12-31T23:59:59Z\""}, {"a number", "1893456000000"}}) {
            cases.add(post("expiresAt " + at[0], "/v1/accounts/" + TARGET + "/holds",
                    "{\"holdId\":\"h3\",\"amountMinor\":1,\"currency\":\"CZK\",\"expiresAt\":" + at[1] + "}")
                    .expect(400, "INVALID_REQUEST", "expiresAt"));
        }

        // Encoding and free text.
        byte[] invalidUtf8 = "{\"amountMinor\":100,\"currency\":\"CZK\",\"reference\":\"\u0000\"}".getBytes(StandardCharsets.UTF_8);
        invalidUtf8[invalidUtf8.length - 3] = (byte) 0xff;
        cases.add(post("invalid UTF-8 byte", credits, null).bytes(invalidUtf8).expect(400, "INVALID_REQUEST", "body"));
        byte[] latin1 = "{\"amountMinor\":100,\"currency\":\"CZK\",\"reference\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        cases.add(post("Latin-1 bytes declared as UTF-8", credits, null).bytes(latin1).expect(400, "INVALID_REQUEST", "body"));
        byte[] truncated = "{\"amountMinor\":100,\"currency\":\"CZK\",\"reference\":\"\u20ac\"}".getBytes(StandardCharsets.UTF_8);
        byte[] cut = java.util.Arrays.copyOf(truncated, truncated.length);
        cut[cut.length - 3] = '"'; // the euro sign's last byte replaced: a truncated sequence
        cases.add(post("truncated UTF-8 sequence", credits, null).bytes(cut).expect(400, "INVALID_REQUEST", "body"));
        for (String[] reference : new String[][] {{"lone surrogate", "\"a\\ud800b\""}, {"lone low surrogate", "\"\\udc00\""},
            {"control character", "\"bell\\u0007\""}, {"NUL", "\"\\u0000\""}, {"newline", "\"line\\nforged\""},
            {"C1 control", "\"\\u0085\""}, {"1,025 characters", "\"" + "r".repeat(1_025) + "\""}, {"a number", "7"}}) {
            cases.add(post("reference " + reference[0], credits, "{\"amountMinor\":100,\"currency\":\"CZK\",\"reference\":"
                    + reference[1] + "}").expect(400, "INVALID_REQUEST", "reference"));
        }

        // Charge ids.
        for (String[] charge : new String[][] {{"no version", TARGET}, {"version 0", TARGET + ":0"},
            {"leading zero", TARGET + ":03"}, {"no account", ":3"}, {"encoded slash in the account", "a%2Fb:3"},
            {"negative version", TARGET + ":-3"}, {"version past 64 bits", TARGET + ":9223372036854775808"}}) {
            cases.add(post("charge id " + charge[0], "/v1/charges/" + charge[1] + "/refunds", CREDIT)
                    .expect(400, "INVALID_REQUEST", "chargeId"));
        }

        cases.add(post("charge id NUL, refused by Jetty", "/v1/charges/" + TARGET + ":3%00/refunds", CREDIT)
                .expect(400, "INVALID_REQUEST", null));

        // Tokens and scopes.
        cases.add(post("no token", credits, CREDIT).without("Authorization").expect(401, "UNAUTHORIZED", null));
        cases.add(post("unknown token", credits, CREDIT).replace("Authorization", "Bearer nobody").expect(401, "UNAUTHORIZED", null));
        cases.add(post("Basic credentials", credits, CREDIT).replace("Authorization", "Basic dXNlcjpwYXNz").expect(401, "UNAUTHORIZED", null));
        cases.add(post("Bearer without a token", credits, CREDIT).replace("Authorization", "Bearer ").expect(401, "UNAUTHORIZED", null));
        cases.add(post("two Authorization headers", credits, CREDIT).header("Authorization", "Bearer " + LedgerHttpFixture.WRITER)
                .expect(401, "UNAUTHORIZED", null));
        cases.add(post("read scope on a write", credits, CREDIT).replace("Authorization", "Bearer " + LedgerHttpFixture.READER)
                .expect(403, "FORBIDDEN", null));
        cases.add(get("no token on a status read", "/v1/requests/r-1")
                .without("Authorization").expect(401, "UNAUTHORIZED", null));

        // Routes and methods.
        cases.add(post("unknown route", "/v1/nope", CREDIT).expect(404, "NOT_FOUND", null));
        cases.add(post("unknown route under an account", "/v1/accounts/" + TARGET + "/overdrafts", CREDIT).expect(404, "NOT_FOUND", null));
        cases.add(post("empty path segment", "/v1/accounts//credits", CREDIT).expect(404, "NOT_FOUND", null));
        cases.add(get("GET on a write endpoint", "/v1/accounts").expect(405, "METHOD_NOT_ALLOWED", null).saying("only POST"));
        cases.add(post("DELETE on a write endpoint", credits, CREDIT).method("DELETE").expect(405, "METHOD_NOT_ALLOWED", null));
        cases.add(post("PUT on transfers", "/v1/transfers", CREDIT).method("PUT").expect(405, "METHOD_NOT_ALLOWED", null));
        cases.add(post("POST on the status endpoint", "/v1/requests/r-1", CREDIT).expect(405, "METHOD_NOT_ALLOWED", null));

        // Request ids of GET /v1/requests/{id}.
        cases.add(get("request id: NUL, refused by Jetty", "/v1/requests/a%00b").expect(400, "INVALID_REQUEST", null));
        cases.add(get("request id: newline", "/v1/requests/a%0Ab").expect(400, "INVALID_REQUEST", "requestId"));
        cases.add(get("request id: 256 characters", "/v1/requests/" + "r".repeat(256)).expect(400, "INVALID_REQUEST", "requestId"));
        cases.add(get("request id: space", "/v1/requests/a%20b").expect(400, "INVALID_REQUEST", "requestId"));
        cases.add(get("request id: unknown", "/v1/requests/no-such-request").expect(404, "NOT_FOUND", null));

        // Requests Jetty refuses before any handler: still the one shape.
        cases.add(raw("request line with a control character", "POST /v1/accounts/a\u0001b/credits HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 0\r\n\r\n").expect(400, "INVALID_REQUEST", null));
        cases.add(raw("request line with a NUL", "POST /v1/accounts/a\u0000b/credits HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 0\r\n\r\n").expect(400, "INVALID_REQUEST", null));
        cases.add(raw("Idempotency-Key with a NUL", "POST " + credits + " HTTP/1.1\r\nHost: x\r\nIdempotency-Key: a\u0000b\r\n"
                + "Content-Length: 0\r\n\r\n").expect(400, "INVALID_REQUEST", null));
        cases.add(raw("Idempotency-Key with a Latin-1 byte: past Jetty, refused by the key grammar", "POST " + credits
                + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + LedgerHttpFixture.WRITER + "\r\nContent-Type: application/json\r\n"
                + "Idempotency-Key: cl\u00e9\r\nContent-Length: " + CREDIT.length() + "\r\nConnection: close\r\n\r\n" + CREDIT)
                .expect(400, "INVALID_REQUEST", "Idempotency-Key").saying("U+00E9"));
        cases.add(raw("headers past Jetty's limit", "POST " + credits + " HTTP/1.1\r\nHost: x\r\nX-Pad: " + "p".repeat(20_000)
                + "\r\nContent-Length: 0\r\n\r\n").expect(431, "REQUEST_HEADER_FIELDS_TOO_LARGE", null));
        return cases.stream();
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileRequests")
    void aHostileRequestIsRefusedInTheOneErrorShape(Case c) throws Exception {
        int status;
        String body;
        if (c.raw != null) {
            RawHttp.Answer answer = RawHttp.send(fixture.port(), c.raw);
            status = answer.status();
            body = answer.body();
        } else {
            HttpResponse<String> response = fixture.http.send(c.build(fixture), HttpResponse.BodyHandlers.ofString());
            status = response.statusCode();
            body = response.body();
            assertThat(response.headers().firstValue("Content-Type")).as(body)
                    .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        }
        assertThat(status).as(body).isEqualTo(c.status);
        JsonNode error = JSON.readTree(body);
        assertThat(error.path("code").asText()).as(body).isEqualTo(c.code);
        assertThat(error.path("message").asText()).as(body).isNotBlank();
        assertThat(error.path("fields").isArray()).as(body).isTrue();
        List<String> fields = error.get("fields").findValuesAsText("field");
        if (c.fields.isEmpty()) {
            assertThat(fields).as(body).isEmpty();
        } else {
            assertThat(fields).as(body).containsAll(c.fields);
        }
        if (c.saying != null) {
            assertThat(body).contains(c.saying);
        }
    }

    @Order(2)
    @Test
    void afterEveryHostileRequestTheAccountIsAsItWasAndAValidRequestSucceeds() throws Exception {
        HttpResponse<String> charged = fixture.http.send(fixture.to("/v1/accounts/" + TARGET + "/charges")
                .header("Content-Type", "application/json; charset=UTF-8").header(LedgerHttpApi.IDEMPOTENCY_KEY, "after:hostile")
                .header("Authorization", "bearer " + LedgerHttpFixture.WRITER)
                .POST(HttpRequest.BodyPublishers.ofString("{\"amountMinor\":1,\"currency\":\"CZK\",\"reference\":\"caf\u00e9 \ud83d\ude00\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        JsonNode after = expect201(charged);
        // Opened, credited, charged, held: version 4 before the hostile requests; nothing they sent was appended.
        assertThat(after.get("version").asLong()).isEqualTo(5);
        assertThat(after.get("availableMinor").asLong()).isEqualTo(10_000 - 500 - 1_000 - 1);
        assertThat(after.get("lockedMinor").asLong()).isEqualTo(1_000);
        assertThat(after.get("eventIds").get(0).asText()).isEqualTo(TARGET + ":5");
        // The payee, named in many of them, is as it was opened.
        JsonNode payee = expect201(fixture.post("/v1/accounts/" + PAYEE + "/credits", "payee:after", LedgerHttpFixture.WRITER,
                "{\"amountMinor\":1,\"currency\":\"CZK\"}"));
        assertThat(payee.get("version").asLong()).isEqualTo(2);
        assertThat(payee.get("availableMinor").asLong()).isEqualTo(1);
    }

    @Order(3)
    @Test
    void aLedgerRejectionIsInTheOneShapeToo() throws Exception {
        HttpResponse<String> refused = fixture.post("/v1/accounts/" + TARGET + "/charges", "too-much", LedgerHttpFixture.WRITER,
                "{\"amountMinor\":1000000,\"currency\":\"CZK\"}");
        assertThat(refused.statusCode()).isEqualTo(422);
        JsonNode body = JSON.readTree(refused.body());
        assertThat(body.get("code").asText()).isEqualTo("INSUFFICIENT_FUNDS");
        assertThat(body.get("fields").isArray() && body.get("fields").isEmpty()).isTrue();
        assertThat(body.get("requestId").asText()).isNotBlank();
        HttpResponse<String> reused = fixture.post("/v1/accounts/" + TARGET + "/charges", "too-much", LedgerHttpFixture.WRITER,
                "{\"amountMinor\":2,\"currency\":\"CZK\"}");
        assertThat(reused.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(reused.body()).get("code").asText()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
        assertThat(JSON.readTree(reused.body()).get("fields").isArray()).isTrue();
    }

    /**
     * Each write endpoint reads exactly the members its OpenAPI body declares (additionalProperties
     * false): a body with every declared member of the wrong type, plus one undeclared, is refused for
     * each declared member's type and for the undeclared one as unknown, and for nothing else; sent alone
     * and as the items of one batch, whose item members are those the batch's document declares.
     */
    @Order(4)
    @Test
    void theOpenApiDocumentDeclaresExactlyTheMembersEachEndpointReads() throws Exception {
        JsonNode openApi = JSON.readTree(fixture.http.send(fixture.to("/openapi.json").build(),
                HttpResponse.BodyHandlers.ofString()).body());
        int endpoints = 0;
        List<String> items = new ArrayList<>();
        List<List<String>> itemMembers = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : openApi.get("paths").properties()) {
            JsonNode post = entry.getValue().get("post");
            if (post == null || entry.getKey().equals("/v1/batch")) {
                continue;
            }
            endpoints++;
            JsonNode declared = post.at("/requestBody/content/application~1json/schema");
            assertThat(declared.get("additionalProperties").asBoolean(true)).as(entry.getKey()).isFalse();
            StringBuilder body = new StringBuilder("{");
            List<String> members = new ArrayList<>();
            declared.get("properties").fieldNames().forEachRemaining(members::add);
            for (String member : members) {
                body.append('"').append(member).append("\":true,");
            }
            body.append("\"undeclared\":1}");
            String uri = entry.getKey().replace("{accountId}", TARGET).replace("{holdId}", HOLD)
                    .replace("{chargeId}", TARGET + ":3");
            HttpResponse<String> refused = fixture.post(uri, "openapi-" + endpoints, LedgerHttpFixture.WRITER, body.toString());
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
            List<String> wrongType = new ArrayList<>();
            List<String> unknown = new ArrayList<>();
            for (JsonNode field : JSON.readTree(refused.body()).get("fields")) {
                (field.get("message").asText().equals("is not a field of this request") ? unknown : wrongType)
                        .add(field.get("field").asText());
            }
            assertThat(wrongType).as(uri + ": " + refused.body()).containsExactlyInAnyOrderElementsOf(members);
            assertThat(unknown).as(uri).containsExactly("undeclared");
            items.add("{\"method\":\"POST\",\"path\":\"" + uri + "\",\"idempotencyKey\":\"openapi-batch-" + endpoints
                    + "\",\"body\":" + body + ",\"undeclared\":1}");
            itemMembers.add(members);
        }
        assertThat(endpoints).isEqualTo(8);

        JsonNode batch = openApi.at("/paths/~1v1~1batch/post/requestBody/content/application~1json/schema");
        assertThat(batch.get("additionalProperties").asBoolean(true)).isFalse();
        assertThat(iterable(batch.get("properties").fieldNames())).containsExactly("requests");
        JsonNode item = batch.at("/properties/requests/items");
        assertThat(item.get("additionalProperties").asBoolean(true)).isFalse();
        assertThat(iterable(item.get("properties").fieldNames())).containsExactly("method", "path", "idempotencyKey", "body");
        HttpResponse<String> answered = fixture.post("/v1/batch", null, LedgerHttpFixture.WRITER,
                "{\"requests\":[" + String.join(",", items) + "]}");
        assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
        JsonNode results = JSON.readTree(answered.body()).get("results");
        for (int i = 0; i < items.size(); i++) {
            String at = "requests[" + i + "]";
            assertThat(results.get(i).get("status").asInt()).as(results.get(i).toString()).isEqualTo(400);
            List<String> wrongType = new ArrayList<>();
            List<String> unknown = new ArrayList<>();
            for (JsonNode field : results.get(i).at("/body/fields")) {
                (field.get("message").asText().equals("is not a field of this request") ? unknown : wrongType)
                        .add(field.get("field").asText());
            }
            assertThat(wrongType).as(results.get(i).toString())
                    .containsExactlyInAnyOrderElementsOf(itemMembers.get(i).stream().map(m -> at + ".body." + m).toList());
            assertThat(unknown).as(at).containsExactly(at + ".body.undeclared", at + ".undeclared");
        }
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }

    private static JsonNode expect201(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body());
    }

    private static Case post(String name, String path, String body) {
        return new Case(name, "POST", path, body);
    }

    private static Case get(String name, String path) {
        return new Case(name, "GET", path, null).without("Content-Type").without("Idempotency-Key")
                .replace("Authorization", "Bearer " + LedgerHttpFixture.READER);
    }

    private static Case raw(String name, String request) {
        Case c = new Case(name, "RAW", null, null);
        c.raw = request;
        return c;
    }

    /** One hostile request and what it must be answered; a valid write to start from, spoiled by its builder calls. */
    static final class Case {
        private final String name;
        private String method;
        private final String path;
        private byte[] body;
        private boolean chunked;
        private String raw;
        private final List<String[]> headers = new ArrayList<>();
        private int status;
        private String code;
        private final List<String> fields = new ArrayList<>();
        private String saying;

        private Case(String name, String method, String path, String body) {
            this.name = name;
            this.method = method;
            this.path = path;
            this.body = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            headers.add(new String[] {"Content-Type", "application/json"});
            headers.add(new String[] {LedgerHttpApi.IDEMPOTENCY_KEY, "hostile-" + KEYS.incrementAndGet()});
            headers.add(new String[] {"Authorization", "Bearer " + LedgerHttpFixture.WRITER});
        }

        Case header(String header, String value) {
            headers.add(new String[] {header, value});
            return this;
        }

        Case without(String header) {
            headers.removeIf(h -> h[0].equals(header));
            return this;
        }

        Case replace(String header, String value) {
            return without(header).header(header, value);
        }

        Case bytes(byte[] bytes) {
            body = bytes;
            return this;
        }

        Case chunked() {
            chunked = true;
            return this;
        }

        Case method(String m) {
            method = m;
            return this;
        }

        Case expect(int s, String c, String field) {
            status = s;
            code = c;
            if (field != null) {
                fields.add(field);
            }
            return this;
        }

        Case alsoField(String field) {
            fields.add(field);
            return this;
        }

        Case saying(String text) {
            saying = text;
            return this;
        }

        HttpRequest build(LedgerHttpFixture on) {
            byte[] bytes = body;
            HttpRequest.BodyPublisher publisher = method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                    : chunked ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))
                    : HttpRequest.BodyPublishers.ofByteArray(bytes);
            HttpRequest.Builder request = on.to(path).method(method, publisher);
            for (String[] h : headers) {
                request.header(h[0], h[1]);
            }
            return request.build();
        }

        @Override
        public String toString() {
            return name + " -> " + status + " " + code + (fields.isEmpty() ? "" : " " + fields);
        }
    }
}
