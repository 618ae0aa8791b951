package io.tally.cli.reconcile;

import io.tally.demo.LocalStack;
import io.tally.reconciler.RunMode;
import io.tally.reconciler.jdbc.PostgresCacheSource;
import io.tally.reconciler.job.ReconciliationJob;
import io.tally.reconciler.job.ReconciliationSource;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * What {@code tally reconcile} is told (a picocli mixin): the source, scope and mode of the runs, how
 * often, the thresholds and outputs; read into a {@link ReconciliationJob.Settings}.
 */
final class ReconcileOptions {
    static final class Scope {
        @Option(names = "--account", paramLabel = "ID", description = "Reconcile this account only.")
        String account;

        @Option(names = "--all", description = "Reconcile every account (the default).")
        boolean all;
    }

    static final class Mode {
        @Option(names = "--dry-run", description = "Report only, change nothing (the default).")
        boolean dryRun;

        @Option(names = "--fix", description = "Also fix every auto-fixable drift (tiers MINOR, WARN): a correction on "
                + "ledger.corrections applied to the cache, or for an authoritative statement a correction in the ledger.")
        boolean fix;
    }

    /** Output formats. */
    enum Format { table, json }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Scope scope = new Scope();

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Mode mode = new Mode();

    @Option(names = "--source", paramLabel = "NAME", defaultValue = PostgresCacheSource.ACCOUNT_BALANCES,
            description = "account_balances, sql:NAME or statement (default: ${DEFAULT-VALUE}).")
    String source;

    @Option(names = "--sources", paramLabel = "FILE",
            description = "Properties with NAME.sql=SELECT account_id, available_minor, locked_minor[, version, currency] ...")
    Path sourcesFile;

    @Option(names = "--statement", paramLabel = "FILE|URL",
            description = "A statement: a CSV file (account_id,balance,currency,as_of), a .json file, or an http(s) URL answering JSON.")
    String statement;

    @Option(names = "--authoritative", description = "The statement is right where it disagrees: --fix corrects the ledger.")
    boolean authoritative;

    @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--every", paramLabel = "DURATION",
            description = "Run again after each DURATION (ISO-8601, e.g. PT24H) until stopped; the exit code is the last run's.")
    Duration every;

    @Option(names = "--continuous", description = {"After a full run, keep comparing each account_balances row as it changes "
            + "(rows whose synced_at moved since the last look, every --every, default PT1S) with the projection; "
            + "each look that finds a change is recorded as a run. Runs until stopped."})
    boolean continuous;

    @Option(names = "--grace", defaultValue = "PT30S",
            description = "How long a cache may stay behind the projection before it is drift (default: ${DEFAULT-VALUE}).")
    Duration grace;

    @Option(names = "--webhook", paramLabel = "URL", description = "POST a JSON alert here when a run finds drift above the warn level.")
    URI webhook;

    @Option(names = "--webhook-timeout", defaultValue = "PT5S", description = "Bound on the webhook call (default: ${DEFAULT-VALUE}).")
    Duration webhookTimeout;

    @Option(names = "--scale", paramLabel = "CURRENCY=DIGITS",
            description = "Minor-unit digits of a currency not in account_balances (for tiers and statements), e.g. NGN=2.")
    Map<String, Integer> scales = new HashMap<>();

    @Option(names = "--conservation", description = "Also check, per currency, that the projection's balances add up to "
            + "credits minus charges plus corrections in ledger.events; exit 1 if not.")
    boolean conservation;

    @Option(names = "--top", defaultValue = "20", description = "Discrepancies to print (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve the runs' Prometheus metrics on http://0.0.0.0:PORT/metrics (and /health) while it runs, "
                    + "for a scraper (with --every or --continuous; 0 = a free port).")
    Integer metricsPort;

    @Option(names = "--metrics-file", paramLabel = "FILE",
            description = "Write the Prometheus metrics of the runs here after each run (for a textfile collector).")
    Path metricsFile;

    @Option(names = "--sink-group", paramLabel = "GROUP", defaultValue = LocalStack.SERVICE_SINK_GROUP,
            description = {"With --bootstrap-servers: the running cache sink's consumer group, waited for before a run "
                    + "(default: ${DEFAULT-VALUE}, the group of './tally serve projector')."})
    String sinkGroup;

    @Option(names = "--timeout", defaultValue = "PT5M", description = "How long to wait for the stack to catch up (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    /**
     * The source the options name, after checking that they go together.
     *
     * @throws IllegalArgumentException if they do not, saying why
     */
    ReconciliationSource source() {
        ReconciliationSource reconciled = ReconciliationSource.parse(source, sourcesFile, statement, authoritative);
        if (continuous && !(reconciled instanceof ReconciliationSource.AccountBalances)) {
            throw new IllegalArgumentException("--continuous watches account_balances only");
        }
        if (every != null && (every.isNegative() || every.isZero())) {
            throw new IllegalArgumentException("--every must be positive");
        }
        return reconciled;
    }

    /** The job's settings for runs against {@code reconciled}. */
    ReconciliationJob.Settings settings(ReconciliationSource reconciled) {
        return new ReconciliationJob.Settings(reconciled, Optional.ofNullable(scope.account),
                mode.fix ? RunMode.FIX : RunMode.DRY_RUN, grace, scales, conservation, top, timeout, webhookTimeout,
                sinkGroup);
    }
}
