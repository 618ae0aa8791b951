package io.tally.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.avro.ResultStatus;
import io.tally.client.LedgerRequestProducer;
import io.tally.core.reconciliation.AccountComparison;
import io.tally.core.reconciliation.Comparison;
import io.tally.demo.berka.BankHistory;
import io.tally.platform.kafka.GroupProgress;
import io.tally.projector.jdbc.AccountBalanceTable;
import io.tally.reconciler.Reconciler;
import io.tally.reconciler.ReconciliationResult;
import io.tally.reconciler.StatementLine;
import io.tally.reconciler.StatementSource;
import io.tally.reconciler.TierPolicy;
import io.tally.reconciler.jdbc.PostgresCacheSource;
import io.tally.reconciler.kafka.ProjectionSource;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/**
 * {@code ./tally demo}, the main job on real data (DESIGN.md, The main job): replays a real bank's
 * transactions (the Berka data set) through the ledger on the local stack, waits for the projection and
 * the PostgreSQL cache, reconciles the projection against the bank's own statement balances and against
 * the cache, prints a summary and writes a JSON report. Progress and the summary go to {@code out}.
 *
 * <p>Not thread-safe: one run at a time.
 */
public final class DemoRun {
    /**
     * How to run.
     *
     * @param stack where the stack runs (its data directory holds a generated history too)
     * @param fresh delete the data directory first and start over
     * @param transactions the Berka {@code trans.asc} to replay; empty: the real data beside the project
     * @param accounts the Berka {@code account.asc} to check the transactions against, if any
     * @param generate replay a generated history even if the real data is there
     * @param generatedAccounts accounts of a generated history
     * @param report where the JSON report goes
     * @param timeout how long each phase may take
     * @param top how many of the largest differences to the statement to print and report
     */
    public record Settings(LocalStack.Options stack, boolean fresh, Optional<Path> transactions, Optional<Path> accounts,
            boolean generate, int generatedAccounts, Path report, Duration timeout, int top) {
        public Settings {
            Objects.requireNonNull(stack, "stack");
            Objects.requireNonNull(report, "report");
            Objects.requireNonNull(timeout, "timeout");
        }
    }

    /**
     * ledger-service's settings for the demo, unless the Kafka properties set them: a bulk load that no
     * caller waits on one by one commits every 100 ms, the exactly-once default, rather than the service's
     * 20 ms for HTTP writes (LedgerServiceApp.DEFAULT_COMMIT_INTERVAL_MS): fewer transactions, each
     * with more records, for the same exactly-once guarantee.
     */
    static final Map<String, Object> BULK_LOAD = Map.of(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);

    private final Settings settings;
    private final PrintStream out;

    /** @param out where progress and the summary go */
    public DemoRun(Settings settings, PrintStream out) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.out = Objects.requireNonNull(out, "out");
    }

    /**
     * Runs the demo: input, stack, requests, projection, cache, reconciliation, summary, report.
     *
     * @return the report (also written to {@link Settings#report}); its exit code is 0 as expected, 1 when
     *     something unexpected was found
     * @throws Exception if the run failed (an input that cannot be read, a stack that does not start, a
     *     phase that does not finish within the timeout)
     */
    public DemoReport run() throws Exception {
        Path dir = settings.stack().dataDir();
        if (settings.fresh()) {
            DataDirectory.delete(dir);
        }
        Files.createDirectories(dir);
        Phases phases = new Phases();
        DemoInput input = DemoInput.locate(settings.transactions(), settings.accounts(), settings.generate(),
                settings.generatedAccounts(), dir, out);
        DemoInput.Read read = input.read(out, phases);
        try (LocalStack stack = LocalStack.startInfrastructure(settings.stack())) {
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();
            stack.ledgerDefaults(BULK_LOAD);
            stack.startLedger(dir.resolve("streams"), settings.stack().replicationFactor(), metrics, settings.timeout());
            out.println("  stack: " + stack.description() + "; data in " + dir + " (" + phases.end("start") + ")");
            DemoReports.Decided decided = decide(stack, DemoRequests.of(read.history(), read.toSend()), phases);
            stack.startProjection(dir.resolve("streams"), settings.stack().replicationFactor(), metrics,
                    settings.timeout());
            phases.end("start projection");
            awaitProjectionAndCache(stack, expectedVersions(decided.outcomes().values()), phases);
            DemoReports.Reconciled reconciled = reconcile(stack, read.history());
            phases.end("reconcile");
            DemoReport report = DemoReports.of(input, read, decided, reconciled, phases, settings.top());
            new DemoSummary(out).print(report);
            write(settings.report(), report);
            out.println("  report: " + settings.report());
            return report;
        }
    }

    /**
     * Publishes every request, waits until ledger-service has committed every one (its decisions, events
     * and outcomes are then committed too: one transaction), then reads the outcomes; ends the phases
     * {@code publish}, {@code decide} and {@code outcomes}. The projector and the cache sink start only
     * afterwards, so that the decide phase measures the decide task, not the whole stack sharing the
     * machine (DESIGN.md, The main job).
     */
    private DemoReports.Decided decide(LocalStack stack, List<LedgerRequest> requests, Phases phases) throws Exception {
        String topic = stack.topics().requests().name();
        try (DeadLetterCounter dlq = new DeadLetterCounter(stack.kafka(), stack.topics());
                DemoOutcomes results = new DemoOutcomes(stack.kafka(), stack.topics());
                LedgerRequestProducer producer = new LedgerRequestProducer(stack.kafka(), stack.topics());
                Admin admin = Admin.create(stack.kafka())) {
            long before = GroupProgress.endOffsets(admin, topic).values().stream().mapToLong(Long::longValue).sum();
            long cpuBeforeNs = processCpuNs();
            DemoRequests.publish(producer, requests, settings.timeout());
            phases.end("publish");
            Map<TopicPartition, Long> end = GroupProgress.endOffsets(admin, topic);
            LongSupplier decided = () -> {
                GroupProgress p = GroupProgress.of(admin, stack.ledgerApplicationId(), end);
                return p.caughtUp() ? requests.size() : Math.max(0, p.committedOffsets() - before);
            };
            if (!Progress.await("Deciding  ", requests.size(), "req", decided, settings.timeout())) {
                throw new TimeoutException("ledger-service decided only " + decided.getAsLong() + " of "
                        + requests.size() + " requests within " + settings.timeout());
            }
            phases.end("decide");
            // CPU time rather than wall time: on a shared machine it says what deciding cost this process
            // (the embedded broker included), whatever else ran beside it.
            out.printf(Locale.ROOT, "  publish + decide: %.0f ms of this process's CPU per 1,000 requests%n",
                    (processCpuNs() - cpuBeforeNs) / 1e6 / (requests.size() / 1000.0));
            Set<String> ids = new HashSet<>();
            requests.forEach(r -> ids.add(r.getRequestId()));
            Map<String, LedgerResult> outcomes = results.read(ids, settings.timeout());
            if (outcomes.size() < requests.size()) {
                throw new IllegalStateException("only " + outcomes.size() + " of " + requests.size()
                        + " outcomes are on " + stack.topics().results().name());
            }
            phases.end("outcomes");
            return new DemoReports.Decided(requests.size(), outcomes, dlq.count());
        }
    }

    private static long processCpuNs() {
        return ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime();
    }

    /** The version each account must reach: the highest version in its accepted (or replayed) outcomes. */
    private static Map<String, Long> expectedVersions(Iterable<LedgerResult> outcomes) {
        Map<String, Long> expected = new HashMap<>();
        for (LedgerResult r : outcomes) {
            if (r.getStatus() == ResultStatus.ACCEPTED && r.getVersion() != null) {
                expected.merge(r.getAccountId(), r.getVersion(), Math::max);
            }
        }
        return expected;
    }

    /** Waits until the projection, then {@code account_balances}, reach {@code expected}; ends {@code project} and {@code cache}. */
    private void awaitProjectionAndCache(LocalStack stack, Map<String, Long> expected, Phases phases) throws Exception {
        if (!Progress.await("Projecting", expected.size(), "acct", () -> projectedUpTo(stack, expected),
                settings.timeout())) {
            throw new TimeoutException("the projection did not reach the ledger's versions within " + settings.timeout());
        }
        phases.end("project");
        AccountBalanceTable cache = Jdbi.create(stack.dataSource()).installPlugin(new SqlObjectPlugin())
                .onDemand(AccountBalanceTable.class);
        if (!Progress.await("Caching   ", expected.size(), "acct", () -> upTo(cache.versionByAccount(), expected),
                settings.timeout())) {
            throw new TimeoutException("account_balances did not reach the ledger's versions within " + settings.timeout());
        }
        phases.end("cache");
    }

    private static long projectedUpTo(LocalStack stack, Map<String, Long> expected) {
        var store = stack.projector().balances();
        long done = 0;
        for (var e : expected.entrySet()) {
            var balance = store.get(e.getKey());
            if (balance != null && balance.getVersion() >= e.getValue()) {
                done++;
            }
        }
        return done;
    }

    private static long upTo(Map<String, Long> versions, Map<String, Long> expected) {
        return expected.entrySet().stream().filter(e -> versions.getOrDefault(e.getKey(), 0L) >= e.getValue()).count();
    }

    /** The projection against the bank's statement, then against {@code account_balances}. */
    private static DemoReports.Reconciled reconcile(LocalStack stack, BankHistory history) {
        Reconciler reconciler = new Reconciler(TierPolicy.byScale(Map.of(DemoRequests.CZK.code(),
                DemoRequests.CZK.scale())), Clock.systemUTC());
        Map<String, AccountComparison> byStatement = new TreeMap<>();
        Map<String, AccountComparison> byCache = new TreeMap<>();
        ReconciliationResult statementRun;
        try (ProjectionSource projection = ProjectionSource.merging(stack.projector().balancesByPartition());
                StatementSource statement = StatementSource.of(statementLines(history))) {
            statementRun = reconciler.run("bank statement", StatementSource.MEASURE, projection, statement,
                    c -> byStatement.put(c.accountId(), c));
        }
        ReconciliationResult cacheRun;
        try (ProjectionSource projection = ProjectionSource.merging(stack.projector().balancesByPartition());
                PostgresCacheSource cache = PostgresCacheSource.accountBalances(Jdbi.create(stack.dataSource()))) {
            cacheRun = reconciler.run(PostgresCacheSource.ACCOUNT_BALANCES, Comparison.Measure.AVAILABLE_AND_LOCKED,
                    projection, cache, c -> byCache.put(c.accountId(), c));
        }
        return new DemoReports.Reconciled(statementRun, cacheRun, byStatement, byCache);
    }

    /** Each account's running balance after its last transaction, as of that day. */
    private static List<StatementLine> statementLines(BankHistory history) {
        List<StatementLine> lines = new ArrayList<>();
        for (BankHistory.AccountSummary a : history.accounts().values()) {
            lines.add(new StatementLine(a.accountId(), a.statementBalanceMinor(), DemoRequests.CZK.code(),
                    a.statementDate().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli()));
        }
        return lines;
    }

    private static void write(Path path, DemoReport report) throws IOException {
        if (path.toAbsolutePath().getParent() != null) {
            Files.createDirectories(path.toAbsolutePath().getParent());
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(path.toFile(), report);
    }
}
