package io.tally.projector.rebuild;

import io.tally.platform.kafka.KafkaClients;
import io.tally.projector.ProjectorTopology;
import io.tally.schemas.LedgerTopics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A projection's table read from its store's changelog topic ({@link ProjectorTopology#changelogTopic}):
 * compacted, so reading it from the beginning to its end offsets gives the newest row per key, as the
 * store held it when it last committed. Read with the one {@code read_committed} consumer
 * ({@link KafkaClients}), assigned every partition, in no consumer group.
 *
 * <p>Memory: the whole table is held in a sorted map (fine for millions of rows of a wallet ledger).
 *
 * <p>Thread-safe: stateless; each read uses a consumer of its own.
 */
final class ChangelogTable {
    private static final Duration POLL = Duration.ofMillis(200);

    private ChangelogTable() {}

    /**
     * The newest value per key of {@code store} of the application {@code applicationId}.
     *
     * @param kafka Kafka client properties ({@code bootstrap.servers} and any passed through)
     * @param values the store's value deserializer (its changelog holds the store's own encoding)
     * @return key → value, in key order; empty if the application has no such changelog (it never ran)
     * @throws org.apache.kafka.common.KafkaException if the broker cannot be reached within the client's
     *     timeouts, or a record cannot be decoded
     */
    static <V> SortedMap<String, V> read(Map<String, Object> kafka, String applicationId, String store,
            Deserializer<V> values) {
        String changelog = ProjectorTopology.changelogTopic(applicationId, store);
        SortedMap<String, V> table = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.readCommittedConsumer(kafka, null,
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = KafkaClients.assignAll(consumer, changelog, KafkaClients.From.BEGINNING);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    String key = LedgerTopics.keySerde().deserializer().deserialize(changelog, r.key());
                    if (r.value() == null) {
                        table.remove(key);
                    } else {
                        table.put(key, values.deserialize(changelog, r.value()));
                    }
                }
            }
        } catch (UnknownTopicOrPartitionException absent) {
            return table;
        }
        return table;
    }
}
