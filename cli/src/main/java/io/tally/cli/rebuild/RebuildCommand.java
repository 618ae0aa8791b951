package io.tally.cli.rebuild;

import io.tally.demo.LocalStack;
import io.tally.cli.StackOptions;
import io.tally.demo.Progress;
import io.tally.projector.rebuild.ProjectionRebuild;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import me.tongfei.progressbar.ProgressBar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tally rebuild}: brings the live projection up to the end of {@code ledger.events}, replays
 * the log from the beginning into a fresh projection under a new application id beside it (progress
 * bar with events/s and ETA), compares the two projections' balance and hold tables, and switches
 * readers (the {@code projector_live_application} row, which running projectors follow) only when they
 * agree; otherwise prints the differences and keeps the live one. {@code --refill-cache} then writes
 * the rebuilt balances into {@code account_balances}.
 *
 * <p>Exit code: 0 the projections agree (switched unless {@code --no-switch}), 1 they differ (nothing
 * switched), 2 the rebuild failed.
 */
@Command(name = "rebuild", mixinStandardHelpOptions = true,
        description = "Replay ledger.events into a fresh projection, compare it with the live one, switch when they agree.")
public final class RebuildCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RebuildCommand.class);

    @Mixin
    StackOptions stackOptions = new StackOptions();

    @Option(names = "--application-id", description = "The rebuilt projection's application id (default: tally-projector-<UTC time>).")
    String applicationId;

    @Option(names = "--no-switch", description = "Compare only; never switch readers.")
    boolean noSwitch;

    @Option(names = "--refill-cache", description = "After a rebuild that agrees, write its balances into account_balances.")
    boolean refillCache;

    @Option(names = "--timeout", defaultValue = "PT1H", description = "How long the replay may take (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    private final PrintStream out = System.out;

    @Override
    public Integer call() {
        String rebuiltId = applicationId != null ? applicationId : "tally-projector-"
                + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).format(ZonedDateTime.now(ZoneOffset.UTC));
        Path stateDir = stackOptions.dataDir().resolve("streams").resolve("projector");
        try (LocalStack stack = LocalStack.startInfrastructure(stackOptions.toStackOptions())) {
            String live = LocalStack.liveProjectorApplicationId(stack.dataSource());
            out.println("tally rebuild (" + stack.description() + "): live projection " + live + ", rebuilding as "
                    + rebuiltId);
            if (live.equals(rebuiltId)) {
                System.err.println("tally rebuild: " + rebuiltId + " is the live projection; give a new --application-id");
                return 2;
            }
            stack.catchUpProjection(live, stateDir, stackOptions.replicationFactor(), timeout);
            ProjectionRebuild rebuild = new ProjectionRebuild(stack.kafka(), stack.topics(), stateDir,
                    stackOptions.replicationFactor());
            AtomicReference<ProgressBar> bar = new AtomicReference<>();
            ProjectionRebuild.Result result;
            try {
                result = rebuild.run(stack.dataSource(), live, rebuiltId, !noSwitch, new ProjectionRebuild.Listener() {
                    @Override
                    public void started(long totalOffsets) {
                        bar.set(Progress.bar("Rebuilding", totalOffsets, "offset"));
                    }

                    @Override
                    public void progress(long committedOffsets, long events) {
                        bar.get().stepTo(committedOffsets);
                        bar.get().setExtraMessage(events + " events");
                    }
                }, timeout);
            } finally {
                if (bar.get() != null) {
                    bar.get().close();
                }
            }
            out.printf(Locale.ROOT, "replayed %,d events in %,d ms: %,.0f events/s; %,d balances, %,d holds%n",
                    result.events(), result.replayMs(), result.eventsPerSecond(), result.balances(), result.holds());
            if (result.differenceCount() > 0) {
                out.printf(Locale.ROOT, "the rebuilt projection differs from %s in %,d rows; %s stays live:%n", live,
                        result.differenceCount(), live);
                for (ProjectionRebuild.Difference d : result.differences()) {
                    out.println("  " + d.table() + " " + d.key() + ": live " + d.live() + " / rebuilt " + d.rebuilt());
                }
                return 1;
            }
            out.println(result.switched() ? "the projections agree: readers switched to " + rebuiltId
                    + " (running projectors follow within " + LocalStack.LIVE_SWITCH_CHECK.toSeconds() + " s)"
                    : "the projections agree; readers not switched" + (noSwitch ? " (--no-switch)" : " (the live id moved meanwhile)"));
            if (refillCache) {
                int rows = ProjectionRebuild.refillCache(stack.dataSource(), result.rebuiltBalances());
                out.printf(Locale.ROOT, "account_balances refilled: %,d rows written%n", rows);
            }
            return 0;
        } catch (Exception e) {
            log.error("rebuild failed", e);
            System.err.println("tally rebuild failed: " + e);
            return 2;
        }
    }
}
