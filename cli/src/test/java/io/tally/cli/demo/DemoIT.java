package io.tally.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.demo.berka.BerkaData;
import io.tally.demo.berka.BerkaGenerator;
import io.tally.embedded.testing.TestInfrastructure;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tally demo} end to end, in process, on its own embedded broker (as a user runs it) and a
 * fresh database: balances are checked against sums computed here from the input file, with
 * {@link BigDecimal} and none of tally's parsing.
 */
class DemoIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aGeneratedHistoryIsReplayedExactlyAndASecondRunAppendsNothing() throws Exception {
        Path file = dir.resolve("trans.asc");
        BerkaGenerator.write(file, 200, 7);
        String jdbcUrl = TestInfrastructure.get().newDatabase("demo");

        JsonNode first = demo(file, jdbcUrl, "first.json");
        assertThat(first.at("/summary/exitCode").asInt()).isZero();
        Map<String, BigDecimal> sums = independentSums(file);
        assertThat(first.at("/summary/accounts").asLong()).isEqualTo(sums.size());
        assertThat(first.at("/summary/accepted").asLong()).isEqualTo(first.at("/summary/requestsSent").asLong());
        assertThat(first.at("/summary/eventsAppended").asLong()).isEqualTo(first.at("/summary/requestsSent").asLong());
        assertBalancesEqualSums(first, sums);
        assertThat(first.at("/summary/cache/byStatus/IN_SYNC").asLong()).isEqualTo(sums.size());
        long drifting = first.at("/summary/statement/byStatus/DRIFT").asLong();
        assertThat(drifting).as("the generator's rounding shows as drift").isPositive();
        assertThat(first.at("/summary/statement/driftByTier/MINOR").asLong()).isEqualTo(drifting);

        JsonNode second = demo(file, jdbcUrl, "second.json");
        assertThat(second.at("/summary/exitCode").asInt()).isZero();
        assertThat(second.at("/summary/accepted").asLong()).isZero();
        assertThat(second.at("/summary/eventsAppended").asLong()).isZero();
        assertThat(second.at("/summary/replayed").asLong()).isEqualTo(first.at("/summary/requestsSent").asLong());
        assertThat(second.get("accounts")).isEqualTo(first.get("accounts"));
    }

    @Test
    void aMalformedLineIsReportedWithItsNumberCountedAndSkipped() throws Exception {
        Path file = dir.resolve("trans.asc");
        BerkaGenerator.write(file, 30, 11);
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.US_ASCII));
        lines.add(5, "123;456;931301;\"PRIJEM\";;12.00;12.00;\"\";;");
        Files.write(file, lines, StandardCharsets.US_ASCII);

        JsonNode report = demo(file, TestInfrastructure.get().newDatabase("demo"), "report.json");
        assertThat(report.at("/summary/exitCode").asInt()).isEqualTo(1);
        assertThat(report.at("/summary/malformedLines").asLong()).isEqualTo(1);
        assertThat(report.at("/summary/malformedSamples/0").asText()).startsWith("trans.asc:6:");
        assertThat(report.at("/summary/anomalies/0").asText()).contains("malformed");
        // The rest went through.
        assertBalancesEqualSums(report, independentSums(file));
    }

    @Test
    void aSliceOfTheRealBankIsReplayedExactly() throws Exception {
        Optional<Path> real = BerkaData.transactionsFile(BerkaData.defaultDirectory());
        assumeThat(real).as("the Berka data beside the project").isPresent();
        // The first 20,000 rows (whole days at the start of 1993), copied into the test's temp dir only.
        Path slice = dir.resolve("trans.asc");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(real.get())), StandardCharsets.US_ASCII))) {
            List<String> lines = new ArrayList<>();
            String lastDay = null;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String day = line.split(";", -1)[2];
                if (lines.size() > 20_000 && !day.equals(lastDay)) {
                    break; // a cut inside a day would leave the bank's balance chain of that day partial
                }
                lines.add(line);
                lastDay = day;
            }
            Files.write(slice, lines, StandardCharsets.US_ASCII);
        }
        JsonNode report = demo(slice, TestInfrastructure.get().newDatabase("demo"), "report.json");
        Map<String, BigDecimal> sums = independentSums(slice);
        assertThat(report.at("/summary/rejectedByCode").size()).isZero();
        assertThat(report.at("/summary/accounts").asLong()).isEqualTo(sums.size());
        assertBalancesEqualSums(report, sums);
        assertThat(report.at("/summary/statement/driftByTier/WARN").asLong()).isZero();
        assertThat(report.at("/summary/statement/driftByTier/CRITICAL").asLong()).isZero();
        assertThat(report.at("/summary/cache/byStatus/IN_SYNC").asLong()).isEqualTo(sums.size());
    }

    private JsonNode demo(Path transactions, String jdbcUrl, String reportName) throws Exception {
        Path report = dir.resolve(reportName);
        int code = new CommandLine(new DemoCommand()).execute("--data-dir", dir.resolve("data").toString(),
                "--transactions", transactions.toString(), "--jdbc-url", jdbcUrl, "--report", report.toString(),
                "--timeout", "PT3M");
        JsonNode json = JSON.readTree(report.toFile());
        assertThat(json.at("/summary/exitCode").asInt()).isEqualTo(code);
        return json;
    }

    private static void assertBalancesEqualSums(JsonNode report, Map<String, BigDecimal> sums) {
        Map<String, BigDecimal> ledger = new HashMap<>();
        for (JsonNode a : report.get("accounts")) {
            ledger.put(a.get("accountId").asText(),
                    BigDecimal.valueOf(a.get("availableMinor").asLong() + a.get("lockedMinor").asLong(), 2));
        }
        assertThat(ledger).isEqualTo(sums);
    }

    /** Credits minus debits per account, straight from the file's text. */
    private static Map<String, BigDecimal> independentSums(Path file) throws Exception {
        Map<String, BigDecimal> sums = new HashMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(";", -1);
            if (f.length != 10 || !f[5].matches("\\d+\\.\\d\\d") || !f[2].matches("\\d{6}") || Integer.parseInt(f[2].substring(2, 4)) > 12) {
                continue; // the malformed line the test planted
            }
            BigDecimal amount = new BigDecimal(f[5]);
            BigDecimal signed = f[3].equals("\"PRIJEM\"") ? amount : amount.negate();
            sums.merge(f[1], signed, BigDecimal::add);
        }
        sums.replaceAll((k, v) -> v.setScale(2));
        return sums;
    }
}
