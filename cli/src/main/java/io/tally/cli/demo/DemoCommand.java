package io.tally.cli.demo;

import io.tally.cli.StackOptions;
import io.tally.demo.DemoRun;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tally demo}: replays a real bank's transactions (the Berka data set) through the ledger
 * and reconciles the result against the bank's own statement balances and the PostgreSQL cache
 * (DESIGN.md, The main job). Exit code: 0 when everything went as expected, 1 when something
 * unexpected was found (listed under "anomalies"), 2 when the run itself failed.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Replay the Berka bank's transactions through the ledger, then reconcile the projection",
                "against the bank's statement balances and the PostgreSQL cache.",
                "Exit code: 0 as expected, 1 something unexpected found, 2 the run failed."})
public final class DemoCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);

    @Mixin
    StackOptions stackOptions = new StackOptions();

    @Option(names = "--fresh", description = "Delete the data directory first and start over.")
    boolean fresh;

    @Option(names = "--transactions", paramLabel = "FILE",
            description = "The Berka trans.asc file, plain or .gz (default: from $TALLY_BERKA_DIR or ../shared/data/berka).")
    Path transactions;

    @Option(names = "--accounts", paramLabel = "FILE", description = "The Berka account.asc file (optional; checked against the transactions).")
    Path accounts;

    @Option(names = "--generate", description = "Run on a generated history even if the real data is present.")
    boolean generate;

    @Option(names = "--generated-accounts", defaultValue = "3000", description = "Accounts in a generated history (default: ${DEFAULT-VALUE}).")
    int generatedAccounts;

    @Option(names = "--report", paramLabel = "FILE", description = "Where to write the JSON report (default: <data dir>/demo-report.json).")
    Path report;

    @Option(names = "--timeout", defaultValue = "PT10M", description = "How long to wait for each phase (ISO-8601, default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--top", defaultValue = "10", description = "Discrepancies to print (default: ${DEFAULT-VALUE}).")
    int top;

    @Override
    public Integer call() {
        try {
            Path dir = stackOptions.dataDir();
            DemoRun.Settings settings = new DemoRun.Settings(stackOptions.toStackOptions(), fresh,
                    Optional.ofNullable(transactions), Optional.ofNullable(accounts), generate, generatedAccounts,
                    report != null ? report : dir.resolve("demo-report.json"), timeout, top);
            return new DemoRun(settings, System.out).run().summary().exitCode();
        } catch (Exception e) {
            log.error("demo failed", e);
            System.err.println("tally demo failed: " + e);
            return 2;
        }
    }
}
