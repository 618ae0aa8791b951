package io.tally.reconciler.job;

import io.tally.avro.AccountBalance;
import io.tally.core.reconciliation.BalanceView;
import io.tally.core.reconciliation.InFlightGrace;
import io.tally.platform.kafka.GroupProgress;
import io.tally.projector.jdbc.AccountBalanceTable;
import io.tally.projector.jdbc.CachedBalance;
import io.tally.projector.kafka.ProjectorApp;
import io.tally.reconciler.AccountFilter;
import io.tally.reconciler.CloseableIterator;
import io.tally.reconciler.ConservationCheck;
import io.tally.reconciler.Fixer;
import io.tally.reconciler.Reconciler;
import io.tally.reconciler.ReconciliationListener;
import io.tally.reconciler.ReconciliationMetrics;
import io.tally.reconciler.RunMode;
import io.tally.reconciler.TierPolicy;
import io.tally.reconciler.http.DriftWebhook;
import io.tally.reconciler.jdbc.CacheCorrectionWriter;
import io.tally.reconciler.jdbc.DiscrepancyRow;
import io.tally.reconciler.jdbc.RecordedRuns;
import io.tally.reconciler.jdbc.RunTable;
import io.tally.reconciler.kafka.CorrectionConsumer;
import io.tally.reconciler.kafka.LedgerMovements;
import io.tally.reconciler.kafka.ProjectionSource;
import io.tally.schemas.LedgerTopics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./tally reconcile} as a job (DESIGN.md, Stored caches and reconciliation; Runs, fixes, audit):
 * waits until the projection and the cache have caught up, compares the projection with one
 * {@link ReconciliationSource}, records the run, fixes what a fixing run may (and applies
 * {@code account_balances}' corrections before it reports), counts it in the metrics, alerts the
 * webhook, checks conservation when asked, and, continuously, compares each {@code account_balances} row
 * as it changes. The command line only configures it and prints its {@link RunReport}s.
 *
 * <p>Not thread-safe: one thread runs it.
 */
public final class ReconciliationJob {
    /** The source name of the runs of {@link #watch}. */
    public static final String CONTINUOUS_SOURCE = "account_balances (continuous)";

    private static final Logger log = LoggerFactory.getLogger(ReconciliationJob.class);

    /**
     * What the job reads and writes.
     *
     * @param kafka client properties, passed through
     * @param topics the topics
     * @param database PostgreSQL with {@code account_balances} and the reconciler's tables (migrated)
     * @param projector the projection to compare with (the one readers use now: asked at each run)
     * @param projectorApplicationId its Streams application id, whose committed offsets are waited for
     * @param localCache whether the cache sink this process runs has caught up; empty when the sink
     *     runs elsewhere (then its consumer group is waited for, {@link Settings#sinkGroup})
     */
    public record Stack(Map<String, Object> kafka, LedgerTopics topics, DataSource database,
            Supplier<ProjectorApp> projector, Supplier<String> projectorApplicationId, Optional<BooleanSupplier> localCache) {
        public Stack {
            kafka = Map.copyOf(kafka);
            Objects.requireNonNull(topics, "topics");
            Objects.requireNonNull(database, "database");
            Objects.requireNonNull(projector, "projector");
            Objects.requireNonNull(projectorApplicationId, "projectorApplicationId");
            Objects.requireNonNull(localCache, "localCache");
        }
    }

    /**
     * How the job runs.
     *
     * @param source what to compare with
     * @param account reconcile this account only; empty for all
     * @param mode dry run or fix
     * @param grace how long a side may stay behind before it is drift
     * @param scales minor-unit digits of currencies {@code account_balances} does not name
     * @param conservation also check conservation after each run
     * @param top how many of the largest discrepancies a report lists
     * @param timeout bound on catching up and on draining corrections and events
     * @param fetchTimeout bound on fetching a statement over HTTP
     * @param sinkGroup the cache sink's consumer group, waited for when the sink runs elsewhere
     */
    public record Settings(ReconciliationSource source, Optional<String> account, RunMode mode, Duration grace,
            Map<String, Integer> scales, boolean conservation, int top, Duration timeout, Duration fetchTimeout,
            String sinkGroup) {
        public Settings {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(account, "account");
            Objects.requireNonNull(mode, "mode");
            scales = Map.copyOf(scales);
        }
    }

    private final Stack stack;
    private final Settings settings;
    private final ReconciliationMetrics metrics;
    private final Optional<DriftWebhook> alert;
    private final Clock clock;
    private final Jdbi jdbi;

    /**
     * @param metrics counts each run
     * @param alert told of each run (it alerts above the warn level)
     * @param clock stamps the runs and measures the grace
     */
    public ReconciliationJob(Stack stack, Settings settings, ReconciliationMetrics metrics, Optional<DriftWebhook> alert,
            Clock clock) {
        this.stack = Objects.requireNonNull(stack, "stack");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.alert = Objects.requireNonNull(alert, "alert");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.jdbi = Jdbi.create(stack.database()).installPlugin(new SqlObjectPlugin());
    }

    /**
     * Waits until the projector has consumed every committed event and the cache sink every balance, so
     * a run on a resting ledger compares like with like. Beside running services the cache sink is
     * theirs: its group's committed offsets on {@code ledger.balances} are waited for (not at all if it
     * has none).
     *
     * @return {@code false} if {@link Settings#timeout} passed first (logged; what is still moving shows
     *     as in flight)
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitCaughtUp() throws InterruptedException {
        long deadlineNs = System.nanoTime() + settings.timeout().toNanos();
        try (Admin admin = Admin.create(stack.kafka())) {
            Map<TopicPartition, Long> events = GroupProgress.endOffsets(admin, stack.topics().events().name());
            boolean waitForSinkGroup = stack.localCache().isEmpty() && GroupProgress.hasOffsets(admin, settings.sinkGroup());
            if (stack.localCache().isEmpty() && !waitForSinkGroup) {
                log.info("cache sink group {} has no offsets: not waiting for the cache", settings.sinkGroup());
            }
            Map<TopicPartition, Long> balances = waitForSinkGroup
                    ? GroupProgress.endOffsets(admin, stack.topics().balances().name()) : Map.of();
            GroupProgress.await(admin, stack.projectorApplicationId().get(), events, settings.timeout(), progress -> { });
            if (waitForSinkGroup) {
                Duration left = Duration.ofNanos(Math.max(0, deadlineNs - System.nanoTime()));
                GroupProgress.await(admin, settings.sinkGroup(), balances, left, progress -> { });
            }
            awaitLocalCache(deadlineNs);
            return true;
        } catch (TimeoutException e) {
            log.warn("the projection or the cache is still catching up after {} ({}); reconciling anyway",
                    settings.timeout(), e.getMessage());
            return false;
        }
    }

    private void awaitLocalCache(long deadlineNs) throws InterruptedException, TimeoutException {
        if (stack.localCache().isEmpty()) {
            return;
        }
        while (!stack.localCache().get().getAsBoolean()) {
            if (System.nanoTime() - deadlineNs > 0) {
                throw new TimeoutException("the cache sink is still catching up after "
                        + settings.timeout());
            }
            Thread.sleep(GroupProgress.POLL.toMillis());
        }
    }

    /**
     * One run: compares the projection with the source (only {@link Settings#account} if given), records
     * it, fixes, applies, counts, alerts and checks conservation.
     *
     * @return the report; a run that broke off is recorded as FAILED and reported with its failure
     * @throws Exception if the source cannot be opened, or conservation cannot be read
     */
    public RunReport runOnce() throws Exception {
        Map<String, Integer> scales = scales();
        Predicate<String> wanted = settings.account().isEmpty() ? id -> true : settings.account().get()::equals;
        try (ProjectionSource projection = ProjectionSource.merging(stack.projector().get().balancesByPartition());
                CloseableIterator<BalanceView> actual = settings.source().open(jdbi, scales, settings.fetchTimeout())) {
            return compare(AccountFilter.of(projection, wanted), AccountFilter.of(actual, wanted),
                    settings.source().name(), scales);
        }
    }

    /**
     * The continuous mode: every {@code pause}, the rows of {@code account_balances} whose
     * {@code synced_at} moved since the last look (the sink's writes and the writer's fixes), compared
     * with the projection's balance of the same accounts (point lookups), recorded as a run (source
     * {@value #CONTINUOUS_SOURCE}) when there were any. Edits that do not touch {@code synced_at} are
     * for the full runs to find. Runs until the thread is interrupted.
     *
     * @param reports told of each run's report
     * @return the exit code of the last run (0 if none)
     * @throws InterruptedException when interrupted, the way it ends
     * @throws Exception if conservation cannot be read
     */
    public int watch(Duration pause, Consumer<RunReport> reports) throws Exception {
        AccountBalanceTable table = jdbi.onDemand(AccountBalanceTable.class);
        Instant since = table.syncClock();
        int code = 0;
        while (!Thread.currentThread().isInterrupted()) {
            Thread.sleep(pause.toMillis());
            Instant now = table.syncClock();
            List<BalanceView> changed = table.syncedBetween(since, now).stream().map(ReconciliationJob::view).toList();
            since = now;
            if (changed.isEmpty()) {
                continue;
            }
            RunReport report = compare(projected(changed).iterator(), CloseableIterator.of(changed), CONTINUOUS_SOURCE,
                    scales());
            reports.accept(report);
            code = report.exitCode();
        }
        return code;
    }

    /** The projection's balances of the accounts of {@code rows}, in their order; accounts it lacks left out. */
    private List<BalanceView> projected(List<BalanceView> rows) {
        var store = stack.projector().get().balances();
        List<BalanceView> projected = new ArrayList<>();
        for (BalanceView row : rows) {
            AccountBalance balance = store.get(row.accountId());
            if (balance != null) {
                projected.add(ProjectionSource.view(balance));
            }
        }
        return projected;
    }

    /** A row as the cache source reads it: no acceptance time. */
    private static BalanceView view(CachedBalance row) {
        return new BalanceView(row.accountId(), row.currency(), row.availableMinor(), row.lockedMinor(), row.version());
    }

    /** The configured scales, and those of every currency in {@code account_balances}. */
    private Map<String, Integer> scales() {
        Map<String, Integer> scaleByCurrency = new HashMap<>(settings.scales());
        jdbi.withExtension(AccountBalanceTable.class, AccountBalanceTable::currencyScales)
                .forEach(c -> scaleByCurrency.putIfAbsent(c.currency(), c.scale()));
        return scaleByCurrency;
    }

    /** Runs, records, fixes, applies, counts and alerts one comparison. */
    private RunReport compare(Iterator<BalanceView> projection, Iterator<BalanceView> actual, String sourceName,
            Map<String, Integer> scales) throws Exception {
        Reconciler reconciler = new Reconciler(TierPolicy.byScale(scales), clock)
                .withGrace(new InFlightGrace(settings.grace().toMillis()));
        String runId = newRunId();
        RecordedRuns.Outcome outcome;
        try (Fixer fixer = settings.mode() == RunMode.FIX ? settings.source().fixer(stack.kafka(), stack.topics()) : null) {
            outcome = new RecordedRuns(jdbi, reconciler, clock).run(runId, sourceName, settings.source().measure(),
                    settings.mode(), projection, actual, fixer, ReconciliationListener.NONE);
        } catch (RuntimeException e) {
            metrics.recordFailure(sourceName, clock.millis());
            log.error("run {} failed", runId, e);
            return RunReport.failed(runId, sourceName, e);
        }
        Map<CacheCorrectionWriter.Outcome, Long> applied = outcome.fixed() > 0 && settings.mode() == RunMode.FIX
                && settings.source().correctedByTally() ? applyCorrections() : Map.of();
        metrics.recordRun(sourceName, outcome, clock.millis());
        alert.ifPresent(webhook -> webhook.notify(sourceName, outcome));
        List<DiscrepancyRow> largest = jdbi.withExtension(RunTable.class, t -> t.largestFirst(runId, settings.top()));
        Optional<RunReport.Conservation> conservation = settings.conservation() ? Optional.of(conservation())
                : Optional.empty();
        return new RunReport(runId, sourceName, Optional.of(outcome), Optional.empty(), applied, largest, scales,
                conservation);
    }

    /** Drains {@code ledger.corrections} into {@code account_balances}, so a fixing run reports what was applied. */
    private Map<CacheCorrectionWriter.Outcome, Long> applyCorrections() throws Exception {
        try (CorrectionConsumer consumer = new CorrectionConsumer(stack.kafka(), CorrectionConsumer.DEFAULT_GROUP_ID,
                stack.topics(), new CacheCorrectionWriter(jdbi))) {
            return consumer.drainOnce(settings.timeout());
        }
    }

    /** Credits minus charges plus corrections in {@code ledger.events}, per currency, against the projection's balances. */
    private RunReport.Conservation conservation() throws Exception {
        ConservationCheck check = new ConservationCheck();
        long events = LedgerMovements.read(stack.kafka(), stack.topics(), check, settings.timeout());
        try (ProjectionSource projection = ProjectionSource.merging(stack.projector().get().balancesByPartition())) {
            projection.forEachRemaining(b -> check.balance(b.currencyCode(), b.totalMinor()));
        }
        return new RunReport.Conservation(events, check);
    }

    /** {@code run-<UTC time without : and .>-<8 hex digits>}: unique, and sorted by start among a day's runs. */
    private String newRunId() {
        return "run-" + clock.instant().toString().replace(":", "").replace(".", "") + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }
}
