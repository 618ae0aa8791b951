package io.tally.cli.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.avro.ResultStatus;
import io.tally.cli.DataDirectory;
import io.tally.cli.LocalStack;
import io.tally.cli.StackOptions;
import io.tally.cli.berka.BankHistory;
import io.tally.cli.berka.BankTransaction;
import io.tally.cli.berka.BerkaData;
import io.tally.cli.berka.BerkaFiles;
import io.tally.cli.berka.BerkaGenerator;
import io.tally.cli.berka.LineError;
import io.tally.core.Currency;
import io.tally.core.MinorUnits;
import io.tally.core.reconciliation.AccountComparison;
import io.tally.core.reconciliation.Comparison;
import io.tally.core.reconciliation.DriftTier;
import io.tally.core.reconciliation.ReconciliationStatus;
import io.tally.ledger.http.PendingOutcomes;
import io.tally.ledger.kafka.RequestPublisher;
import io.tally.reconciler.Discrepancy;
import io.tally.reconciler.Reconciler;
import io.tally.reconciler.ReconciliationResult;
import io.tally.reconciler.StatementLine;
import io.tally.reconciler.StatementSource;
import io.tally.reconciler.TierPolicy;
import io.tally.reconciler.jdbc.PostgresCacheSource;
import io.tally.reconciler.kafka.ProjectionSource;
import io.tally.schemas.codec.RequestCodec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.Jdbi;
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
    private static final Currency CZK = new Currency("CZK", BerkaFiles.SCALE);


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

    private final PrintStream out = System.out;

    @Override
    public Integer call() {
        try {
            return run();
        } catch (Exception e) {
            log.error("demo failed", e);
            System.err.println("tally demo failed: " + e);
            return 2;
        }
    }

    private int run() throws Exception {
        Path dir = stackOptions.dataDir();
        if (fresh) {
            DataDirectory.delete(dir);
        }
        Files.createDirectories(dir);
        Path reportPath = report != null ? report : dir.resolve("demo-report.json");
        Phases phases = new Phases();

        // 1. The input.
        Input input = locateInput(dir);
        out.println("tally demo: " + input.label);
        out.println("  transactions: " + input.transactions);
        BerkaFiles.Transactions read = BerkaFiles.readTransactions(input.transactions);
        List<LineError> errors = new ArrayList<>(read.errors());
        if (input.accounts != null) {
            BerkaFiles.Accounts known = BerkaFiles.readAccounts(input.accounts);
            errors.addAll(known.errors());
            for (BankTransaction t : read.transactions()) {
                if (!known.openedOn().containsKey(t.accountId())) {
                    errors.add(new LineError(input.transactions.getFileName().toString(), t.lineNumber(),
                            "account " + t.accountId() + " is not in " + input.accounts.getFileName()));
                }
            }
        }
        BankHistory history = BankHistory.of(read.transactions());
        List<BankTransaction> toSend = history.ordered().stream().filter(t -> t.amountMinor() > 0).toList();
        long zeroAmountRows = history.ordered().size() - toSend.size();
        out.printf(Locale.ROOT, "  read %,d transactions of %,d accounts in %s; %,d malformed lines; %,d rows of 0.00 (nothing to move, not sent)%n",
                read.transactions().size(), history.accounts().size(), phases.end("read"), errors.size(), zeroAmountRows);
        errors.stream().limit(10).forEach(e -> out.println("    malformed: " + e));
        out.printf(Locale.ROOT, "  bank order: %,d of %,d rows chain exactly onto the previous running balance%n",
                history.chainedExactly(), history.ordered().size());

        // 2. The stack.
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (LocalStack stack = LocalStack.startInfrastructure(stackOptions.toStackOptions())) {
            stack.startServices(dir.resolve("streams"), stackOptions.replicationFactor(), metrics, timeout);
            out.println("  stack: " + stack.description() + "; data in " + dir + " (" + phases.end("start") + ")");

            // 3. Requests: every account opened, then every transaction in the bank's order.
            List<LedgerRequest> requests = requests(history, toSend);
            Map<String, LedgerResult> outcomes;
            long deadLettered;
            try (DeadLetterCounter dlq = new DeadLetterCounter(stack.kafka(), stack.topics());
                    PendingOutcomes pending = new PendingOutcomes(stack.kafka(), stack.topics(),
                            requests.size());
                    RequestPublisher publisher = new RequestPublisher(stack.kafka(), stack.topics())) {
                Map<String, CompletableFuture<LedgerResult>> futures = new HashMap<>();
                requests.forEach(r -> futures.put(r.getRequestId(), pending.register(r.getRequestId())));
                publish(publisher, requests);
                phases.end("publish");
                LongSupplier received = () -> futures.values().stream().filter(CompletableFuture::isDone).count();
                if (!Progress.await("Deciding  ", requests.size(), "req", received, timeout)) {
                    throw new TimeoutException("only " + received.getAsLong() + " of " + requests.size()
                            + " outcomes arrived within " + timeout);
                }
                phases.end("decide");
                outcomes = new HashMap<>();
                futures.forEach((id, f) -> outcomes.put(id, f.join()));
                deadLettered = dlq.count();
            }

            // 4. Wait for the projection and the cache.
            Map<String, Long> expectedVersion = expectedVersions(outcomes.values());
            if (!Progress.await("Projecting", expectedVersion.size(), "acct",
                    () -> projectedUpTo(stack, expectedVersion), timeout)) {
                throw new TimeoutException("the projection did not reach the ledger's versions within " + timeout);
            }
            phases.end("project");
            Jdbi jdbi = Jdbi.create(stack.dataSource());
            if (!Progress.await("Caching   ", expectedVersion.size(), "acct",
                    () -> cachedUpTo(jdbi, expectedVersion), timeout)) {
                throw new TimeoutException("account_balances did not reach the ledger's versions within " + timeout);
            }
            phases.end("cache");

            // 5. Reconcile against the bank's statement and the cache.
            Reconciler reconciler = new Reconciler(TierPolicy.byScale(Map.of(CZK.code(), CZK.scale())), Clock.systemUTC());
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
                    PostgresCacheSource cache = PostgresCacheSource.accountBalances(jdbi)) {
                cacheRun = reconciler.run(PostgresCacheSource.ACCOUNT_BALANCES, Comparison.Measure.AVAILABLE_AND_LOCKED,
                        projection, cache, c -> byCache.put(c.accountId(), c));
            }
            phases.end("reconcile");

            DemoReport result = report(input, read, errors, zeroAmountRows, history, requests.size(), outcomes,
                    deadLettered, statementRun, cacheRun, byStatement, byCache, phases);
            print(result, stack.description());
            writeReport(reportPath, result);
            out.println("  report: " + reportPath);
            return result.summary().exitCode();
        }
    }

    private record Input(Path transactions, Path accounts, String label, boolean generated) {}

    private Input locateInput(Path dir) throws IOException {
        if (transactions != null) {
            return new Input(transactions, accounts, "replaying " + transactions.getFileName() + " (given)", false);
        }
        Path berka = BerkaData.defaultDirectory();
        Optional<Path> real = BerkaData.transactionsFile(berka);
        if (real.isPresent() && !generate) {
            Path accountFile = accounts != null ? accounts
                    : Files.isRegularFile(berka.resolve("account.asc")) ? berka.resolve("account.asc") : null;
            return new Input(real.get(), accountFile, "replaying the real Berka bank data (PKDD'99)", false);
        }
        if (!generate) {
            out.println(BerkaData.howToGetIt(berka));
        }
        Path file = dir.resolve("generated").resolve("trans.asc");
        int rows = BerkaGenerator.write(file, generatedAccounts, 1999);
        return new Input(file, null, String.format(Locale.ROOT,
                "replaying a GENERATED history (%,d accounts, %,d rows; not real bank data)", generatedAccounts, rows), true);
    }

    /** Openings, then transactions; request ids and idempotency keys are stable, so a re-run sends the same requests. */
    private static List<LedgerRequest> requests(BankHistory history, List<BankTransaction> toSend) {
        List<LedgerRequest> requests = new ArrayList<>(history.accounts().size() + toSend.size());
        for (BankHistory.AccountSummary a : history.accounts().values()) {
            String key = "open-" + a.accountId();
            requests.add(RequestCodec.openAccount(key, key, a.accountId(), CZK, a.overdraftLimitMinor(), 0));
        }
        for (BankTransaction t : toSend) {
            long atMs = t.date().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            String requestId = "berka-" + t.transId();
            requests.add(t.credit()
                    ? RequestCodec.credit(requestId, t.transId(), t.accountId(), CZK.code(), t.amountMinor(), atMs, t.transId())
                    : RequestCodec.charge(requestId, t.transId(), t.accountId(), CZK.code(), t.amountMinor(), atMs, t.transId()));
        }
        return requests;
    }

    private void publish(RequestPublisher publisher, List<LedgerRequest> requests) throws Exception {
        AtomicLong acked = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread sender = new Thread(() -> {
            for (LedgerRequest r : requests) {
                publisher.publish(r, (metadata, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                    acked.incrementAndGet();
                });
            }
            publisher.flush();
        }, "demo-publisher");
        sender.start();
        boolean done = Progress.await("Publishing", requests.size(), "req", acked::get, timeout);
        sender.join();
        if (failure.get() != null) {
            throw new IOException("publishing a request failed: " + failure.get().getMessage(), failure.get());
        }
        if (!done) {
            throw new TimeoutException("publishing did not finish within " + timeout);
        }
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

    private static long cachedUpTo(Jdbi jdbi, Map<String, Long> expected) {
        Map<String, Long> cached = jdbi.withHandle(h -> h.createQuery("SELECT account_id, version FROM account_balances")
                .reduceRows(new HashMap<String, Long>(), (m, row) -> {
                    m.put(row.getColumn("account_id", String.class), row.getColumn("version", Long.class));
                    return m;
                }));
        return expected.entrySet().stream()
                .filter(e -> cached.getOrDefault(e.getKey(), 0L) >= e.getValue()).count();
    }

    private static List<StatementLine> statementLines(BankHistory history) {
        List<StatementLine> lines = new ArrayList<>();
        for (BankHistory.AccountSummary a : history.accounts().values()) {
            lines.add(new StatementLine(a.accountId(), a.statementBalanceMinor(), CZK.code(),
                    a.statementDate().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli()));
        }
        return lines;
    }

    private DemoReport report(Input input, BerkaFiles.Transactions read, List<LineError> errors, long zeroAmountRows,
            BankHistory history, int sent, Map<String, LedgerResult> outcomes, long deadLettered,
            ReconciliationResult statementRun, ReconciliationResult cacheRun, Map<String, AccountComparison> byStatement,
            Map<String, AccountComparison> byCache, Phases phases) {
        long accepted = 0;
        long replayed = 0;
        long events = 0;
        Map<String, Long> rejected = new TreeMap<>();
        for (LedgerResult r : outcomes.values()) {
            if (r.getStatus() == ResultStatus.REJECTED) {
                rejected.merge(String.valueOf(r.getRejectionCode()), 1L, Long::sum);
            } else if (r.getReplayed()) {
                replayed++;
            } else {
                accepted++;
                events += r.getEventIds().size();
            }
        }
        List<DemoReport.Account> accounts = new ArrayList<>();
        long equalsSum = 0;
        for (AccountComparison c : byStatement.values()) {
            var expected = c.expected();
            var actual = c.actual();
            AccountComparison cache = byCache.get(c.accountId());
            accounts.add(new DemoReport.Account(c.accountId(), expected != null ? expected.currencyCode() : CZK.code(),
                    expected != null ? expected.availableMinor() : 0, expected != null ? expected.lockedMinor() : 0,
                    expected != null && expected.version() != null ? expected.version() : 0,
                    actual != null ? actual.totalMinor() : 0, c.differenceMinor(), c.status().name(), c.tier().name(),
                    cache == null ? "UNKNOWN" : cache.status().name()));
            BankHistory.AccountSummary bank = history.accounts().get(c.accountId());
            if (expected != null && bank != null && expected.totalMinor() == bank.sumMinor()) {
                equalsSum++;
            }
        }
        List<DemoReport.Account> largest = accounts.stream()
                .filter(a -> a.differenceMinor() != 0)
                .sorted((a, b) -> Long.compare(Math.abs(b.differenceMinor()), Math.abs(a.differenceMinor())))
                .limit(top).toList();

        List<String> anomalies = new ArrayList<>();
        if (!errors.isEmpty()) {
            anomalies.add(errors.size() + " malformed input lines (skipped, listed)");
        }
        if (!rejected.isEmpty()) {
            anomalies.add("rejected requests: " + rejected);
        }
        if (deadLettered > 0) {
            anomalies.add(deadLettered + " records dead-lettered");
        }
        if (equalsSum != history.accounts().size()) {
            anomalies.add((history.accounts().size() - equalsSum) + " accounts whose ledger balance is not the sum of their amounts");
        }
        long statementBeyondMinor = statementRun.count(DriftTier.WARN) + statementRun.count(DriftTier.CRITICAL);
        if (statementBeyondMinor > 0) {
            anomalies.add(statementBeyondMinor + " accounts drift from the statement beyond the warn level");
        }
        long statementOther = statementRun.checked() - statementRun.inSync() - statementRun.drift();
        if (statementOther > 0) {
            anomalies.add(statementOther + " accounts missing or not comparable against the statement");
        }
        if (cacheRun.inSync() != cacheRun.checked()) {
            anomalies.add((cacheRun.checked() - cacheRun.inSync()) + " accounts out of sync in account_balances");
        }
        long decideMs = phases.get("publish") + phases.get("decide");
        DemoReport.Summary summary = new DemoReport.Summary(
                input.label, input.transactions.toString(), read.transactions().size(), errors.size(),
                errors.stream().limit(20).map(LineError::toString).toList(), zeroAmountRows, history.accounts().size(),
                sent, accepted, replayed, rejected, deadLettered, events, equalsSum,
                reconciliation(statementRun), reconciliation(cacheRun), phases.all(),
                decideMs == 0 ? 0 : sent * 1000L / decideMs, decideMs == 0 ? 0 : events * 1000L / decideMs,
                anomalies, anomalies.isEmpty() ? 0 : 1);
        return new DemoReport(summary, largest, accounts);
    }

    private static DemoReport.Reconciliation reconciliation(ReconciliationResult r) {
        Map<String, Long> byStatus = new LinkedHashMap<>();
        for (ReconciliationStatus s : ReconciliationStatus.values()) {
            long n = r.count(s);
            if (n > 0) {
                byStatus.put(s.name(), n);
            }
        }
        if (r.errors() > 0) {
            byStatus.put("ERROR", r.errors());
        }
        Map<String, Long> byTier = new LinkedHashMap<>();
        for (DriftTier t : DriftTier.values()) {
            if (t.isDrift()) {
                byTier.put(t.name(), r.count(t));
            }
        }
        long largest = r.largestDiscrepancies().stream().mapToLong(Discrepancy::sizeMinor).max().orElse(0);
        return new DemoReport.Reconciliation(r.sourceName(), r.checked(), byStatus, byTier, largest);
    }

    private void print(DemoReport report, String stack) {
        DemoReport.Summary s = report.summary();
        out.println();
        out.println("== tally demo summary" + (s.dataSet().contains("GENERATED") ? " (GENERATED data, not the real bank)" : "") + " ==");
        out.printf(Locale.ROOT, "requests sent        %,d (%,d openings + %,d transactions)%n", s.requestsSent(), s.accounts(),
                s.requestsSent() - s.accounts());
        out.printf(Locale.ROOT, "accepted             %,d new, %,d already decided (idempotency keys seen before)%n",
                s.accepted(), s.replayed());
        out.printf(Locale.ROOT, "rejected             %s%n", s.rejectedByCode().isEmpty() ? "none" : s.rejectedByCode());
        out.printf(Locale.ROOT, "dead-lettered        %,d%n", s.deadLettered());
        out.printf(Locale.ROOT, "events appended      %,d%n", s.eventsAppended());
        out.printf(Locale.ROOT, "accounts             %,d; ledger balance = exact sum of the file's amounts for %,d%n",
                s.accounts(), s.ledgerEqualsSumOfAmounts());
        printReconciliation("vs bank statement   ", s.statement());
        printReconciliation("vs account_balances ", s.cache());
        out.printf(Locale.ROOT, "throughput           %,d requests/s, %,d events/s (publish + decide)%n",
                s.requestsPerSecond(), s.eventsPerSecond());
        StringBuilder times = new StringBuilder();
        s.phasesMs().forEach((k, v) -> times.append(String.format(Locale.ROOT, "%s %.1f s, ", k, v / 1000.0)));
        out.println("time per phase       " + times.substring(0, Math.max(0, times.length() - 2)));
        if (!report.largestDiscrepancies().isEmpty()) {
            out.println();
            out.println("largest differences to the bank's statement (statement minus ledger, CZK):");
            out.printf(Locale.ROOT, "  %-10s %15s %15s %10s  %s%n", "account", "ledger", "statement", "difference", "tier");
            for (DemoReport.Account a : report.largestDiscrepancies()) {
                out.printf(Locale.ROOT, "  %-10s %15s %15s %10s  %s%n", a.accountId(),
                        MinorUnits.format(a.availableMinor() + a.lockedMinor(), CZK.scale()),
                        MinorUnits.format(a.statementBalanceMinor(), CZK.scale()),
                        MinorUnits.format(a.differenceMinor(), CZK.scale()), a.tier());
            }
        }
        out.println();
        out.println(s.anomalies().isEmpty()
                ? "result: as expected (exit 0)" + (s.statement().byStatus().containsKey("DRIFT")
                        ? ": the statement differences are the bank's own rounding, within the warn level" : "")
                : "result: UNEXPECTED (exit 1): " + String.join("; ", s.anomalies()));
    }

    private void printReconciliation(String label, DemoReport.Reconciliation r) {
        out.printf(Locale.ROOT, "%s %,d checked: %s; drift by tier %s; largest %s CZK%n", label, r.checked(), r.byStatus(),
                r.driftByTier(), MinorUnits.format(r.largestDifferenceMinor(), CZK.scale()));
    }

    private static void writeReport(Path path, DemoReport report) throws IOException {
        if (path.toAbsolutePath().getParent() != null) {
            Files.createDirectories(path.toAbsolutePath().getParent());
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(path.toFile(), report);
    }
}
