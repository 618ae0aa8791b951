package io.tally.cli.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.cli.OperatorCommands;
import io.tally.cli.reconcile.ReconcileCommand;
import io.tally.console.OperatorConsole;
import io.tally.demo.LocalStack;
import io.tally.embedded.EmbeddedKafka;
import io.tally.embedded.PostgresServer;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.ledger.http.LedgerHttpApi;
import io.tally.platform.http.Tokens;
import io.tally.schemas.ValueSerdes;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator console in a real browser (Debian's Chromium, headless, driven by Selenium through
 * Debian's chromedriver) against a running stack: the page shows the balance the projector's API
 * returns, a drift planted in the cache appears in the reconciliation view, the consumer groups in the
 * lag view, a dead letter with its reason; a screenshot of each view is written to
 * {@code target/console-screenshots/} for a person to look at. Skipped, saying so, where Chromium or
 * chromedriver is not installed ({@code .ci/run} installs both).
 */
class ConsoleBrowserIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void theConsoleShowsTheApisBalanceAPlantedDriftTheLagAndADeadLetter() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium or chromedriver is not installed (apt-get install chromium chromium-driver); the console is not tested in a browser");
        String jdbcUrl = TestInfrastructure.get().newDatabase("console");
        String token = Tokens.generate();
        Tokens tokens = Tokens.parse(List.of(Tokens.hash(token) + ":write,read,admin:admin"));
        try (EmbeddedKafka cluster = EmbeddedKafka.start(dir.resolve("cluster"));
                LocalStack stack = LocalStack.startInfrastructure(new LocalStack.Options(dir.resolve("stack"),
                        Optional.of(cluster.bootstrapServers()), Optional.of(jdbcUrl), Map.of(), ValueSerdes.singleObject(), 2, 1))) {
            stack.serveProjectorAt("127.0.0.1", freePort());
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();
            stack.startServices(dir.resolve("stack").resolve("streams"), 1, metrics, TIMEOUT);
            LedgerHttpApi ledger = stack.startLedgerHttp(tokens, "127.0.0.1", 0, Duration.ofSeconds(10), metrics);
            int projectorPort = stack.startProjectorHttp(tokens, Duration.ofSeconds(10), metrics).port();
            OperatorConsole console = stack.startConsole(tokens, "127.0.0.1", 0);

            String api = "http://127.0.0.1:" + ledger.port();
            assertThat(write(api, token, "/v1/accounts", "open-alice",
                    "{\"accountId\":\"alice\",\"currency\":\"EUR\",\"scale\":2,\"overdraftLimitMinor\":0}")).isEqualTo(201);
            assertThat(write(api, token, "/v1/accounts/alice/credits", "topup-1",
                    "{\"amountMinor\":12345,\"currency\":\"EUR\"}")).isEqualTo(201);
            assertThat(write(api, token, "/v1/accounts/alice/holds", "ride-42",
                    "{\"holdId\":\"ride-42\",\"amountMinor\":2000,\"currency\":\"EUR\",\"expiresAt\":\"2030-01-01T00:00:00Z\"}"))
                    .isEqualTo(201);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(stack.kafka(), new StringSerializer(),
                    new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(stack.topics().requests().name(), "alice",
                        "not an Avro request".getBytes(StandardCharsets.UTF_8))).get();
            }
            JsonNode balance = JSON.readTree(get("http://127.0.0.1:" + projectorPort + "/v1/accounts/alice/balance?minVersion=3",
                    token));

            // Plant a drift in the cache, then reconcile beside the services as an operator would.
            Jdbi jdbi = Jdbi.create(PostgresServer.dataSource(jdbcUrl));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM account_balances WHERE account_id = 'alice' "
                    + "AND version = 3").mapTo(Long.class).one()) == 0) {
                assertThat(System.nanoTime() - deadline).as("the cache sink writes alice").isNegative();
                Thread.sleep(200);
            }
            jdbi.useHandle(h -> h.execute("UPDATE account_balances SET available_minor = available_minor + 500 "
                    + "WHERE account_id = 'alice'"));
            OperatorCommands.Run drifted = OperatorCommands.on(dir.resolve("reconciler"), jdbcUrl).run("reconcile",
                    ReconcileCommand::new, "--bootstrap-servers", cluster.bootstrapServers(), "--partitions", "2",
                    "--replication-factor", "1", "--format", "json");
            assertThat(drifted.exitCode()).as(drifted.output()).isEqualTo(1);

            // The JSON behind the page needs a read token, and says so in the services' error shape.
            HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + console.port() + "/console/api/runs")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(anonymous.body()).path("code").asText()).isEqualTo("UNAUTHORIZED");

            Files.createDirectories(SCREENSHOTS);
            WebDriver browser = chromium();
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                browser.get("http://127.0.0.1:" + console.port() + "/console/#account");
                browser.findElement(By.id("token")).sendKeys(token);
                browser.findElement(By.id("use-token")).click();
                browser.findElement(By.id("account-id")).sendKeys("alice");
                browser.findElement(By.id("find-account")).click();
                wait.until(b -> b.findElement(By.id("balance-available")).getDomAttribute("data-minor") != null);
                assertThat(browser.findElement(By.id("balance-available")).getDomAttribute("data-minor"))
                        .as("the balance the API returns").isEqualTo(balance.get("availableMinor").asText());
                assertThat(browser.findElement(By.id("balance-available")).getText()).isEqualTo("103.45 EUR");
                assertThat(browser.findElement(By.id("balance-locked")).getText()).isEqualTo("20.00 EUR");
                assertThat(browser.findElement(By.id("holds")).getText()).contains("ride-42", "OPEN", "20.00");
                assertThat(Integer.parseInt(browser.findElement(By.id("history-chart")).getDomAttribute("data-points")))
                        .as("balances over time: open, credit, hold").isEqualTo(3);
                screenshot(browser, "account.png");

                browser.get("http://127.0.0.1:" + console.port() + "/console/#runs");
                wait.until(b -> !b.findElements(By.cssSelector("tr.discrepancy")).isEmpty());
                String discrepancy = browser.findElement(By.cssSelector("tr.discrepancy")).getText();
                assertThat(discrepancy).as("the planted drift").contains("alice", "DRIFT", "10845", "10345");
                assertThat(browser.findElement(By.cssSelector("article.run header")).getText()).contains("1 drifting");
                screenshot(browser, "runs.png");

                browser.get("http://127.0.0.1:" + console.port() + "/console/#lag");
                wait.until(b -> b.findElements(By.cssSelector("#lag tbody tr")).size() == 3);
                assertThat(browser.findElement(By.id("lag")).getText())
                        .contains("ledger-service", "tally-ledger-service", "projector", "cache sink");
                assertThat(browser.findElement(By.id("live-projector")).getText()).isEqualTo(LocalStack.PROJECTOR_APPLICATION_ID);
                screenshot(browser, "lag.png");

                browser.get("http://127.0.0.1:" + console.port() + "/console/#dead-letters");
                wait.until(b -> !b.findElements(By.cssSelector("#dead-letters tbody tr")).isEmpty());
                assertThat(browser.findElement(By.cssSelector("#dead-letters tbody tr")).getText()).contains("NOT_AVRO", "alice");
                screenshot(browser, "dead-letters.png");

                browser.get("http://127.0.0.1:" + console.port() + "/console/#account");
                browser.findElement(By.id("account-id")).sendKeys("nobody");
                browser.findElement(By.id("find-account")).click();
                wait.until(b -> !b.findElement(By.id("error")).getText().isEmpty());
                assertThat(browser.findElement(By.id("error")).getText()).as("an unknown account, said").contains("404");
            } finally {
                browser.quit();
            }
        }
    }

    private static WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000", "--user-data-dir=" + dirFor("chromium-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static String dirFor(String name) {
        try {
            return Files.createTempDirectory(name).toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void screenshot(WebDriver browser, String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    private static int write(String api, String token, String path, String key, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(api + path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String get(String url, String token) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
