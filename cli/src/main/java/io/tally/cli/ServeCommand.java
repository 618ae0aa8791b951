package io.tally.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.cli.serve.ServiceEnvironment;
import io.tally.console.OperatorConsole;
import io.tally.demo.LocalStack;
import io.tally.ledger.http.LedgerHttpApi;
import io.tally.platform.http.Tokens;
import io.tally.platform.metrics.ServiceMetrics;
import io.tally.projector.http.ProjectorHttpApi;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tally serve}: keeps the stack up (the embedded broker and PostgreSQL, or the ones given),
 * with ledger-service, the projector and the cache sink running and ledger-service's HTTP API
 * listening, until interrupted (Ctrl-C / SIGTERM close everything in order).
 *
 * <p>Tokens: {@code --tokens FILE} or {@code $TALLY_TOKENS_FILE} (lines {@code <sha-256 hex>:<scopes>[:<name>]}).
 * With neither, a token with every scope is generated on first start, kept in
 * {@code <data dir>/admin-token} (owner-only) and printed, so a new user can call the API at once.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the stack, ledger-service's HTTP API and the projector's read API until interrupted.")
public final class ServeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Mixin
    StackOptions stackOptions = new StackOptions();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "ledger-service's HTTP port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--projector-port", defaultValue = "8081", description = "The projector's read API port, also its interactive-query address (default: ${DEFAULT-VALUE}).")
    int projectorPort;

    @Option(names = "--console-port", defaultValue = "8082", description = "The operator console's port: http://HOST:PORT/console (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int consolePort;

    @Option(names = "--min-version-timeout", defaultValue = "PT5S", description = "How long a read with ?minVersion= waits (default: ${DEFAULT-VALUE}).")
    Duration minVersionTimeout;

    @Option(names = "--application-sql", paramLabel = "SQL", description = "Also keep an application's balance column in step: SQL with :account_id, :available, :locked, :total, :version, e.g. \"UPDATE wallets SET balance = :available, locked_balance = :locked WHERE id = :account_id\".")
    String applicationSql;

    @Option(names = "--tokens", paramLabel = "FILE", description = "Token hashes and scopes (default: $TALLY_TOKENS_FILE, else a generated admin token).")
    Path tokensFile;

    @Option(names = "--request-timeout", defaultValue = "PT5S", description = "How long a write waits for its outcome before 202 (default: ${DEFAULT-VALUE}).")
    Duration requestTimeout;

    @Option(names = "--idempotency-retention", paramLabel = "DURATION",
            description = "Forget idempotency keys this long after their request (ISO-8601, e.g. PT24H; default: keep forever).")
    Duration idempotencyRetention;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        Path dir = stackOptions.dataDir();
        Files.createDirectories(dir);
        Tokens tokens = tokens(dir);
        PrometheusMeterRegistry metrics = ServiceMetrics.newRegistry();
        CountDownLatch stopped = new CountDownLatch(1);
        LocalStack stack = LocalStack.startInfrastructure(stackOptions.toStackOptions());
        Thread hook = new Thread(() -> {
            out.println("tally: stopping (draining HTTP, committing Streams, closing the stack)...");
            stack.close();
            stopped.countDown();
        }, "tally-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stack.serveProjectorAt(host, projectorPort);
            if (applicationSql != null) {
                stack.keepApplicationColumn(applicationSql);
            }
            stack.idempotencyRetention(idempotencyRetention);
            stack.startServices(dir.resolve("streams"), stackOptions.replicationFactor(), metrics, Duration.ofMinutes(2));
            LedgerHttpApi api = stack.startLedgerHttp(tokens, host, port, requestTimeout, metrics);
            String base = "http://" + host + ":" + api.port();
            ProjectorHttpApi reads = stack.startProjectorHttp(tokens, minVersionTimeout, metrics);
            String readBase = "http://" + host + ":" + reads.port();
            out.println("tally is serving (" + stack.description() + "; data in " + dir + ")");
            out.println("  ledger-service API   " + base + "/v1   (OpenAPI: " + base + "/openapi.json)");
            out.println("  health, metrics      " + base + "/health, " + base + "/metrics");
            out.println("  projector API        " + readBase + "/v1/accounts/{id}/balance[?asOf=|?minVersion=], "
                    + readBase + "/v1/accounts/{id}/holds, " + readBase + "/v1/holds/{holdId}?accountId=");
            OperatorConsole console = stack.startConsole(tokens, host, consolePort);
            out.println("  operator console     http://" + host + ":" + console.port() + "/console");
            out.println("  Kafka                " + stack.kafka().get("bootstrap.servers"));
            out.println("Press Ctrl-C to stop.");
        } catch (Exception e) {
            log.error("serve failed to start", e);
            System.err.println("tally serve failed to start: " + e);
            return 2;
        }
        stopped.await();
        return 0;
    }

    private Tokens tokens(Path dir) throws IOException {
        Path file = tokensFile != null ? tokensFile
                : System.getenv(ServiceEnvironment.TOKENS_FILE) != null ? Path.of(System.getenv(ServiceEnvironment.TOKENS_FILE)) : null;
        if (file != null) {
            return Tokens.parse(Files.readAllLines(file, StandardCharsets.UTF_8));
        }
        Path tokenFile = dir.resolve("admin-token");
        if (!Files.exists(tokenFile)) {
            Files.writeString(tokenFile, Tokens.generate() + "\n", StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system; the file stays as the umask made it
            }
        }
        String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
        out.println("admin token (every scope; kept in " + tokenFile + "):");
        out.println("  " + token);
        return Tokens.parse(List.of(Tokens.hash(token) + ":write,read,admin:admin"));
    }
}
