package io.tally.platform.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
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

    private final String name;
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics metrics;

    /**
     * Builds (does not start) the application.
     *
     * @param name what logs and errors call it, e.g. {@code ledger-service tally-ledger-service}
     * @param streamsProperties complete Kafka Streams properties
     * @param registry where the client's metrics go
     */
    public StreamsService(String name, Topology topology, Properties streamsProperties, MeterRegistry registry) {
        this.name = name;
        this.streams = new KafkaStreams(topology, streamsProperties);
        streams.setStateListener((now, before) -> log.info("{} {} -> {}", name, before, now));
        streams.setUncaughtExceptionHandler(e -> {
            log.error("{}: a stream thread failed; shutting the client down", name, e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        this.metrics = new KafkaStreamsMetrics(streams);
        metrics.bindTo(registry);
    }

    /** Starts the stream threads; returns at once. */
    public void start() {
        streams.start();
    }

    /**
     * Waits until the client is {@code RUNNING}: it has its partitions and has restored its stores.
     *
     * @throws IllegalStateException if it fails or stops meanwhile, or is not running within
     *     {@code timeout}; the message names the state
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitRunning(Duration timeout) throws InterruptedException {
        awaitUntil(this::isRunning, "RUNNING", timeout);
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
