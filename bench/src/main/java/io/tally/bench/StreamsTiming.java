package io.tally.bench;

import io.tally.platform.kafka.GroupProgress;
import io.tally.schemas.LedgerTopics;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * How the Streams rows time a consumer group, and their baseline: a plain exactly-once aggregate.
 *
 * <p>Thread-safe: static functions.
 */
public final class StreamsTiming {
    private StreamsTiming() {}

    /** The read-committed end offsets of {@code topic} now. */
    public static Map<TopicPartition, Long> endOffsets(Map<String, Object> kafka, String topic) {
        try (Admin admin = Admin.create(kafka)) {
            return GroupProgress.endOffsets(admin, topic);
        }
    }

    /** The number of records up to {@code end} (offsets; transaction markers count too). */
    public static long offsets(Map<TopicPartition, Long> end) {
        return end.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Waits until consumer group {@code groupId} has committed every offset up to {@code end} (polled
     * every 100 ms).
     *
     * @throws IllegalStateException after {@code timeout}
     */
    public static void awaitCommitted(Map<String, Object> kafka, String groupId, Map<TopicPartition, Long> end,
            Duration timeout) throws InterruptedException {
        try (Admin admin = Admin.create(kafka)) {
            GroupProgress.await(admin, groupId, end, timeout, progress -> { });
        } catch (TimeoutException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * The baseline of the Streams rows: {@code groupByKey().aggregate(sum of amounts)} over
     * {@code topic} with exactly_once_v2, a persistent store and its changelog, no output topic; timed
     * from {@code start()} until its group committed every offset up to {@code end}.
     *
     * @param amountOf the amount of a record, minor units (0 where it has none)
     * @param commitIntervalMs the same commit interval as the subject's
     * @return elapsed milliseconds
     */
    public static <V> long plainAggregate(Map<String, Object> kafka, String topic, Serde<V> values,
            ToLongFunction<V> amountOf, Map<TopicPartition, Long> end, java.nio.file.Path stateDir,
            String applicationId, int commitIntervalMs) throws InterruptedException {
        return plainAggregate(kafka, topic, values, amountOf, end, stateDir, applicationId,
                Map.of(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs));
    }

    /**
     * As above with Streams settings of the subject's ({@code settings} over exactly_once_v2, one
     * thread, the default commit interval): a baseline run the way the subject runs.
     */
    public static <V> long plainAggregate(Map<String, Object> kafka, String topic, Serde<V> values,
            ToLongFunction<V> amountOf, Map<TopicPartition, Long> end, java.nio.file.Path stateDir,
            String applicationId, Map<String, Object> settings) throws InterruptedException {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(topic, org.apache.kafka.streams.kstream.Consumed.with(LedgerTopics.keySerde(), values))
                .groupByKey(Grouped.with(LedgerTopics.keySerde(), values))
                .aggregate(() -> 0L, (account, value, sum) -> sum + amountOf.applyAsLong(value),
                        Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("sums")
                                .withKeySerde(LedgerTopics.keySerde()).withValueSerde(Serdes.Long()));
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.putAll(settings);
        long startNs = System.nanoTime();
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            awaitCommitted(kafka, applicationId, end, Duration.ofMinutes(30));
            return (System.nanoTime() - startNs) / 1_000_000;
        }
    }
}
