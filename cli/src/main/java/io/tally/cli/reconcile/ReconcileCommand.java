package io.tally.cli.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.cli.LocalStack;
import io.tally.cli.StackOptions;
import io.tally.core.MinorUnits;
import io.tally.core.reconciliation.AccountComparison;
import io.tally.core.reconciliation.BalanceView;
import io.tally.core.reconciliation.Comparison;
import io.tally.core.reconciliation.DriftTier;
import io.tally.core.reconciliation.InFlightGrace;
import io.tally.core.reconciliation.ReconciliationStatus;
import io.tally.platform.kafka.GroupProgress;
import io.tally.reconciler.AccountFilter;
import io.tally.reconciler.CloseableIterator;
import io.tally.reconciler.ConservationCheck;
import io.tally.reconciler.FixAction;
import io.tally.reconciler.Fixer;
import io.tally.reconciler.Reconciler;
import io.tally.reconciler.ReconciliationListener;
import io.tally.reconciler.ReconciliationMetrics;
import io.tally.reconciler.RunMode;
import io.tally.reconciler.StatementSource;
import io.tally.reconciler.TierPolicy;
import io.tally.reconciler.http.DriftWebhook;
import io.tally.reconciler.jdbc.CacheCorrectionWriter;
import io.tally.reconciler.jdbc.DiscrepancyRow;
import io.tally.reconciler.jdbc.PostgresCacheSource;
import io.tally.reconciler.jdbc.ReconcilerSchema;
import io.tally.reconciler.jdbc.RecordedRuns;
import io.tally.reconciler.jdbc.RunTable;
import io.tally.reconciler.kafka.CacheCorrectionEmitter;
import io.tally.reconciler.kafka.CorrectionConsumer;
import io.tally.reconciler.kafka.LedgerCorrectionRequester;
import io.tally.reconciler.kafka.LedgerMovements;
import io.tally.reconciler.kafka.ProjectionSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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

    @Option(names = "--metrics-file", paramLabel = "FILE",
            description = "Write the Prometheus metrics of the runs here after each run (for a textfile collector).")
    Path metricsFile;







    @Option(names = "--sink-group", paramLabel = "GROUP", defaultValue = LocalStack.SERVICE_SINK_GROUP,
            description = {"With --bootstrap-servers: the running cache sink's consumer group, waited for before a run "
                    + "(default: ${DEFAULT-VALUE}, the group of './tally serve projector')."})
    String sinkGroup;

    @Mixin
    StackOptions stackOptions = new StackOptions();

    /**
     * The application id of the projection {@code reconcile} builds for itself when it runs against a
     * cluster where tally's services run ({@code --bootstrap-servers}): its own consumer group, so it
     * never takes partitions from the services.
     */
    public static final String PROJECTION_APPLICATION_ID = "tally-reconciler-projection";

    @Option(names = "--timeout", defaultValue = "PT5M", description = "How long to wait for the stack to catch up (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    private final PrintStream out = System.out;

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
        validate();
        Path dir = stackOptions.dataDir();
        Files.createDirectories(dir);
        int replicas = stackOptions.replicationFactor();
        LocalStack.Options options = stackOptions.toStackOptions();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ReconciliationMetrics metrics = new ReconciliationMetrics(registry);
        DriftWebhook alert = webhook == null ? null : new DriftWebhook(webhook, webhookTimeout, registry);
        try (LocalStack stack = LocalStack.startInfrastructure(options)) {
            ReconcilerSchema.migrate(stack.dataSource());
            if (stack.externalKafka()) {
                // tally's services run on that cluster: read beside them with a projection of our own.
                stack.startProjectionOnly(PROJECTION_APPLICATION_ID, dir.resolve("streams"), replicas, registry, timeout);
            } else {
                stack.startServices(dir.resolve("streams"), replicas, registry, timeout);
            }
            awaitCaughtUp(stack);
            int code;
            while (true) {
                code = once(stack, metrics, alert);
                writeMetrics(registry);
                if (continuous) {
                    return watch(stack, metrics, alert, registry);
                }
                if (every == null) {
                    return code;
                }
                log.info("next run in {}", every);
                Thread.sleep(every.toMillis());
                awaitCaughtUp(stack);
            }
        }
    }

    private void validate() {
        boolean statementSource = source.equals("statement");
        if (statementSource && statement == null) {
            throw new IllegalArgumentException("--source statement needs --statement FILE");
        }
        if (statement != null && !statementSource) {
            source = "statement";
        }
        if (authoritative && statement == null) {
            throw new IllegalArgumentException("--authoritative applies to a --statement");
        }
        if (source.startsWith("sql:") && sourcesFile == null) {
            throw new IllegalArgumentException("--source " + source + " needs --sources FILE with " + source.substring(4) + ".sql=...");
        }
        if (!statementSource && statement == null && !source.startsWith("sql:")
                && !source.equals(PostgresCacheSource.ACCOUNT_BALANCES)) {
            throw new IllegalArgumentException("unknown source " + source + ": account_balances, sql:NAME or statement");
        }
        if (continuous && (statement != null || !source.equals(PostgresCacheSource.ACCOUNT_BALANCES))) {
            throw new IllegalArgumentException("--continuous watches account_balances only");
        }
        if (every != null && (every.isNegative() || every.isZero())) {
            throw new IllegalArgumentException("--every must be positive");
        }
    }

    /** One run: compare, record, fix, report; returns its exit code (a failed run is 2 and is recorded). */
    private int once(LocalStack stack, ReconciliationMetrics metrics, DriftWebhook alert) throws Exception {
        Jdbi jdbi = Jdbi.create(stack.dataSource()).installPlugin(new SqlObjectPlugin());
        Predicate<String> wanted = scope.account == null ? id -> true : scope.account::equals;
        String sourceName = statement != null ? "statement:" + statementName() : source;
        try (ProjectionSource projection = ProjectionSource.merging(stack.projector().balancesByPartition());
                CloseableIterator<BalanceView> actual = open(jdbi, scales(jdbi))) {
            return report(stack, metrics, alert, jdbi, AccountFilter.of(projection, wanted), AccountFilter.of(actual, wanted),
                    sourceName);
        }
    }

    /** The statement's name in records: its file name, or its URL. */
    private String statementName() {
        return statement.contains("://") ? statement : Path.of(statement).getFileName().toString();
    }

    /** The configured scales, and those of every currency in account_balances. */
    private Map<String, Integer> scales(Jdbi jdbi) {
        Map<String, Integer> scaleByCurrency = new HashMap<>(scales);
        jdbi.useHandle(h -> h.createQuery("SELECT DISTINCT currency, scale FROM account_balances")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getInt(2)))
                .forEach(e -> scaleByCurrency.putIfAbsent(e.getKey(), e.getValue())));
        return scaleByCurrency;
    }

    /** Runs, records, fixes, applies, alerts and prints one comparison; returns its exit code. */
    private int report(LocalStack stack, ReconciliationMetrics metrics, DriftWebhook alert, Jdbi jdbi,
            Iterator<BalanceView> projection, Iterator<BalanceView> actual, String sourceName)
            throws Exception {
        Map<String, Integer> scaleByCurrency = scales(jdbi);
        Clock clock = Clock.systemUTC();
        Reconciler reconciler = new Reconciler(TierPolicy.byScale(scaleByCurrency), clock)
                .withGrace(new InFlightGrace(grace.toMillis()));
        RecordedRuns runs = new RecordedRuns(jdbi, reconciler, clock);
        RunMode runMode = mode.fix ? RunMode.FIX : RunMode.DRY_RUN;
        String runId = "run-" + Instant.now().toString().replace(":", "").replace(".", "") + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        Comparison.Measure measure = statement != null ? StatementSource.MEASURE : Comparison.Measure.AVAILABLE_AND_LOCKED;
        // Corrections name the cache they are for, which its applier picks them by.
        String correctedSource = statement != null ? sourceName : source;
        RecordedRuns.Outcome outcome;
        Map<CacheCorrectionWriter.Outcome, Long> applied = Map.of();
        try (Fixer fixer = fixer(stack, correctedSource)) {
            outcome = runs.run(runId, sourceName, measure, runMode, projection, actual, fixer, ReconciliationListener.NONE);
        } catch (RuntimeException e) {
            metrics.recordFailure(sourceName, clock.millis());
            log.error("run {} failed", runId, e);
            System.err.println("tally reconcile: run " + runId + " failed: " + e);
            return 2;
        }
        if (runMode == RunMode.FIX && outcome.fixed() > 0 && correctedSource.equals(PostgresCacheSource.ACCOUNT_BALANCES)) {
            try (CorrectionConsumer applier = new CorrectionConsumer(stack.kafka(), CorrectionConsumer.DEFAULT_GROUP_ID,
                    stack.topics(), new CacheCorrectionWriter(jdbi))) {
                applied = applier.drainOnce(timeout);
            }
        }
        metrics.recordRun(sourceName, outcome, clock.millis());
        if (alert != null) {
            alert.notify(sourceName, outcome);
        }
        List<DiscrepancyRow> largest = jdbi.withExtension(RunTable.class, t -> t.largestFirst(runId, top));
        if (format == Format.json) {
            printJson(sourceName, outcome, applied, largest);
        } else {
            printTable(sourceName, outcome, applied, largest, scaleByCurrency);
        }
        int code = outcome.exitCode();
        if (conservation && !conservationHolds(stack)) {
            code = Math.max(code, 1);
        }
        return code;
    }

    /** Prints the conservation check per currency; {@code false} if money appeared or vanished. */
    private boolean conservationHolds(LocalStack stack) throws Exception {
        ConservationCheck check = new ConservationCheck();
        long events = LedgerMovements.read(stack.kafka(), stack.topics(), check, timeout);
        // Beside a JSON document on stdout, the check's lines go to stderr so the document stays parseable.
        PrintStream out = format == Format.json ? System.err : this.out;
        try (ProjectionSource projection = ProjectionSource.merging(stack.projector().balancesByPartition())) {
            projection.forEachRemaining(b -> check.balance(b.currencyCode(), b.totalMinor()));
        }
        out.printf(Locale.ROOT, "conservation over %,d events: %s%n", events, check.holds() ? "holds" : "BROKEN");
        for (ConservationCheck.CurrencyTotals t : check.totals()) {
            out.printf(Locale.ROOT, "  %-6s %,d accounts: balances %,d = credits - charges + corrections %,d; "
                    + "difference %,d minor units%n", t.currency(), t.accounts(), t.balancesMinor(), t.movementsMinor(),
                    t.differenceMinor());
        }
        if (check.unknownEvents() > 0) {
            out.printf(Locale.ROOT, "  %,d events of a type this check does not know%n", check.unknownEvents());
        }
        return check.holds();
    }

    /**
     * The continuous mode: every {@code --every} (default 1 s), the rows of account_balances whose
     * {@code synced_at} moved since the last look (the sink's writes and the applier's fixes), compared
     * with the projection's balance of the same accounts (point lookups), recorded as a run when there
     * were any. Edits that do not touch {@code synced_at} are found by the full runs.
     */
    private int watch(LocalStack stack, ReconciliationMetrics metrics, DriftWebhook alert, PrometheusMeterRegistry registry)
            throws Exception {
        Jdbi jdbi = Jdbi.create(stack.dataSource()).installPlugin(new SqlObjectPlugin());
        Duration pause = every != null ? every : Duration.ofSeconds(1);
        Timestamp since = jdbi.withHandle(h -> h.createQuery("SELECT now()").mapTo(Timestamp.class).one());
        int code = 0;
        while (!Thread.currentThread().isInterrupted()) {
            Thread.sleep(pause.toMillis());
            Timestamp now = jdbi.withHandle(h -> h.createQuery("SELECT now()").mapTo(Timestamp.class).one());
            Timestamp from = since;
            List<BalanceView> changed = new ArrayList<>();
            try (PostgresCacheSource rows = PostgresCacheSource.query(jdbi,
                    PostgresCacheSource.ACCOUNT_BALANCES_SQL + " WHERE synced_at > :since AND synced_at <= :now",
                    Map.of("since", from, "now", now), PostgresCacheSource.DEFAULT_FETCH_SIZE)) {
                rows.forEachRemaining(changed::add);
            }
            since = now;
            if (changed.isEmpty()) {
                continue;
            }
            var store = stack.projector().balances();
            List<BalanceView> projected = new ArrayList<>();
            for (BalanceView row : changed) {
                var balance = store.get(row.accountId());
                if (balance != null) {
                    projected.add(ProjectionSource.view(balance));
                }
            }
            code = report(stack, metrics, alert, jdbi, projected.iterator(), CloseableIterator.of(changed), "account_balances (continuous)");
            writeMetrics(registry);
        }
        return code;
    }

    private CloseableIterator<BalanceView> open(Jdbi jdbi, Map<String, Integer> scaleByCurrency) throws IOException {
        if (statement != null) {
            if (statement.startsWith("http://") || statement.startsWith("https://")) {
                try {
                    return StatementSource.fetchJson(URI.create(statement), webhookTimeout, scaleByCurrency);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while fetching " + statement, e);
                }
            }
            Path file = Path.of(statement);
            return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")
                    ? StatementSource.readJson(Files.readString(file), file.toString(), scaleByCurrency)
                    : StatementSource.readCsv(file, scaleByCurrency);
        }
        if (source.startsWith("sql:")) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(sourcesFile)) {
                p.load(in);
            }
            String name = source.substring(4);
            String sql = p.getProperty(name + ".sql");
            if (sql == null) {
                throw new IllegalArgumentException(sourcesFile + " has no " + name + ".sql");
            }
            return PostgresCacheSource.query(jdbi, sql, Map.of(), PostgresCacheSource.DEFAULT_FETCH_SIZE);
        }
        return PostgresCacheSource.accountBalances(jdbi);
    }

    /**
     * The fixer of the source: account_balances and sql:NAME get corrections on ledger.corrections
     * (tally applies account_balances' itself; an application applies its own table's), an
     * authoritative statement gets CORRECT requests to the ledger, and a statement that is not
     * authoritative is never fixed (the bank is not ours to change, and the ledger is the truth).
     */
    private Fixer fixer(LocalStack stack, String sourceName) {
        if (!mode.fix) {
            return null;
        }
        if (statement != null) {
            return authoritative ? new LedgerCorrectionRequester(stack.kafka(), stack.topics(), sourceName) : NO_FIX;
        }
        return new CacheCorrectionEmitter(stack.kafka(), stack.topics(), sourceName);
    }

    private static final Fixer NO_FIX = new Fixer() {
        @Override
        public FixAction fix(String runId, AccountComparison comparison, long nowMs) {
            return FixAction.NONE;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private void printTable(String sourceName, RecordedRuns.Outcome o, Map<CacheCorrectionWriter.Outcome, Long> applied,
            List<DiscrepancyRow> largest, Map<String, Integer> scaleByCurrency) {
        var r = o.result();
        out.printf(Locale.ROOT, "run %s: %s against the projection, %s, %,d ms%n", o.runId(), sourceName,
                o.mode() == RunMode.FIX ? "fixing" : "dry run", r.durationMs());
        out.printf(Locale.ROOT, "  checked %,d: in sync %,d, drift %,d, in flight %,d, missing in source %,d, "
                        + "missing in projection %,d, currency mismatch %,d, quarantined %,d, errors %,d%n", r.checked(),
                r.inSync(), r.drift(), r.inFlight(), r.missingInCache(), r.missingInProjection(), r.currencyMismatch(),
                r.quarantined(), r.errors());
        StringBuilder tiers = new StringBuilder();
        for (DriftTier t : DriftTier.values()) {
            if (t.isDrift()) {
                tiers.append(String.format(Locale.ROOT, "%s %,d, ", t, r.count(t)));
            }
        }
        out.println("  drift by tier: " + tiers.substring(0, tiers.length() - 2));
        if (o.mode() == RunMode.FIX) {
            out.printf(Locale.ROOT, "  fixed %,d (corrections issued), left to an operator %,d (CRITICAL)%s%n", o.fixed(),
                    o.notAutoFixable(), applied.isEmpty() ? "" : "; applied to the cache: " + applied);
        }
        if (!largest.isEmpty()) {
            out.printf(Locale.ROOT, "  %-16s %-22s %-9s %16s %16s %14s  %s%n", "account", "status", "tier", "expected",
                    "actual", "difference", "fix");
            for (DiscrepancyRow d : largest) {
                int scale = d.currency() == null ? 0 : scaleByCurrency.getOrDefault(d.currency(), 0);
                out.printf(Locale.ROOT, "  %-16s %-22s %-9s %16s %16s %14s  %s%n", d.accountId(), d.status(), d.tier(),
                        amount(d.expectedAvailableMinor(), d.expectedLockedMinor(), scale),
                        amount(d.actualAvailableMinor(), d.actualLockedMinor(), scale),
                        d.differenceMinor() == null ? "-" : MinorUnits.format(d.differenceMinor(), scale),
                        d.message() != null ? d.message() : d.fix());
            }
        }
        out.println(o.exitCode() == 0 ? "result: in sync (exit 0)" : "result: DRIFT (exit 1)");
    }

    private static String amount(Long availableMinor, Long lockedMinor, int scale) {
        if (availableMinor == null) {
            return "-";
        }
        return MinorUnits.format(Math.addExact(availableMinor, lockedMinor == null ? 0 : lockedMinor), scale);
    }

    private void printJson(String sourceName, RecordedRuns.Outcome o, Map<CacheCorrectionWriter.Outcome, Long> applied,
            List<DiscrepancyRow> largest) throws IOException {
        var r = o.result();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("runId", o.runId());
        json.put("source", sourceName);
        json.put("mode", o.mode().name());
        json.put("status", o.status());
        json.put("exitCode", o.exitCode());
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("checked", r.checked());
        for (ReconciliationStatus s : ReconciliationStatus.values()) {
            counts.put(s.name(), r.count(s));
        }
        counts.put("ERROR", r.errors());
        json.put("counts", counts);
        Map<String, Long> byTier = new LinkedHashMap<>();
        for (DriftTier t : DriftTier.values()) {
            if (t.isDrift()) {
                byTier.put(t.name(), r.count(t));
            }
        }
        json.put("driftByTier", byTier);
        json.put("driftAmountMinorByTier", o.driftMinorByTier());
        json.put("fixed", o.fixed());
        json.put("notAutoFixable", o.notAutoFixable());
        json.put("appliedToCache", applied);
        json.put("durationMs", r.durationMs());
        json.put("largestDiscrepancies", largest);
        out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(json));
    }

    private void writeMetrics(PrometheusMeterRegistry registry) throws IOException {
        if (metricsFile != null) {
            Path tmp = metricsFile.resolveSibling(metricsFile.getFileName() + ".tmp");
            Files.writeString(tmp, registry.scrape());
            Files.move(tmp, metricsFile, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /**
     * Waits until the projector has consumed every committed event and the cache sink every balance,
     * so a run on a resting ledger compares like with like; past {@code --timeout} it warns and goes
     * on (what is still moving shows as in flight). Beside running services the cache sink is theirs: its
     * group's committed offsets on {@code ledger.balances} are waited for (not at all if it has none).
     */
    private void awaitCaughtUp(LocalStack stack) throws Exception {
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(stack.kafka())) {
            Map<TopicPartition, Long> events = GroupProgress.endOffsets(admin, stack.topics().events().name());
            boolean waitForSinkGroup = stack.sink() == null && GroupProgress.hasOffsets(admin, sinkGroup);
            if (stack.sink() == null && !waitForSinkGroup) {
                log.info("cache sink group {} has no offsets: not waiting for the cache", sinkGroup);
            }
            Map<TopicPartition, Long> balances = waitForSinkGroup
                    ? GroupProgress.endOffsets(admin, stack.topics().balances().name()) : Map.of();
            GroupProgress.await(admin, stack.projectorApplicationId(), events, timeout, progress -> { });
            Duration left = Duration.ofNanos(Math.max(0, deadlineNs - System.nanoTime()));
            if (waitForSinkGroup) {
                GroupProgress.await(admin, sinkGroup, balances, left, progress -> { });
            }
            while (stack.sink() != null && !stack.sink().isCaughtUp()) {
                if (System.nanoTime() - deadlineNs > 0) {
                    throw new TimeoutException("the cache sink is still catching up after " + timeout);
                }
                Thread.sleep(GroupProgress.POLL.toMillis());
            }
        } catch (TimeoutException e) {
            log.warn("the projection or the cache is still catching up after {} ({}); reconciling anyway", timeout,
                    e.getMessage());
            System.err.println("warning: the projection or the cache is still catching up; reconciling anyway");
        }
    }
}
