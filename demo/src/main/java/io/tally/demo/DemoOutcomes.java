package io.tally.demo;

import io.tally.avro.LedgerResult;
import io.tally.platform.kafka.KafkaClients;
import io.tally.schemas.LedgerTopics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The outcomes of the demo's requests, read from {@code ledger.results} (committed records only) in one
 * pass once the decide task has committed every request, from where the topic ended when this was built.
 * Cheaper than a future per request completed while deciding (PendingOutcomes): nothing competes with the
 * decide task for the machine while it decides, and the phase that waits for it measures it alone.
 *
 * <p>Not thread-safe.
 */
final class DemoOutcomes implements AutoCloseable {
    private final KafkaConsumer<String, LedgerResult> consumer;

    /** Takes the position of each partition of {@code ledger.results} now: outcomes from here on are read. */
    DemoOutcomes(Map<String, Object> kafka, LedgerTopics topics) {
        consumer = KafkaClients.readCommittedConsumer(kafka, null, topics.results());
        KafkaClients.assignAll(consumer, topics.results().name(), KafkaClients.From.END);
    }

    /**
     * The outcome of each of {@code requestIds} published since construction: reads up to the end of
     * {@code ledger.results} as it is now; a request decided twice (a redelivery) keeps its last.
     *
     * @throws TimeoutException if the end is not reached within {@code timeout}
     */
    Map<String, LedgerResult> read(Set<String> requestIds, Duration timeout) throws TimeoutException {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        Map<String, LedgerResult> outcomes = new HashMap<>();
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() - deadlineNs > 0) {
                throw new TimeoutException("ledger.results not read to its end within " + timeout);
            }
            for (ConsumerRecord<String, LedgerResult> r : consumer.poll(Duration.ofMillis(100))) {
                LedgerResult result = r.value();
                if (result != null && requestIds.contains(result.getRequestId())) {
                    outcomes.put(result.getRequestId(), result);
                }
            }
        }
        return outcomes;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
