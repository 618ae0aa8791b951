package io.tally.cli.demo;

import io.tally.schemas.LedgerTopics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Counts the records that reach {@code ledger.requests.dlq} after it is created, by reading them
 * (committed only): offsets alone would also count transaction markers.
 *
 * <p>Not thread-safe.
 */
final class DeadLetterCounter implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;

    DeadLetterCounter(Map<String, Object> kafka, LedgerTopics topics) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topics.requestsDlq()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
    }

    /** The dead letters since construction (reads up to the current end). */
    long count() {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        long n = 0;
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline
                && end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            n += consumer.poll(Duration.ofMillis(100)).count();
        }
        return n;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
