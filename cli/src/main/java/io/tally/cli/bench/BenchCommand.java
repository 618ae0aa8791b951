package io.tally.cli.bench;

import io.tally.bench.BenchOptions;
import io.tally.bench.BenchRunner;
import io.tally.bench.Row;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tally bench [workload...]}: the benchmark suite (module {@code bench}); each workload against
 * its raw Kafka or PostgreSQL baseline in the same run, printed as a table and optionally written as
 * JSON. Without names, runs them all with defaults that finish in a few minutes on 2 cores.
 *
 * <p>Exit code: 0 every workload ran (goals met or not: the table says), 1 a workload failed, 2 Kafka
 * or PostgreSQL could not start.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmarks: write path, rebuild, cache sink, reconciler, HTTP latency, HTTP batches, memory and restore, each against"
                + " a raw Kafka or PostgreSQL baseline measured in the same run.",
                "Workloads: write, rebuild, sink, reconcile, http, batch, memory, restore (default: all)."})
public final class BenchCommand implements Callable<Integer> {
    private static final BenchOptions D = BenchOptions.defaults();

    @Parameters(arity = "0..*", paramLabel = "WORKLOAD", description = "Which to run (default: all).")
    List<String> workloads = List.of();

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path json;

    @Option(names = "--bootstrap-servers", description = "Use this Kafka cluster instead of an embedded broker.")
    String bootstrapServers;

    @Option(names = "--jdbc-url", description = "Use this PostgreSQL (default: $TALLY_JDBC_URL, else an embedded one).")
    String jdbcUrl;

    @Option(names = "--rounds", description = "Rounds per workload, baseline then subject (default: ${DEFAULT-VALUE}).")
    int rounds = D.rounds();

    @Option(names = "--partitions", description = "Partitions of every topic (default: ${DEFAULT-VALUE}).")
    int partitions = D.partitions();

    @Option(names = "--accounts", description = "write: accounts opened (default: ${DEFAULT-VALUE}).")
    int accounts = D.accounts();

    @Option(names = "--requests", description = "write: mixed requests after the opens (default: ${DEFAULT-VALUE}).")
    int requests = D.requests();

    @Option(names = "--events", description = "rebuild, restore: events in ledger.events (default: ${DEFAULT-VALUE}).")
    int events = D.events();

    @Option(names = "--event-accounts", description = "rebuild, restore: accounts they are spread over (default: ${DEFAULT-VALUE}).")
    int eventAccounts = D.eventAccounts();

    @Option(names = "--rows", description = "sink: ledger.balances rows applied (default: ${DEFAULT-VALUE}).")
    int rows = D.rows();

    @Option(names = "--reconcile-accounts", description = "reconcile: accounts compared (default: ${DEFAULT-VALUE}).")
    int reconcileAccounts = D.reconcileAccounts();

    @Option(names = "--rate", description = "http: offered requests per second (default: ${DEFAULT-VALUE}).")
    int rate = D.ratePerS();

    @Option(names = "--duration", description = "http: measured seconds per rate (default: ${DEFAULT-VALUE}).")
    int durationS = D.durationS();

    @Option(names = "--warmup", description = "http: unrecorded seconds before each measurement (default: ${DEFAULT-VALUE}).")
    int warmupS = D.warmupS();

    @Option(names = "--search-steps", description = "http: further rates tried for the highest with p99 < 50 ms (1.5x up while it holds, else"
            + " half down until it does); 0: none"
            + " (default: ${DEFAULT-VALUE}).")
    int searchSteps = D.searchSteps();

    @Option(names = "--http-accounts", description = "http: accounts the load spreads over (default: ${DEFAULT-VALUE}).")
    int httpAccounts = D.httpAccounts();

    @Option(names = "--memory-accounts", description = "memory: accounts loaded (default: ${DEFAULT-VALUE}).")
    int memoryAccounts = D.memoryAccounts();

    @Option(names = "--memory-events", description = "memory: mixed requests loaded after them (default: ${DEFAULT-VALUE}).")
    int memoryEvents = D.memoryEvents();

    @Option(names = "--commit-interval-ms", description = "ledger-service's commit.interval.ms for write, http and memory"
            + " (default: the service's own default).")
    Integer commitIntervalMs;

    @Option(names = "--commit-gap-ms", description = "Turn on ledger-service's commit pacer for write, http, batch and"
            + " memory: the least time between two commits a caught-up task asks for; 0: none, commit on"
            + " commit.interval.ms only (default: none, as the service).")
    Integer commitGapMs;

    @Option(names = "--in-one-jvm", description = "Run the embedded broker and the HTTP load generator in the bench's"
            + " own JVM, beside the services measured (default: each in a JVM of its own, as a deployment runs them).")
    boolean inOneJvm;

    @Option(names = "--batch-size", description = "batch: write requests per POST /v1/batch, 1 to 1,000; --rate is"
            + " requests (not batches) per second (default: ${DEFAULT-VALUE}).")
    int batchSize = D.batchSize();

    @Override
    public Integer call() {
        BenchOptions options = new BenchOptions(rounds, partitions, accounts, requests, events, eventAccounts, rows,
                reconcileAccounts, rate, durationS, warmupS, searchSteps, httpAccounts, memoryAccounts, memoryEvents,
                commitIntervalMs == null ? OptionalInt.empty() : OptionalInt.of(commitIntervalMs),
                commitGapMs == null ? OptionalInt.empty() : OptionalInt.of(commitGapMs), !inOneJvm, batchSize);
        List<Row> results;
        try {
            results = BenchRunner.run(workloads, options, Optional.ofNullable(bootstrapServers),
                    Optional.ofNullable(jdbcUrl), Optional.ofNullable(json), System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("tally bench: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            System.err.println("tally bench: cannot start: " + e);
            return 2;
        }
        return results.stream().anyMatch(r -> r.notes().startsWith("FAILED")) ? 1 : 0;
    }
}
