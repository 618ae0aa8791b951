package io.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.demo.berka.BerkaGenerator;
import io.tally.cli.demo.DemoCommand;
import io.tally.embedded.testing.TestInfrastructure;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * An operator's command line against a ledger that {@code tally demo} filled: a generated bank history
 * in {@code dir}, the demo's embedded broker in {@code dir/data}, a fresh database of its own. Commands
 * run in this JVM with the data directory and database given, their standard output captured.
 *
 * <p>Not thread-safe: standard output is swapped while a command runs.
 */
public final class OperatorCommands {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a command did: its exit code and what it printed. */
    public record Run(int exitCode, String output) {
        /** The JSON document in the output (the test's log lines go to the console too). */
        public JsonNode json() throws Exception {
            int start = output.startsWith("{\n") ? 0 : output.indexOf("\n{\n") + 1;
            int end = output.indexOf("\n}", start);
            return JSON.readTree(output.substring(start, end + 2));
        }
    }

    private final Path dir;
    private final String jdbcUrl;

    private OperatorCommands(Path dir, String jdbcUrl) {
        this.dir = dir;
        this.jdbcUrl = jdbcUrl;
    }

    /**
     * Runs {@code tally demo} on a generated history of {@code accounts} accounts and asserts it
     * succeeded.
     *
     * @param database a name for the test's database
     */
    public static OperatorCommands afterDemo(Path dir, int accounts, String database) throws Exception {
        Path history = dir.resolve("trans.asc");
        BerkaGenerator.write(history, accounts, 3);
        String jdbcUrl = TestInfrastructure.get().newDatabase(database);
        int demo = new CommandLine(new DemoCommand()).execute("--data-dir", dir.resolve("data").toString(),
                "--transactions", history.toString(), "--jdbc-url", jdbcUrl, "--report", dir.resolve("demo.json").toString(),
                "--timeout", "PT3M");
        assertThat(demo).as("tally demo").isZero();
        return new OperatorCommands(dir, jdbcUrl);
    }

    /**
     * Commands with data directory {@code dir/data} and database {@code jdbcUrl}, on a ledger filled
     * some other way.
     */
    public static OperatorCommands on(Path dir, String jdbcUrl) {
        return new OperatorCommands(dir, jdbcUrl);
    }

    /** The database the demo filled. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** The demo's data directory (its embedded broker lives in {@code kafka/} below it). */
    public Path dataDir() {
        return dir.resolve("data");
    }

    /**
     * Runs the command {@code command} makes with the data directory, database and a 2-minute timeout,
     * then {@code args}; echoes the output to the real standard output for the test log.
     */
    public Run run(String name, Supplier<Object> command, String... args) {
        List<String> all = new ArrayList<>(List.of("--data-dir", dataDir().toString(), "--jdbc-url", jdbcUrl,
                "--timeout", "PT2M"));
        all.addAll(List.of(args));
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            // Made after the swap: commands keep System.out from their construction.
            code = new CommandLine(command.get()).setCaseInsensitiveEnumValuesAllowed(true)
                    .execute(all.toArray(String[]::new));
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        original.println("tally " + name + " " + String.join(" ", args) + " -> " + code + "\n" + output);
        return new Run(code, output);
    }
}
