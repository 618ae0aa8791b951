package io.tally.cli.demo;

import io.tally.avro.LedgerResult;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.ValueSerdes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Reads {@code ledger.results} from the offsets it had when created (so only outcomes of this run
 * count) and keeps the outcome of each expected request id. Reads committed records only: an
 * outcome is visible once ledger-service's transaction that decided it has committed.
 *
 * <p>Thread-safe: {@link #received()} and {@link #outcomes()} may be read while the collector runs
 * in its own thread.
 */
final class ResultCollector implements AutoCloseable {
    private final KafkaConsumer<String, LedgerResult> consumer;
    private final Set<String> expected;
    private final Map<String, LedgerResult> outcomes = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * Positions itself at the current end of every partition of the results topic.
     *
     * @param serdes the value encoding of the topics
     * @param expected the request ids whose outcomes to keep
     */
    ResultCollector(Map<String, Object> kafka, LedgerTopics topics, ValueSerdes serdes, Set<String> expected) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        this.consumer = new KafkaConsumer<>(config, LedgerTopics.keySerde().deserializer(),
                serdes.results().deserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topics.results()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve the end now, before any request is sent
        this.expected = Set.copyOf(expected);
        this.thread = new Thread(this::run, "demo-result-collector");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, LedgerResult> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.value() != null && expected.contains(r.value().getRequestId())) {
                        outcomes.put(r.value().getRequestId(), r.value());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    /** How many expected outcomes have arrived. */
    int received() {
        return outcomes.size();
    }

    /** The outcomes so far, by request id. */
    Map<String, LedgerResult> outcomes() {
        return Map.copyOf(outcomes);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
