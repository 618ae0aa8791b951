package io.tally.demo;

import io.tally.platform.kafka.KafkaClients;
import io.tally.schemas.LedgerTopics;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Counts the records that reach {@code ledger.requests.dlq} after it is created, by reading them
 * (committed only): offsets alone would also count transaction markers.
 *
 * <p>Not thread-safe.
 */
final class DeadLetterCounter implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;

    DeadLetterCounter(Map<String, Object> kafka, LedgerTopics topics) {
        consumer = KafkaClients.readCommittedConsumer(kafka, null, topics.requestsDlq());
        KafkaClients.assignAll(consumer, topics.requestsDlq().name(), KafkaClients.From.END);
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
