package io.tally.ledger.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.tally.platform.kafka.BoundedRocksDbMemory;
import io.tally.platform.kafka.StreamsService;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Runs the {@link DecideTopology} as a Kafka Streams application.
 *
 * <p>Thread-safe as {@link KafkaStreams} is.
 */
public final class LedgerServiceApp implements AutoCloseable {
    /**
     * {@code commit.interval.ms} unless the passed-through Kafka properties set it: how long a decided
     * request waits, at most, before its Streams transaction commits and read_committed readers (the
     * HTTP API's outcomes among them) see it. 20 ms rather than the exactly-once default of 100 ms: an
     * HTTP write cannot answer before the commit (issue 8, BENCHMARKS.md). The adaptive alternative,
     * {@link CommitPacer}, is opt-in ({@link LedgerServiceConfig#commitGap}): measured in one session on 2
     * shared cores (issue 15) it lost to this timer, 300 writes/s p50 207.2 against 64.1 ms. A bulk load
     * with no caller waiting can set {@code commit.interval.ms=100} in the Kafka properties.
     */
    public static final int DEFAULT_COMMIT_INTERVAL_MS = 20;

    private final StreamsService streams;

    /** Builds (does not start) the application. */
    public LedgerServiceApp(LedgerServiceConfig config, MeterRegistry metrics) {
        this.streams = new StreamsService("ledger-service " + config.applicationId(),
                DecideTopology.buildTopology(config.topics(), metrics, config.idempotencyRetention(), config.commitGap()),
                streamsProperties(config), metrics);
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
        if (config.commitGap() != null) {
            // A request decided within the gap is committed by the pacer's punctuator, which runs only when the
            // stream thread comes back from poll: with nothing new arriving, that is after poll.ms (default
            // 100 ms). Poll for at most the gap, so the last request of a burst waits about a gap, not 100 ms.
            p.putIfAbsent(StreamsConfig.POLL_MS_CONFIG, Math.max(1, config.commitGap().toMillis()));
        }
        // Decide needs no timestamp alignment between its inputs (requests, transfers, operator requests):
        // each record is decided on its own against its account's state, and per-account order is per
        // partition. Not
        // waiting (-1 instead of the default 0) also spares a check per record that formats a log line
        // for the empty partition even when nothing logs it (7% of the write path's time).
        p.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        // Every store (five per partition) under one block cache and memtable budget, 256 MiB unless the
        // Kafka properties set tally.rocksdb.memory.bytes (DESIGN.md, Operators: memory sizing).
        BoundedRocksDbMemory.applyTo(p);
        return p;
    }

    /** Starts processing in Streams' own threads. */
    public void start() {
        streams.start();
    }

    /**
     * Waits until the application is RUNNING.
     *
     * @param stallTimeout how long it may make no progress (no state change, no store restored further)
     *     before this gives up; a long restore that moves is waited for ({@link StreamsService#awaitRunning})
     * @throws IllegalStateException if it makes no progress for {@code stallTimeout}, or failed or stopped
     */
    public void awaitRunning(Duration stallTimeout) throws InterruptedException {
        streams.awaitRunning(stallTimeout);
    }

    /**
     * The Kafka Streams client's own metrics, read now (those of RocksDB stores appear once the stores
     * open; a Micrometer binder only picks new ones up on its next refresh).
     */
    public Map<MetricName, ? extends Metric> streamsMetrics() {
        return streams.streamsMetrics();
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
        streams.close();
    }
}
