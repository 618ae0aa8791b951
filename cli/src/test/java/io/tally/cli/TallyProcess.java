package io.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code ./tally} as an operator runs it, in a process of its own (so that {@code kill -9} and a
 * process's own {@code /metrics} mean what they do in production), for the CLI's ITs.
 */
public final class TallyProcess {
    private TallyProcess() {}

    /**
     * Starts {@code io.tally.cli.Main args} on this JVM's class path with a 768 MiB heap, its output
     * (stdout and stderr) going to {@code log}.
     *
     * @param environment changes to the inherited environment, made before the start
     */
    public static Process start(Path log, Consumer<Map<String, String>> environment, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-cp", System.getProperty("java.class.path"), "io.tally.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        environment.accept(builder.environment());
        return builder.start();
    }

    /**
     * Waits until {@code log} contains {@code line} and returns the whole log then.
     *
     * @throws AssertionError if the process exits first, or the line is not there within {@code timeout};
     *     the message holds the log
     */
    public static String awaitOutput(Process process, Path log, String line, Duration timeout) throws Exception {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            String output = Files.exists(log) ? Files.readString(log) : "";
            if (output.contains(line)) {
                return output;
            }
            assertThat(process.isAlive()).as("exited before \"%s\":\n%s", line, output).isTrue();
            Thread.sleep(250);
        }
        throw new AssertionError("no \"" + line + "\" within " + timeout.toSeconds() + " s:\n" + Files.readString(log));
    }
}
