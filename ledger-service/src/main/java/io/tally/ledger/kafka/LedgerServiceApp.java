package io.tally.ledger.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link DecideTopology} as a Kafka Streams application.
 *
 * <p>Thread-safe as {@link KafkaStreams} is.
 */
public final class LedgerServiceApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LedgerServiceApp.class);
    /**
     * {@code commit.interval.ms} unless the passed-through Kafka properties set it: how long a decided
     * request waits, at most, before its Streams transaction commits and read_committed readers (the
     * HTTP API's outcomes among them) see it. 20 ms rather than the exactly-once default of 100 ms: an
     * HTTP write cannot answer before the commit. Measured with {@code ./tally bench write http
     * --commit-interval-ms N} (issue 8, 2 shared cores, 1,000 HTTP writes/s; BENCHMARKS.md): at 100 ms
     * p50 77.6 / p99 350.5 ms and 30,367 decided requests/s in bulk; at 50 ms 46.6 / 100.2 ms and
     * 26,677/s; at 20 ms 33.2 / 86.7 ms and 23,180/s. A bulk load with no caller waiting can set
     * {@code commit.interval.ms=100} in the Kafka properties.
     */
    public static final int DEFAULT_COMMIT_INTERVAL_MS = 20;

    private final KafkaStreams streams;
    private final CountDownLatch running = new CountDownLatch(1);
    private final KafkaStreamsMetrics streamsMetrics;

    /** Builds (does not start) the application. */
    public LedgerServiceApp(LedgerServiceConfig config, MeterRegistry metrics) {
        this.streams = new KafkaStreams(DecideTopology.buildTopology(config.topics(), config.serdes(), metrics,
                config.idempotencyRetention()), streamsProperties(config));
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
            log.info("ledger-service {} -> {}", before, now);
        });
        // Streams' client metrics (consumer lag among them) on the same registry as tally's own.
        this.streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(metrics);
    }

    /** The Streams properties: the passed-through client properties plus tally's required settings. */
    static Properties streamsProperties(LedgerServiceConfig config) {
        Properties p = new Properties();
        p.putAll(config.kafka());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        // Decide-and-append is one Kafka transaction per commit: events, results, DLQ records, store
        // changelogs and input offsets commit together or not at all.
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.replicationFactor());
        // Results wait on the commit (read_committed readers): see DEFAULT_COMMIT_INTERVAL_MS.
        p.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, DEFAULT_COMMIT_INTERVAL_MS);
        // Decide needs no timestamp alignment between its inputs (requests, transfers, operator requests):
        // each record is decided on its own against its account's state, and per-account order is per
        // partition. Not
        // waiting (-1 instead of the default 0) also spares a check per record that formats a log line
        // for the empty partition even when nothing logs it (7% of the write path's time).
        p.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        return p;
    }

    /** Starts processing in Streams' own threads. */
    public void start() {
        streams.start();
    }

    /**
     * Waits until the application is RUNNING.
     *
     * @throws TimeoutException if it is not RUNNING within {@code timeout}
     */
    public void awaitRunning(Duration timeout) throws InterruptedException, TimeoutException {
        if (!running.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("ledger-service not RUNNING after " + timeout + " (state " + streams.state() + ")");
        }
    }

    /**
     * The Kafka Streams client's own metrics, read now (those of RocksDB stores appear once the stores
     * open; a Micrometer binder only picks new ones up on its next refresh).
     */
    public java.util.Map<org.apache.kafka.common.MetricName, ? extends org.apache.kafka.common.Metric> streamsMetrics() {
        return streams.metrics();
    }

    /** The Streams state, for health checks. */
    public KafkaStreams.State state() {
        return streams.state();
    }

    /**
     * Stops processing, committing what was processed, and leaves the consumer group so that a
     * restarted or remaining instance takes the partitions over at once instead of after
     * {@code session.timeout.ms}; waits up to 30 s.
     */
    @Override
    public void close() {
        if (!streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP))) {
            log.warn("ledger-service did not stop within 30 s");
        }
        streamsMetrics.close();
    }
}
