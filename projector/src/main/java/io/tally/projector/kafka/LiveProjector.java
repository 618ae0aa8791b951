package io.tally.projector.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.tally.projector.jdbc.LiveApplicationTable;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The projector readers use: runs the application id named live in {@code projector_live_application}
 * ({@link LiveApplicationTable}; the configured id while no rebuild has switched) and follows a switch
 * while running. Every {@code checkEvery} it reads the live id; when {@code ./tally rebuild} has moved
 * it to a rebuilt projection, it starts a projector under that id beside the running one (its stores
 * restore from the rebuilt projection's changelogs, then it consumes the events appended since the
 * rebuild), waits until every partition's balances are queryable, hands readers the new projector
 * ({@link #get}) and only then closes the old one. Readers are never without a projector; right after a
 * switch the new projection may be a few events behind the old one for as long as it takes to consume
 * what was appended during the rebuild ({@code ?minVersion=} reads wait for that).
 *
 * <p>If the rebuilt projector does not become queryable within {@code startTimeout}, it is closed,
 * the old one keeps serving, and the switch is tried again at the next check (logged at ERROR each time).
 *
 * <p>Thread-safe: {@link #get} may be called from any thread; the switch runs on a daemon thread of its own.
 */
public final class LiveProjector implements Supplier<ProjectorApp>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveProjector.class);

    private final ProjectorConfig config;
    private final MeterRegistry metrics;
    private final DataSource database;
    private final Duration checkEvery;
    private final Duration startTimeout;
    private final AtomicReference<ProjectorApp> current = new AtomicReference<>();
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "projector-live-switch");
        t.setDaemon(true);
        return t;
    });

    /**
     * Builds it; starts nothing until {@link #start}.
     *
     * @param config the projector's configuration; its application id is used while the table names none
     * @param database holds {@code projector_live_application} (migrated by {@code ProjectorSchema})
     * @param checkEvery how often the live id is read, positive
     * @param startTimeout how long a switched-to projector may take to become queryable
     */
    public LiveProjector(ProjectorConfig config, MeterRegistry metrics, DataSource database, Duration checkEvery,
            Duration startTimeout) {
        this.config = Objects.requireNonNull(config, "config");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.database = Objects.requireNonNull(database, "database");
        if (checkEvery.isNegative() || checkEvery.isZero()) {
            throw new IllegalArgumentException("checkEvery must be positive: " + checkEvery);
        }
        this.checkEvery = checkEvery;
        this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
    }

    /**
     * Starts the projector under the live application id and the periodic check; returns at once
     * (see {@link ProjectorApp#awaitRunning}).
     */
    public LiveProjector start() {
        ProjectorApp first = new ProjectorApp(config.withApplicationId(liveId()), metrics);
        current.set(first);
        first.start();
        watcher.scheduleWithFixedDelay(this::followSwitch, checkEvery.toMillis(), checkEvery.toMillis(),
                TimeUnit.MILLISECONDS);
        return this;
    }

    /** The projector readers use now ({@code null} before {@link #start}). */
    @Override
    public ProjectorApp get() {
        return current.get();
    }

    /** The application id of {@link #get}. */
    public String applicationId() {
        return current.get().config().applicationId();
    }

    private String liveId() {
        return LiveApplicationTable.current(database).orElse(config.applicationId());
    }

    private void followSwitch() {
        String live;
        try {
            live = liveId();
        } catch (RuntimeException e) {
            log.warn("cannot read the live projector application id (keeping {}): {}", applicationId(), e.getMessage());
            return;
        }
        if (live.equals(applicationId())) {
            return;
        }
        log.info("readers were switched from {} to {}: starting it beside the running projector", applicationId(), live);
        ProjectorApp next = new ProjectorApp(config.withApplicationId(live), metrics);
        try {
            next.start();
            next.awaitQueryable(startTimeout);
        } catch (RuntimeException | InterruptedException e) {
            log.error("projector {} did not become queryable within {} ms; {} keeps serving: {}", live,
                    startTimeout.toMillis(), applicationId(), e.getMessage());
            next.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        ProjectorApp old = current.getAndSet(next);
        log.info("projector {} serves readers now; closing {}", live, old.config().applicationId());
        old.close();
    }

    /** Stops the check, then the projector readers use. */
    @Override
    public void close() {
        watcher.shutdownNow();
        try {
            watcher.awaitTermination(ProjectorApp.CLOSE_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Optional.ofNullable(current.get()).ifPresent(ProjectorApp::close);
    }
}
