package io.tally.cli.check;

import io.tally.demo.DataDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tally check faults}: the fault scenarios of issue 20 ({@link FaultsCheck}).
 *
 * <p>Exit codes: 0 every phase held; 1 a phase found a violation (each is printed); 2 the stack could
 * not be started or the run failed (the message says why).
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Checks that tally keeps its guarantees under faults.",
        subcommands = {CheckCommand.Faults.class})
public final class CheckCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** {@code ./tally check faults [--short]}. */
    @Command(name = "faults", mixinStandardHelpOptions = true,
            description = {"Runs a bank over HTTP (50 accounts, 32 clients) against 3 Kafka brokers, 2 ledger-service and"
                    + " 2 projector instances and PostgreSQL, each its own process, and kills or stops one of them per"
                    + " phase mid-load: a ledger-service instance, a projector instance, the broker leading most"
                    + " partitions, PostgreSQL. After each phase it audits the log, every client outcome and every view"
                    + " with its own fold, and prints a table; exit 1 on any violation.",
                    "The full run (default) runs every fault three times with 90 s phases; --short once with 30 s phases."})
    static final class Faults implements Callable<Integer> {
        @Option(names = "--short", description = "Each fault once, 30 s phases (about 5 minutes): what CI runs.")
        boolean shortRun;

        @Option(names = "--phase-seconds", paramLabel = "S", description = "Load per phase (default: 90, 30 with --short).")
        Integer phaseSeconds;

        @Option(names = "--rounds", paramLabel = "N", description = "Times each fault is run (default: 3, 1 with --short).")
        Integer rounds;

        @Option(names = "--clients", paramLabel = "N", defaultValue = "32", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
        int clients;

        @Option(names = "--accounts", paramLabel = "N", defaultValue = "50", description = "Accounts (default: ${DEFAULT-VALUE}).")
        int accounts;

        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "Where the run keeps its brokers, database, services and their logs (default: a new"
                        + " directory under $TALLY_DATA_DIR or ~/.tally, named check-faults-<time>).")
        Path dataDir;

        @Override
        public Integer call() {
            int seconds = phaseSeconds != null ? phaseSeconds : shortRun ? 30 : 90;
            int n = rounds != null ? rounds : shortRun ? 1 : 3;
            if (seconds < 6 || n < 1 || clients < 1 || accounts < 2) {
                System.err.println("tally check faults: --phase-seconds >= 6, --rounds >= 1, --clients >= 1 and"
                        + " --accounts >= 2 are needed");
                return 2;
            }
            Path directory = dataDir != null ? dataDir : DataDirectory.defaultPath()
                    .resolve("check-faults-" + Instant.now().toString().replace(':', '-'));
            try {
                // An earlier run's cluster and database would be audited with this run's outcomes.
                if (Files.exists(directory.resolve("cluster")) || Files.exists(directory.resolve("postgres"))) {
                    System.err.println("tally check faults: " + directory + " holds an earlier run; give a new --data-dir");
                    return 2;
                }
                FaultsCheck check = new FaultsCheck(new FaultsCheck.Settings(directory.toAbsolutePath(), seconds, n, clients,
                        accounts), System.out);
                boolean held = check.run().stream().allMatch(p -> p.audit().violations().isEmpty());
                System.out.println("logs and data: " + directory.toAbsolutePath());
                return held ? 0 : 1;
            } catch (Exception e) {
                System.err.println("tally check faults failed: " + e);
                return 2;
            }
        }
    }
}
