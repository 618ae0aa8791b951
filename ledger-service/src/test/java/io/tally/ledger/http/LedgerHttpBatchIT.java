package io.tally.ledger.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/batch} on the real broker (issue 15, item 5): each item answered, in order, with the
 * status and body its single endpoint answers; items decided independently; a retried batch replayed;
 * a malformed batch refused whole with nothing published.
 */
class LedgerHttpBatchIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WRITER = LedgerHttpFixture.WRITER;

    @TempDir
    static Path dir;

    private static LedgerHttpFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = LedgerHttpFixture.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    private static HttpResponse<String> batch(String body) throws Exception {
        return fixture.post("/v1/batch", null, WRITER, body);
    }

    private static String batchOf(List<String> items) {
        return "{\"requests\":[" + String.join(",", items) + "]}";
    }

    private static String item(String path, String key, String body) {
        return "{\"method\":\"POST\",\"path\":\"" + path + "\",\"idempotencyKey\":\"" + key + "\",\"body\":" + body + "}";
    }

    private static String credit(long amountMinor) {
        return "{\"amountMinor\":" + amountMinor + ",\"currency\":\"CZK\"}";
    }

    /** The results of a batch that answered 200, checked to be as many as {@code items}. */
    private static JsonNode results(HttpResponse<String> response, int items) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode results = JSON.readTree(response.body()).get("results");
        assertThat(results.size()).isEqualTo(items);
        return results;
    }

    private static JsonNode open(String account) throws Exception {
        HttpResponse<String> opened = fixture.post("/v1/accounts", "open-" + account, WRITER,
                "{\"accountId\":\"" + account + "\",\"currency\":\"CZK\",\"scale\":2}");
        assertThat(opened.statusCode()).as(opened.body()).isEqualTo(201);
        return JSON.readTree(opened.body());
    }

    /** Credits {@code account} 1 alone and returns the outcome: its version says how many events came before. */
    private static JsonNode probe(String account) throws Exception {
        HttpResponse<String> credited = fixture.post("/v1/accounts/" + account + "/credits", "probe-" + UUID.randomUUID(),
                WRITER, credit(1));
        assertThat(credited.statusCode()).as(credited.body()).isEqualTo(201);
        return JSON.readTree(credited.body());
    }

    @Test
    void eachItemIsAnsweredInOrderAsItsSingleEndpointWouldAnswerIt() throws Exception {
        String a = "batch-a-" + UUID.randomUUID();
        String b = "batch-b-" + UUID.randomUUID();
        open(a);
        open(b);
        HttpResponse<String> earlier = fixture.post("/v1/accounts/" + a + "/credits", "earlier", WRITER, credit(500));
        assertThat(earlier.statusCode()).isEqualTo(201);

        JsonNode results = results(batch(batchOf(List.of(
                item("/v1/accounts/" + a + "/credits", "k-1", credit(100)),
                item("/v1/accounts/" + b + "/credits", "k-2", credit(300)),
                item("/v1/accounts/" + b + "/charges", "k-3", credit(1_000)),
                item("/v1/accounts/" + a + "/credits", "earlier", credit(500)),
                item("/v1/accounts/" + a + "/charges", "k-5", "{\"amountMinor\":1.5,\"currency\":\"CZK\"}"),
                item("/v1/accounts/" + a + "/debits", "k-6", credit(1)),
                "{\"method\":\"GET\",\"path\":\"/v1/transfers\",\"idempotencyKey\":\"k-7\",\"body\":{}}"))), 7);

        assertThat(results.get(0).get("status").asInt()).isEqualTo(201);
        assertThat(results.get(0).at("/body/availableMinor").asLong()).isEqualTo(600);
        assertThat(results.get(0).at("/body/version").asLong()).isEqualTo(3);
        assertThat(results.get(0).at("/body/idempotencyKey").asText()).isEqualTo("k-1");
        assertThat(results.get(1).get("status").asInt()).isEqualTo(201);
        assertThat(results.get(1).at("/body/accountId").asText()).isEqualTo(b);
        assertThat(results.get(1).at("/body/availableMinor").asLong()).isEqualTo(300);
        // Rejected on its own: the credit before it in the same batch is not undone.
        assertThat(results.get(2).get("status").asInt()).isEqualTo(422);
        assertThat(results.get(2).at("/body/code").asText()).isEqualTo("INSUFFICIENT_FUNDS");
        assertThat(results.get(2).at("/body/fields").isArray()).isTrue();
        // The body of a replay is the single endpoint's, byte for byte but for its own request id.
        assertThat(results.get(3).get("status").asInt()).isEqualTo(200);
        JsonNode single = JSON.readTree(earlier.body());
        JsonNode replayed = results.get(3).get("body");
        assertThat(replayed.get("replayed").asBoolean()).isTrue();
        assertThat(replayed.get("eventIds")).isEqualTo(single.get("eventIds"));
        assertThat(replayed.get("availableMinor")).isEqualTo(single.get("availableMinor"));
        assertThat(iterableOf(replayed.fieldNames())).isEqualTo(iterableOf(single.fieldNames()));
        assertThat(results.get(4).get("status").asInt()).isEqualTo(400);
        assertThat(results.get(4).at("/body/code").asText()).isEqualTo("INVALID_REQUEST");
        assertThat(results.get(4).at("/body/fields").findValuesAsText("field")).containsExactly("requests[4].body.amountMinor");
        assertThat(results.get(5).get("status").asInt()).isEqualTo(404);
        assertThat(results.get(5).at("/body/code").asText()).isEqualTo("NOT_FOUND");
        assertThat(results.get(6).get("status").asInt()).isEqualTo(405);
        assertThat(results.get(6).at("/body/code").asText()).isEqualTo("METHOD_NOT_ALLOWED");

        // What was accepted moved the balances, and only that.
        JsonNode afterA = probe(a);
        assertThat(afterA.get("version").asLong()).isEqualTo(4);
        assertThat(afterA.get("availableMinor").asLong()).isEqualTo(601);
        JsonNode afterB = probe(b);
        assertThat(afterB.get("version").asLong()).isEqualTo(3);
        assertThat(afterB.get("availableMinor").asLong()).isEqualTo(301);
    }

    @Test
    void anItemIsReadAsStrictlyAsItsSingleEndpointReadsIt() throws Exception {
        String a = "batch-strict-" + UUID.randomUUID();
        open(a);
        JsonNode results = results(batch(batchOf(List.of(
                item("/v1/accounts/bad%0Aid/credits", "s-1", credit(1)),
                item("/v1/accounts/" + a + "/credits", "s 2", "{\"amountMinor\":1,\"currency\":\"CZK\",\"extra\":1}"),
                "{\"method\":\"POST\",\"path\":\"/v1/accounts/" + a + "/credits\",\"idempotencyKey\":\"s-3\",\"body\":[],\"x\":1}",
                "\"not an object\"",
                item("/v1/holds/h-1/captures", "s-5", "{\"amountMinor\":1,\"currency\":\"CZK\"}"),
                item("/v1/accounts/" + a + "/credits", "s-6", credit(7))))), 6);
        assertThat(fields(results.get(0))).containsExactly("requests[0].path.accountId");
        assertThat(fields(results.get(1))).containsExactly("requests[1].idempotencyKey", "requests[1].body.extra");
        assertThat(fields(results.get(2))).containsExactly("requests[2].body", "requests[2].x");
        assertThat(fields(results.get(3))).containsExactly("requests[3]");
        assertThat(fields(results.get(4))).containsExactly("requests[4].body.accountId");
        for (int i = 0; i < 5; i++) {
            assertThat(results.get(i).get("status").asInt()).as("item %d", i).isEqualTo(400);
        }
        assertThat(results.get(5).get("status").asInt()).isEqualTo(201);
        assertThat(probe(a).get("version").asLong()).isEqualTo(3);
    }

    @Test
    void aThousandCreditsInOneBatchAreAllAcceptedAndARetryReplaysThemAll() throws Exception {
        String a = "batch-1000-" + UUID.randomUUID();
        open(a);
        List<String> items = new ArrayList<>();
        for (int i = 0; i < BatchWrites.MAX_ITEMS; i++) {
            items.add(item("/v1/accounts/" + a + "/credits", "c-" + i, credit(i + 1)));
        }
        String body = batchOf(items);
        JsonNode results = results(batch(body), 1_000);
        long highestVersion = 0;
        for (JsonNode result : results) {
            assertThat(result.get("status").asInt()).as(result.toString()).isEqualTo(201);
            highestVersion = Math.max(highestVersion, result.at("/body/version").asLong());
        }
        assertThat(highestVersion).isEqualTo(1_001);
        long total = 1_000L * 1_001 / 2;
        JsonNode retried = results(batch(body), 1_000);
        for (int i = 0; i < retried.size(); i++) {
            assertThat(retried.get(i).get("status").asInt()).isEqualTo(200);
            assertThat(retried.get(i).at("/body/replayed").asBoolean()).isTrue();
            assertThat(retried.get(i).at("/body/eventIds")).isEqualTo(results.get(i).at("/body/eventIds"));
        }
        JsonNode after = probe(a);
        assertThat(after.get("availableMinor").asLong()).isEqualTo(total + 1);
        assertThat(after.get("version").asLong()).isEqualTo(1_002);
    }

    @Test
    void tooManyItemsOrTooManyBytesAreRefusedWhole() throws Exception {
        String a = "batch-limits-" + UUID.randomUUID();
        open(a);
        List<String> items = new ArrayList<>();
        for (int i = 0; i <= BatchWrites.MAX_ITEMS; i++) {
            items.add(item("/v1/accounts/" + a + "/credits", "l-" + i, credit(1)));
        }
        HttpResponse<String> tooMany = batch(batchOf(items));
        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(tooMany.body()).get("fields").findValuesAsText("field")).containsExactly("requests");

        String padding = "x".repeat(BatchWrites.MAX_BATCH_BODY_BYTES);
        HttpResponse<String> tooLarge = batch(batchOf(List.of(item("/v1/accounts/" + a + "/credits", "l-big",
                "{\"amountMinor\":1,\"currency\":\"CZK\",\"reference\":\"" + padding + "\"}"))));
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(tooLarge.body()).get("code").asText()).isEqualTo("BODY_TOO_LARGE");
        assertThat(JSON.readTree(tooLarge.body()).get("maxBytes").asInt()).isEqualTo(BatchWrites.MAX_BATCH_BODY_BYTES);
        // A batch over the single writes' 64 KiB limit, under the batch's, is read.
        String reference = "r".repeat(200);
        List<String> large = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            large.add(item("/v1/accounts/" + a + "/credits", "big-" + i,
                    "{\"amountMinor\":1,\"currency\":\"CZK\",\"reference\":\"" + reference + "\"}"));
        }
        String largeBody = batchOf(large);
        assertThat(largeBody.length()).isGreaterThan(LedgerHttpApi.MAX_BODY_BYTES);
        assertThat(results(batch(largeBody), 400).get(399).get("status").asInt()).isEqualTo(201);
        assertThat(probe(a).get("version").asLong()).isEqualTo(402);
    }

    @Test
    void aMalformedBatchIsRefusedWholeAndNothingOfItIsPublished() throws Exception {
        String a = "batch-bad-" + UUID.randomUUID();
        open(a);
        String good = item("/v1/accounts/" + a + "/credits", "m-1", credit(5));
        String[][] cases = {
            {"{\"requests\":" + good + "}", "requests"},
            {"{\"requests\":[]}", "requests"},
            {"{}", "requests"},
            {"[" + good + "]", "body"},
            {"{\"requests\":[" + good + "],\"atomic\":true}", "atomic"},
            {"{\"requests\":[" + good + "],\"requests\":[" + good + "]}", "requests"},
            {"{\"requests\":[{\"method\":\"POST\",\"method\":\"GET\",\"path\":\"/v1/transfers\"}]}", "requests[0].method"},
            {batchOf(List.of(good, item("/v1/accounts/" + a + "/credits", "m-2", credit(1)), good)),
                "requests[0].idempotencyKey,requests[2].idempotencyKey"},
        };
        for (String[] c : cases) {
            HttpResponse<String> refused = batch(c[0]);
            assertThat(refused.statusCode()).as(c[0]).isEqualTo(400);
            JsonNode error = JSON.readTree(refused.body());
            assertThat(error.get("code").asText()).isEqualTo("INVALID_REQUEST");
            assertThat(String.join(",", error.get("fields").findValuesAsText("field"))).as(c[0]).isEqualTo(c[1]);
        }
        // The same key on two accounts is two requests: not a duplicate.
        String b = "batch-bad-b-" + UUID.randomUUID();
        String c = "batch-bad-c-" + UUID.randomUUID();
        open(b);
        open(c);
        JsonNode twoAccounts = results(batch(batchOf(List.of(item("/v1/accounts/" + b + "/credits", "m-1", credit(5)),
                item("/v1/accounts/" + c + "/credits", "m-1", credit(5))))), 2);
        assertThat(twoAccounts.get(0).get("status").asInt()).isEqualTo(201);
        assertThat(twoAccounts.get(1).get("status").asInt()).isEqualTo(201);

        HttpResponse<String> text = fixture.http.send(fixture.to("/v1/batch").header("Content-Type", "text/plain")
                .header("Authorization", "Bearer " + WRITER).POST(HttpRequest.BodyPublishers.ofString(batchOf(List.of(good))))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(text.statusCode()).isEqualTo(415);
        assertThat(fixture.post("/v1/batch", null, null, batchOf(List.of(good))).statusCode()).isEqualTo(401);
        assertThat(fixture.post("/v1/batch", null, LedgerHttpFixture.READER, batchOf(List.of(good))).statusCode())
                .isEqualTo(403);

        JsonNode after = probe(a);
        assertThat(after.get("version").asLong()).isEqualTo(2);
        assertThat(after.get("availableMinor").asLong()).isEqualTo(1);
    }

    private static List<String> fields(JsonNode result) {
        return result.at("/body/fields").findValuesAsText("field");
    }

    private static List<String> iterableOf(java.util.Iterator<String> names) {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }
}
