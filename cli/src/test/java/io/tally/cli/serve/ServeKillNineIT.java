package io.tally.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.cli.TallyProcess;
import io.tally.embedded.PostgresServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./tally serve} on the embedded default (its own Kafka and PostgreSQL in the data directory)
 * killed with {@code kill -9} twice, and started again on the same data directory each time, as a user
 * whose machine crashed would (issue 20, item 0): every restart comes up, stopping the PostgreSQL that
 * the killed run left behind, and the ledger goes on from the balances written before the kills.
 */
class ServeKillNineIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String READY = "Press Ctrl-C to stop.";

    @TempDir
    Path dir;

    @Test
    void everyRestartAfterKillNineComesBackWithTheLedgerAsItWas() throws Exception {
        Path data = dir.resolve("serve");
        int apiPort = freePort();
        int projectorPort = freePort();
        List<Process> runs = new ArrayList<>();
        try {
            for (int run = 1; run <= 3; run++) {
                Path log = dir.resolve("serve-" + run + ".log");
                Process serve = serve(log, data, apiPort, projectorPort);
                runs.add(serve);
                String output = awaitOutput(serve, log, READY);
                if (run > 1) {
                    assertThat(output).as("run %d stopped the killed run's PostgreSQL", run)
                            .contains("stopping PostgreSQL (pid");
                }
                String token = Files.readString(data.resolve("admin-token")).strip();
                String api = "http://127.0.0.1:" + apiPort;
                if (run == 1) {
                    assertThat(write(api, token, "/v1/accounts", "open-1",
                            "{\"accountId\":\"acct-1\",\"currency\":\"CZK\",\"scale\":2,\"overdraftLimitMinor\":0}").statusCode())
                            .isEqualTo(201);
                }
                HttpResponse<String> credit = write(api, token, "/v1/accounts/acct-1/credits", "credit-" + run,
                        "{\"amountMinor\":10000,\"currency\":\"CZK\"}");
                assertThat(credit.statusCode()).as(credit.body()).isEqualTo(201);
                assertThat(JSON.readTree(credit.body()).get("availableMinor").asLong())
                        .as("run %d credits on top of every credit before the kills", run).isEqualTo(10_000L * run);

                serve.destroyForcibly(); // SIGKILL: no shutdown hook, no graceful close
                assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            runs.forEach(Process::destroyForcibly);
            // The last run's PostgreSQL outlives it too: a start on the directory stops it, then closes.
            PostgresServer.start(Optional.empty(), data.resolve("postgres")).close();
        }
    }

    private static Process serve(Path log, Path data, int apiPort, int projectorPort) throws IOException {
        // the embedded default, as a new user has it
        return TallyProcess.start(log, environment -> environment.remove(PostgresServer.JDBC_URL_ENV), "serve",
                "--data-dir", data.toString(), "--port", Integer.toString(apiPort),
                "--projector-port", Integer.toString(projectorPort), "--console-port", "0");
    }

    private static String awaitOutput(Process process, Path log, String line) throws Exception {
        return TallyProcess.awaitOutput(process, log, line, Duration.ofSeconds(300));
    }

    private static HttpResponse<String> write(String api, String token, String path, String key, String body)
            throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(api + path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
