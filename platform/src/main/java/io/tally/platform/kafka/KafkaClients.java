package io.tally.platform.kafka;

import io.tally.schemas.Topic;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The Kafka clients tally's code builds, each in one place with its settings said out loud
 * (STYLE.md): a consumer that sees only committed records and commits only when told, and a producer
 * that neither loses nor duplicates a record. The caller's properties (bootstrap servers, security,
 * client ids) pass through; the settings below are laid over them because correctness depends on them.
 *
 * <p>Thread-safe: stateless. The clients it builds are Kafka's own, with Kafka's thread-safety.
 */
public final class KafkaClients {
    private static final Duration READ_POLL = Duration.ofMillis(200);

    private KafkaClients() {}

    /**
     * A consumer of {@code topic} that reads only committed records ({@code read_committed}: never a
     * record of an aborted or open transaction), commits no offset by itself (callers commit after
     * their own work is durable, or never), and starts from the earliest offset where its group has
     * none.
     *
     * @param kafka client properties, passed through
     * @param groupId the consumer group, or {@code null} for none (the caller assigns partitions and
     *     keeps no position)
     */
    public static <K, V> KafkaConsumer<K, V> readCommittedConsumer(Map<String, Object> kafka, String groupId,
            Topic<K, V> topic) {
        return readCommittedConsumer(kafka, groupId, topic.keySerde().deserializer(), topic.valueSerde().deserializer());
    }

    /** As {@link #readCommittedConsumer(Map, String, Topic)}, for a topic tally has no {@link Topic} of (a changelog). */
    public static <K, V> KafkaConsumer<K, V> readCommittedConsumer(Map<String, Object> kafka, String groupId,
            Deserializer<K> keys, Deserializer<V> values) {
        Map<String, Object> config = new HashMap<>(kafka);
        if (groupId == null) {
            config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        } else {
            config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(config, keys, values);
    }

    /** Where {@link #assignAll} puts the consumer. */
    public enum From {
        /** The first offset of each partition: read what is there. */
        BEGINNING,
        /** The end of each partition, resolved now: read only what comes next. */
        END
    }

    /**
     * Assigns {@code consumer} every partition of {@code topic}, without a group's rebalance, and puts
     * it at {@code from} (the end positions resolved before returning, so nothing produced after this
     * call is missed).
     *
     * @return the partitions, in partition order; empty if the topic does not exist
     */
    public static List<TopicPartition> assignAll(Consumer<?, ?> consumer, String topic, From from) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
        consumer.assign(partitions);
        if (from == From.BEGINNING) {
            consumer.seekToBeginning(partitions);
        } else {
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
        }
        return partitions;
    }

    /**
     * Reads every committed record of {@code topic} from its beginning to its end offsets as of now,
     * handing each to {@code each} in partition order per partition; the consumer is assigned every
     * partition ({@link #assignAll}) and keeps no position.
     *
     * @param consumer a consumer from {@link #readCommittedConsumer}, with no group
     * @param timeout how long the reading may take
     * @return the records read
     * @throws TimeoutException if the end is not reached within {@code timeout}
     */
    public static <K, V> long readToEnd(Consumer<K, V> consumer, String topic, Duration timeout,
            java.util.function.Consumer<ConsumerRecord<K, V>> each) throws TimeoutException {
        List<TopicPartition> partitions = assignAll(consumer, topic, From.BEGINNING);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        long read = 0;
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
            if (System.nanoTime() - deadlineNs > 0) {
                throw new TimeoutException(topic + " not read to its end within " + timeout);
            }
            for (ConsumerRecord<K, V> record : consumer.poll(READ_POLL)) {
                each.accept(record);
                read++;
            }
        }
        return read;
    }

    /**
     * A producer of {@code topic}'s records that waits for every in-sync replica ({@code acks=all}) and
     * never writes a record twice on its own retries ({@code enable.idempotence=true}); 5 ms of linger
     * and lz4 unless the caller's properties say otherwise.
     */
    public static <K, V> KafkaProducer<K, V> idempotentProducer(Map<String, Object> kafka, Topic<K, V> topic) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return new KafkaProducer<>(config, topic.keySerde().serializer(), topic.valueSerde().serializer());
    }
}
