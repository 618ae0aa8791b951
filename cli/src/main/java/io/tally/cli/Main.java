package io.tally.cli;

import io.tally.cli.serve.ServiceCommands;
import io.tally.demo.DataDirectory;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * {@code ./tally}: parses the command line and runs the chosen command; the exit code is the
 * command's.
 */
public final class Main {
    private static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    private Main() {}

    /** Runs {@code tally} with {@code args} and exits with the command's code. */
    public static void main(String[] args) {
        // Logs go to <data dir>/tally.log; logback reads this property when the first logger is made.
        System.setProperty("tally.log.dir", dataDirFromArgs(args).toString());
        // The embedded broker ships log4j-core and a log4j2.yaml it cannot read without YAML support;
        // tally logs through Logback, so Log4j's own status messages about that are noise on the console.
        if (System.getProperty("log4j2.statusLoggerLevel") == null) {
            System.setProperty("log4j2.statusLoggerLevel", "OFF");
        }
        if (ServiceCommands.isServiceAlone(args) && System.getProperty("logback.configurationFile") == null) {
            // A service alone logs to standard output, for its container; the local commands log to a file.
            System.setProperty("logback.configurationFile", "logback-service.xml");
        }
        // With 2 cores the common pool's parallelism is 1, and then CompletableFuture runs every *Async
        // stage without an executor on a new thread of its own; the JDK HttpClient (./tally bench's load
        // generator) does so once per response: thousands of threads a second. Two workers avoid that.
        if (System.getProperty(COMMON_POOL_PARALLELISM) == null && Runtime.getRuntime().availableProcessors() <= 2) {
            System.setProperty(COMMON_POOL_PARALLELISM, "2");
        }
        int code = commandLine().execute(args);
        System.exit(code);
    }

    /** The {@code tally} command line with every subcommand, as {@link #main} runs it. */
    public static CommandLine commandLine() {
        return ServiceCommands.install(new CommandLine(new TallyCommand()))
                .setCaseInsensitiveEnumValuesAllowed(true);
    }

    /** The value of {@code --data-dir} in {@code args} (either form), else {@link DataDirectory#defaultPath()}. */
    private static Path dataDirFromArgs(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--data-dir") && i + 1 < args.length) {
                return Path.of(args[i + 1]).toAbsolutePath();
            }
            if (args[i].startsWith("--data-dir=")) {
                return Path.of(args[i].substring("--data-dir=".length())).toAbsolutePath();
            }
        }
        return DataDirectory.defaultPath().toAbsolutePath();
    }
}
