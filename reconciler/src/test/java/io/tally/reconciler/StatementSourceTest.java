package io.tally.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.reconciliation.BalanceView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatementSourceTest {
    private static final Map<String, Integer> SCALES = Map.of("CZK", 2, "JPY", 0);

    @TempDir
    Path dir;

    private Path csv(String text) throws IOException {
        Path file = dir.resolve("statement.csv");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private static List<BalanceView> drain(StatementSource source) {
        List<BalanceView> views = new ArrayList<>();
        source.forEachRemaining(views::add);
        return views;
    }

    @Test
    void linesAreSortedInAccountOrderAsTotals() {
        StatementSource source = StatementSource.of(List.of(
                new StatementLine("9", 900, "CZK", 0),
                new StatementLine("10", 1_000, null, 0),
                new StatementLine("B", 5, "CZK", 0)));

        assertThat(drain(source)).containsExactly(
                new BalanceView("10", null, 1_000, 0, null),
                new BalanceView("9", "CZK", 900, 0, null),
                new BalanceView("B", "CZK", 5, 0, null));
        assertThat(source.hasNext()).isFalse();
    }

    @Test
    void twoLinesForOneAccountAreRefused() {
        assertThatThrownBy(() -> StatementSource.of(List.of(
                new StatementLine("a", 1, "CZK", 0), new StatementLine("a", 2, "CZK", 0))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two lines for account a");
    }

    @Test
    void aCsvIsReadExactlyInMinorUnits() throws IOException {
        Path file = csv("\uFEFFaccount_id,balance,currency,as_of\n"
                + "1001,0.29,CZK,1998-12-31\n"          // 0.29 * 100 in double is 28.999999999999996
                + "\n"
                + "1000, -1234.5 ,CZK,1998-12-31T10:15:30Z\n"
                + "jp-1,1500,JPY,1998-12-31T10:15:30+01:00\n");

        StatementSource source = StatementSource.readCsv(file, SCALES);

        assertThat(source.lines()).containsExactly(
                new StatementLine("1000", -123_450, "CZK", Instant.parse("1998-12-31T10:15:30Z").toEpochMilli()),
                new StatementLine("1001", 29, "CZK", Instant.parse("1999-01-01T00:00:00Z").toEpochMilli() - 1),
                new StatementLine("jp-1", 1_500, "JPY", Instant.parse("1998-12-31T09:15:30Z").toEpochMilli()));
    }

    @Test
    void everyMalformedLineIsReportedWithItsNumberAndNothingIsReconciled() throws IOException {
        Path file = csv("account_id,balance,currency,as_of\n"
                + "a,1.00,CZK,1998-12-31\n"
                + "b,1.005,CZK,1998-12-31\n"           // 3: a fraction of a haléř, never rounded
                + "c,1.00,CZK\n"                       // 4: a field missing
                + "d,1e3,CZK,1998-12-31\n"             // 5: not a plain decimal
                + "e,1.00,,1998-12-31\n"               // 6: no currency, so no scale
                + "f,1.00,EUR,1998-12-31\n"            // 7: a currency without a scale
                + "g,1.00,CZK,31.12.1998\n"            // 8: not ISO-8601
                + "a,2.00,CZK,1998-12-31\n"            // 9: a second line for a
                + ",1.00,CZK,1998-12-31\n"             // 10: no account
                + "\"h\",1.00,CZK,1998-12-31\n"        // 11: quoting
                + "i,99999999999999999999,CZK,1998-12-31\n"); // 12: beyond a long

        assertThatThrownBy(() -> StatementSource.readCsv(file, SCALES))
                .isInstanceOfSatisfying(MalformedStatementException.class, e -> {
                    assertThat(e.errors()).extracting(MalformedStatementException.LineError::lineNumber)
                            .containsExactly(3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
                    assertThat(e.errors().get(0).message()).contains("more than 2 fraction digits");
                    assertThat(e.errors().get(1).message()).contains("expected 4 fields");
                    assertThat(e.errors().get(3).message()).contains("currency is empty");
                    assertThat(e.errors().get(4).message()).contains("no scale configured for currency EUR");
                    assertThat(e.errors().get(5).message()).contains("not an ISO-8601 date or instant");
                    assertThat(e.errors().get(6).message()).contains("already on line 2");
                    assertThat(e.errors().get(9).message()).contains("does not fit in a long");
                    assertThat(e.getMessage()).contains("10 malformed line(s)").contains("line 3: ");
                });
    }

    @Test
    void aStatementReconcilesAgainstTheProjectionByTotal() throws IOException {
        Path file = csv("1000,100.00,CZK,1998-12-31\n1001,50.10,CZK,1998-12-31\n");
        List<BalanceView> projection = List.of(
                new BalanceView("1000", "CZK", 9_000, 1_000, 3L),
                new BalanceView("1001", "CZK", 5_000, 0, 8L));

        ReconciliationResult result;
        try (StatementSource statement = StatementSource.readCsv(file, SCALES)) {
            result = new Reconciler(TierPolicy.byScale(SCALES), new StepClock(0, 1))
                    .run("bank", StatementSource.MEASURE, projection.iterator(), statement, ReconciliationListener.NONE);
        }

        assertThat(result.inSync()).isEqualTo(1);
        assertThat(result.drift()).isEqualTo(1);
        assertThat(result.largestDiscrepancies()).singleElement()
                .satisfies(d -> assertThat(d.accountId()).isEqualTo("1001"))
                .satisfies(d -> assertThat(d.comparison().differenceMinor()).isEqualTo(10));
    }

    @Test
    void aJsonStatementIsReadExactlyWithTheCsvRules() {
        StatementSource source = StatementSource.readJson("""
                [{"account_id": "b", "balance": 0.1, "currency": "CZK", "as_of": "1998-12-31"},
                 {"accountId": "a", "balance": "-1234.50", "currency": "CZK", "asOf": "1998-12-31T12:00:00Z"},
                 {"account_id": "c", "balance": 12345678901234567.89, "currency": "CZK", "as_of": "1998-12-31"}]""",
                "statement.json", SCALES);

        assertThat(source.lines()).extracting(StatementLine::accountId, StatementLine::balanceMinor)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", -123_450L),
                        org.assertj.core.groups.Tuple.tuple("b", 10L),
                        org.assertj.core.groups.Tuple.tuple("c", 1_234_567_890_123_456_789L));
        assertThat(source.lines().get(0).asOfMs()).isEqualTo(Instant.parse("1998-12-31T12:00:00Z").toEpochMilli());
    }

    @Test
    void everyMalformedJsonElementIsReportedAndNothingIsRead() {
        assertThatThrownBy(() -> StatementSource.readJson("""
                [{"account_id": "a", "balance": "1.001", "currency": "CZK", "as_of": "1998-12-31"},
                 {"account_id": "b", "currency": "CZK", "as_of": "1998-12-31"}]""", "statement.json", SCALES))
                .isInstanceOfSatisfying(MalformedStatementException.class, e -> assertThat(e.errors())
                        .extracting(MalformedStatementException.LineError::lineNumber).containsExactly(1L, 2L));
        assertThatThrownBy(() -> StatementSource.readJson("{}", "statement.json", SCALES))
                .isInstanceOf(MalformedStatementException.class);
    }

    @Test
    void aStatementIsFetchedFromAnHttpEndpoint() throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        byte[] body = "[{\"account_id\": \"a\", \"balance\": \"5.00\", \"currency\": \"CZK\", \"as_of\": \"2024-01-31\"}]"
                .getBytes(StandardCharsets.UTF_8);
        server.createContext("/balances", exchange -> {
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/balances") ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/balances");
            StatementSource source = StatementSource.fetchJson(uri, java.time.Duration.ofSeconds(5), SCALES);
            assertThat(drain(source)).containsExactly(new BalanceView("a", "CZK", 500, 0, null));
            assertThatThrownBy(() -> StatementSource.fetchJson(java.net.URI.create(uri + "-nothing"),
                    java.time.Duration.ofSeconds(5), SCALES)).isInstanceOf(IOException.class);
        } finally {
            server.stop(0);
        }
    }
}
