package io.tally.ledger.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads dead letters, headers included, in integration tests. */
final class DlqReader {
    private DlqReader() {}

    /** The first committed record of {@code topic}, waiting up to 60 s. */
    static ConsumerRecord<byte[], byte[]> readOne(Map<String, Object> kafka, String topic) {
        List<ConsumerRecord<byte[], byte[]>> one = readAll(kafka, topic, 1);
        if (one.isEmpty()) {
            throw new AssertionError("no record on " + topic + " within 60 s");
        }
        return one.get(0);
    }

    /**
     * The committed records of {@code topic} from its start: {@code expected} of them, or what there is
     * after 60 s, plus any that arrive in a second after (a duplicate would show).
     */
    static List<ConsumerRecord<byte[], byte[]>> readAll(Map<String, Object> kafka, String topic, int expected) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(Set.of(topic));
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 60_000;
            while (out.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            if (expected > 1) {
                for (int i = 0; i < 5; i++) {
                    consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                }
            }
            return out;
        }
    }
}
