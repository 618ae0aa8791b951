package io.tally.cli.reconcile;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.cli.StackOptions;
import io.tally.cli.serve.HealthEndpoint;
import io.tally.demo.LocalStack;
import io.tally.platform.metrics.ServiceMetrics;
import io.tally.reconciler.ReconciliationMetrics;
import io.tally.reconciler.http.DriftWebhook;
import io.tally.reconciler.jdbc.ReconcilerSchema;
import io.tally.reconciler.job.ReconciliationJob;
import io.tally.reconciler.job.ReconciliationSource;
import io.tally.reconciler.job.RunReport;
import io.tally.reconciler.job.RunReportPrinter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code tally reconcile}: compares the projection with a cache or a statement, records the run in
 * PostgreSQL, optionally fixes what it may, and exits with a code a scheduler reads (seeds 001, 003:
 * {@code --user}/{@code --all}, dry run, {@code balance:verify-sync --fix}). Exit code: 0 in sync
 * (accounts in flight within the grace period count as in sync), 1 drift found (or an account that
 * could not be compared), 2 the run failed.
 */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
        description = {"Compare the projection with a balance cache or a statement, record the run, and fix drift with --fix.",
                "Sources: account_balances (default), sql:NAME (SQL in --sources FILE as NAME.sql=SELECT ...),",
                "statement (a CSV with --statement FILE; --authoritative makes the ledger follow it).",
                "Exit code: 0 in sync, 1 drift found, 2 error."})
public final class ReconcileCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ReconcileCommand.class);

    @Mixin
    ReconcileOptions options = new ReconcileOptions();

    @Mixin
    StackOptions stackOptions = new StackOptions();

    /**
     * The application id of the projection {@code reconcile} builds for itself when it runs against a
     * cluster where tally's services run ({@code --bootstrap-servers}): its own consumer group, so it
     * never takes partitions from the services.
     */
    public static final String PROJECTION_APPLICATION_ID = "tally-reconciler-projection";

    @Override
    public Integer call() {
        try {
            return run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 2;
        } catch (Exception e) {
            log.error("reconcile failed", e);
            System.err.println("tally reconcile failed: " + e);
            return 2;
        }
    }

    private int run() throws Exception {
        ReconciliationSource reconciled = options.source();
        Path dir = stackOptions.dataDir();
        Files.createDirectories(dir);
        PrometheusMeterRegistry registry = ServiceMetrics.newRegistry();
        RunReportPrinter printer = new RunReportPrinter(System.out, System.err,
                options.format == ReconcileOptions.Format.json);
        try (LocalStack stack = LocalStack.startInfrastructure(stackOptions.toStackOptions());
                HealthEndpoint scraped = options.metricsPort == null ? null
                        : HealthEndpoint.start(options.metricsPort, () -> null, registry)) {
            if (scraped != null) {
                log.info("metrics on http://0.0.0.0:{}/metrics", scraped.port());
            }
            ReconcilerSchema.migrate(stack.dataSource());
            if (stack.externalKafka()) {
                // tally's services run on that cluster: read beside them with a projection of our own.
                stack.startProjectionOnly(PROJECTION_APPLICATION_ID, dir.resolve("streams"),
                        stackOptions.replicationFactor(), registry, options.timeout);
            } else {
                stack.startServices(dir.resolve("streams"), stackOptions.replicationFactor(), registry, options.timeout);
            }
            ReconciliationJob job = new ReconciliationJob(jobStack(stack), options.settings(reconciled),
                    new ReconciliationMetrics(registry), Optional.ofNullable(options.webhook)
                            .map(uri -> new DriftWebhook(uri, options.webhookTimeout, registry)), Clock.systemUTC());
            while (true) {
                awaitCaughtUp(job);
                int code = report(job.runOnce(), printer, registry);
                if (options.continuous) {
                    Duration pause = options.every != null ? options.every : Duration.ofSeconds(1);
                    return job.watch(pause, r -> report(r, printer, registry));
                }
                if (options.every == null) {
                    return code;
                }
                log.info("next run in {}", options.every);
                Thread.sleep(options.every.toMillis());
            }
        }
    }

    private static ReconciliationJob.Stack jobStack(LocalStack stack) {
        return new ReconciliationJob.Stack(stack.kafka(), stack.topics(), stack.dataSource(), stack::projector,
                stack::projectorApplicationId, Optional.ofNullable(stack.sink()).map(sink -> (BooleanSupplier) sink::isCaughtUp));
    }

    private static void awaitCaughtUp(ReconciliationJob job) throws InterruptedException {
        if (!job.awaitCaughtUp()) {
            System.err.println("warning: the projection or the cache is still catching up; reconciling anyway");
        }
    }

    /** Prints a run's report and writes the metrics file; the run's exit code. */
    private int report(RunReport report, RunReportPrinter printer, PrometheusMeterRegistry registry) {
        try {
            printer.print(report);
            if (options.metricsFile != null) {
                Path tmp = options.metricsFile.resolveSibling(options.metricsFile.getFileName() + ".tmp");
                Files.writeString(tmp, registry.scrape());
                Files.move(tmp, options.metricsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return report.exitCode();
    }
}
