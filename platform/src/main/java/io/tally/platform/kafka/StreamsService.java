package io.tally.platform.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka Streams application as tally runs each: built from a topology and complete properties,
 * its state changes logged, a failed stream thread shutting the client down (logged; the service's
 * health then says so and its supervisor restarts it, rather than a partition silently stopping),
 * the client's metrics bound to the service's registry, and a close that leaves the group so the
 * partitions move at once instead of after {@code session.timeout.ms}.
 *
 * <p>Thread-safe as {@link KafkaStreams} is.
 */
public final class StreamsService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamsService.class);
    /** How long {@link #close} waits for the threads to commit and stop. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration LOOK = Duration.ofMillis(50);
    /** How often {@link #awaitRunning} says what it is waiting for. */
    private static final Duration SAY_EVERY = Duration.ofSeconds(10);

    private final String name;
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics metrics;
    private final RestoreProgress restore = new RestoreProgress();
    private final boolean exactlyOnce;
    private final Map<String, Object> adminConfigs;

    /**
     * Builds (does not start) the application.
     *
     * @param name what logs and errors call it, e.g. {@code ledger-service tally-ledger-service}
     * @param streamsProperties complete Kafka Streams properties
     * @param registry where the client's metrics go
     */
    public StreamsService(String name, Topology topology, Properties streamsProperties, MeterRegistry registry) {
        this.name = name;
        StreamsConfig config = new StreamsConfig(streamsProperties);
        this.exactlyOnce = StreamsConfig.EXACTLY_ONCE_V2.equals(config.getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        this.adminConfigs = config.getAdminConfigs(config.getString(StreamsConfig.APPLICATION_ID_CONFIG) + "-feature-check");
        this.streams = new KafkaStreams(topology, streamsProperties);
        streams.setStateListener((now, before) -> log.info("{} {} -> {}", name, before, now));
        streams.setUncaughtExceptionHandler(e -> {
            log.error("{}: a stream thread failed; shutting the client down", name, e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setGlobalStateRestoreListener(restore);
        this.metrics = new KafkaStreamsMetrics(streams);
        metrics.bindTo(registry);
    }

    /**
     * Starts the stream threads; returns at once. An exactly-once application first checks that the
     * cluster runs transaction protocol version 2 ({@link TransactionProtocol}, KIP-890).
     *
     * @throws IllegalStateException if it does not, or cannot be asked; nothing is started then
     */
    public void start() {
        if (exactlyOnce) {
            try (Admin admin = Admin.create(adminConfigs)) {
                TransactionProtocol.require(admin, name);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(name + ": interrupted while checking the transaction protocol", e);
            }
        }
        streams.start();
    }

    /**
     * Waits until the client is {@code RUNNING}: it has its partitions and has restored its stores. It
     * waits as long as the client makes progress, not for a fixed time: restoring stores from their
     * changelogs after an unclean exit can take minutes, and a fixed limit would give up on a service
     * that is coming back (issue 20). Every 10 s it logs what it is waiting for: the state, and while
     * restoring, the changelog records restored and remaining.
     *
     * @param stallTimeout how long the client may go without progress (a state change or restored
     *     records) before this gives up
     * @throws IllegalStateException if it fails or stops meanwhile, or makes no progress for
     *     {@code stallTimeout}; the message names the state and the restore counts
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitRunning(Duration stallTimeout) throws InterruptedException {
        long startNs = System.nanoTime();
        long lastProgressNs = startNs;
        long lastSaidNs = startNs;
        KafkaStreams.State lastState = streams.state();
        RestoreProgress.Reading last = restore.read();
        while (!isRunning()) {
            KafkaStreams.State state = streams.state();
            if (state == KafkaStreams.State.ERROR || state.isShuttingDown() || state.hasCompletedShutdown()) {
                throw new IllegalStateException(name + " is " + state);
            }
            RestoreProgress.Reading now = restore.read();
            long nowNs = System.nanoTime();
            if (state != lastState || now.restoredRecords() != last.restoredRecords()
                    || now.toRestoreRecords() != last.toRestoreRecords()) {
                lastProgressNs = nowNs;
                lastState = state;
                last = now;
            }
            if (nowNs - lastProgressNs > stallTimeout.toNanos()) {
                throw new IllegalStateException(name + " not RUNNING: no progress for " + stallTimeout.toMillis()
                        + " ms; " + waitingFor(state, now));
            }
            if (nowNs - lastSaidNs >= SAY_EVERY.toNanos()) {
                lastSaidNs = nowNs;
                log.info("{} not RUNNING yet after {} s: {}", name, (nowNs - startNs) / 1_000_000_000L, waitingFor(state, now));
            }
            Thread.sleep(LOOK.toMillis());
        }
    }

    /** What a starting client is waiting for, in words. */
    private static String waitingFor(KafkaStreams.State state, RestoreProgress.Reading restore) {
        if (restore.storesRestoring() > 0) {
            return String.format(Locale.ROOT,
                    "state %s, restoring %d store partition(s) from their changelogs: %,d of %,d records restored, %,d remaining",
                    state, restore.storesRestoring(), restore.restoredRecords(), restore.toRestoreRecords(),
                    restore.remainingRecords());
        }
        return "state " + state + ", waiting for its partitions (a group rebalance; the partitions of an instance"
                + " that died move once its session times out)"
                + (restore.storesRestored() > 0 ? "; " + restore.storesRestored() + " store partition(s) restored" : "");
    }

    /**
     * Waits until {@code condition} holds (looked at every 50 ms), e.g. that every local store is
     * queryable.
     *
     * @param what the condition, for the message
     * @throws IllegalStateException if the client fails or stops meanwhile, or the condition does not
     *     hold within {@code timeout}
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitUntil(BooleanSupplier condition, String what, Duration timeout) throws InterruptedException {
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            KafkaStreams.State state = streams.state();
            if (state == KafkaStreams.State.ERROR || state.isShuttingDown() || state.hasCompletedShutdown()) {
                throw new IllegalStateException(name + " is " + state);
            }
            if (System.nanoTime() - deadlineNs > 0) {
                throw new IllegalStateException(name + " not " + what + " after " + timeout.toMillis() + " ms; state " + state);
            }
            Thread.sleep(LOOK.toMillis());
        }
    }

    /** How far the client has restored its stores from their changelogs since it started. */
    public RestoreProgress.Reading restoreProgress() {
        return restore.read();
    }

    /** Whether the client is {@code RUNNING}: what a readiness check asks. */
    public boolean isRunning() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /** The client's state. */
    public KafkaStreams.State state() {
        return streams.state();
    }

    /** The client, for interactive queries and metadata. */
    public KafkaStreams streams() {
        return streams;
    }

    /**
     * The Kafka Streams client's own metrics, read now (those of RocksDB stores appear once the stores
     * open; a Micrometer binder only picks new ones up on its next refresh).
     */
    public Map<MetricName, ? extends Metric> streamsMetrics() {
        return streams.metrics();
    }

    /**
     * Stops processing, committing what was processed, and leaves the group; waits up to
     * {@link #CLOSE_TIMEOUT}.
     */
    @Override
    public void close() {
        if (!streams.close(CloseOptions.timeout(CLOSE_TIMEOUT)
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP))) {
            log.warn("{} did not stop within {} s", name, CLOSE_TIMEOUT.toSeconds());
        }
        metrics.close();
    }
}
