package io.tally.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StrictJsonTest {
    private static JsonBody parse(String json) {
        return StrictJson.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static FieldError malformed(JsonBody body) {
        assertThat(body).isInstanceOf(JsonBody.Malformed.class);
        return ((JsonBody.Malformed) body).error();
    }

    @Test
    void anObjectIsReadWithItsMembers() {
        JsonBody body = parse("{\"amountMinor\": 100, \"currency\": \"CZK\"}");
        assertThat(body).isInstanceOf(JsonBody.Parsed.class);
        JsonFields fields = ((JsonBody.Parsed) body).fields();
        assertThat(fields.get("amountMinor").asLong()).isEqualTo(100);
        assertThat(fields.get("reference")).isNull();
        assertThat(fields.unread()).containsExactly("currency");
    }

    @Test
    void aDuplicatedMemberIsRefusedByName() {
        FieldError error = malformed(parse("{\"amountMinor\": -5, \"currency\": \"CZK\", \"amountMinor\": 100}"));
        assertThat(error.field()).isEqualTo("amountMinor");
        assertThat(error.message()).contains("more than once");
    }

    @Test
    void aDuplicateInsideANestedValueIsNamedByItsPath() {
        assertThat(malformed(parse("{\"a\": {\"b\": 1, \"b\": 2}}")).field()).isEqualTo("a.b");
        assertThat(malformed(parse("{\"list\": [1, {\"x\": 1, \"x\": 2}]}")).field()).isEqualTo("list[1].x");
    }

    @Test
    void aDuplicateWithAnUnprintableNameIsEchoedPrintably() {
        assertThat(malformed(parse("{\"a\\nb\": 1, \"a\\nb\": 2}")).field()).isEqualTo("a\\u000ab");
    }

    @Test
    void readTreeHonoursFailOnTrailingTokensWhichIsWhatRefusesTrailingValues() throws Exception {
        byte[] twoObjects = "{\"a\": 1} {\"a\": 2}".getBytes(StandardCharsets.UTF_8);
        // Without the feature Jackson's readTree reads the first value and ignores the rest.
        assertThat(new ObjectMapper().readTree(twoObjects).get("a").asInt()).isEqualTo(1);
        assertThatThrownBy(() -> new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .readTree(twoObjects)).hasMessageContaining("Trailing token");
        assertThat(malformed(StrictJson.parse(twoObjects)).message()).contains("Trailing token");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"a\": 1} {\"a\": 2}", "{\"a\": 1} xyz", "{\"a\": 1}]", "{\"a\": 1} 7", "{\"a\": 1} null",
        "{\"a\": 1", "{\"a\": 1,}", "{'a': 1}", "{a: 1}", "{\"a\": 01}", "{\"a\": NaN}", "{\"a\": 1 /* c */}",
        "{\"a\": \"x\ty\"}", "{\"a\": 1}\u0000"})
    void anythingButOneStrictJsonValueIsRefusedAsTheBody(String json) {
        FieldError error = malformed(parse(json));
        assertThat(error.field()).isEqualTo(FieldError.BODY);
        assertThat(error.message()).startsWith("is not one JSON value (line 1, column ");
    }

    @Test
    void trailingWhitespaceIsNotATrailingToken() {
        assertThat(parse("  {\"a\": 1}\r\n\t ")).isInstanceOf(JsonBody.Parsed.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"a\": 1}]", "\"a\"", "42", "null", "true"})
    void aValueThatIsNotAnObjectIsRefused(String json) {
        FieldError error = malformed(parse(json));
        assertThat(error.field()).isEqualTo(FieldError.BODY);
        assertThat(error.message()).startsWith("must be a JSON object, not ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\n\n"})
    void anEmptyBodyIsRefused(String json) {
        assertThat(malformed(parse(json)).message()).isEqualTo("must be a JSON object; the body is empty");
    }

    @Test
    void bytesThatAreNotUtf8AreRefused() {
        byte[] latin1 = "{\"reference\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        FieldError error = malformed(StrictJson.parse(latin1));
        assertThat(error.field()).isEqualTo(FieldError.BODY);
        assertThat(error.message()).contains("UTF-8");
        assertThat(malformed(StrictJson.parse(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'})).message())
                .contains("UTF-8");
    }

    @Test
    void nestingPastJacksonsLimitIsRefusedNotAStackOverflow() {
        FieldError error = malformed(parse("{\"a\": " + "[".repeat(5_000) + "]".repeat(5_000) + "}"));
        assertThat(error.field()).isEqualTo(FieldError.BODY);
        assertThat(error.message()).contains("nesting depth");
    }

    @Test
    void unknownFieldsAreTheMembersNeverRead() {
        JsonFields fields = ((JsonBody.Parsed) parse("{\"amountMinor\": 1, \"accountId\": \"x\", \"memo\\u0000\": 2}")).fields();
        fields.get("amountMinor");
        fields.get("currency");
        assertThat(fields.unknownFieldErrors()).containsExactly(
                new FieldError("accountId", "is not a field of this request"),
                new FieldError("memo\\u0000", "is not a field of this request"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "Application/JSON", "application/json; charset=utf-8",
        "application/json;charset=UTF-8", "application/json; charset=\"utf-8\""})
    void jsonDeclaredAsUtf8IsAccepted(String contentType) {
        assertThat(StrictJson.contentTypeProblem(List.of(contentType))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "application/jsonx",
        "application/json; charset=latin-1", "application/json; charset=iso-8859-1", "application/json; charset=utf-16",
        "application/json; charset", "application/json; boundary=x", "", "application/json-seq", "*/*"})
    void anythingElseIsNotJson(String contentType) {
        assertThat(StrictJson.contentTypeProblem(List.of(contentType))).isPresent();
    }

    @Test
    void contentTypeMustBeSentExactlyOnce() {
        assertThat(StrictJson.contentTypeProblem(List.of())).hasValue("Content-Type is required: application/json");
        assertThat(StrictJson.contentTypeProblem(List.of("application/json", "application/json")))
                .map(p -> p.contains("once")).hasValue(true);
    }

    @Test
    void theErrorBodyHasItsThreeMembersFirstAndFieldsAlways() {
        assertThat(ErrorBody.of(ErrorCode.NOT_FOUND, "no such thing").toJson())
                .containsExactly(java.util.Map.entry("code", "NOT_FOUND"), java.util.Map.entry("message", "no such thing"),
                        java.util.Map.entry("fields", List.of()));
        ErrorBody invalid = ErrorBody.invalid(List.of(new FieldError("amountMinor", "is required"),
                new FieldError("currency", "is required")));
        assertThat(invalid.toJson()).containsKeys("code", "message", "fields", "status");
        assertThat(invalid.code()).isEqualTo("INVALID_REQUEST");
        assertThat(invalid.message()).isEqualTo("the request is invalid: amountMinor, currency");
        assertThat(Optional.of(invalid.with("requestId", "r1").toJson().keySet()).get())
                .containsExactly("code", "message", "fields", "status", "requestId");
    }
}
