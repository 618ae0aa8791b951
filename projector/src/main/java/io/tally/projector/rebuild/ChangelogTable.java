package io.tally.projector.rebuild;

import io.tally.platform.kafka.KafkaClients;
import io.tally.projector.ProjectorTopology;
import io.tally.schemas.LedgerTopics;
import java.time.Duration;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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
    /** How long reading one changelog may take; a changelog is compacted, so it is about one record per key. */
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(10);

    private ChangelogTable() {}

    /**
     * The newest value per key of {@code store} of the application {@code applicationId}.
     *
     * @param kafka Kafka client properties ({@code bootstrap.servers} and any passed through)
     * @param values the store's value deserializer (its changelog holds the store's own encoding)
     * @return key → value, in key order; empty if the application has no such changelog (it never ran)
     * @throws org.apache.kafka.common.KafkaException if the broker cannot be reached within the client's
     *     timeouts, or a record cannot be decoded
     * @throws IllegalStateException if the changelog is not read to its end within 10 minutes
     */
    static <V> SortedMap<String, V> read(Map<String, Object> kafka, String applicationId, String store,
            Deserializer<V> values) {
        String changelog = ProjectorTopology.changelogTopic(applicationId, store);
        SortedMap<String, V> table = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.readCommittedConsumer(kafka, null,
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            KafkaClients.readToEnd(consumer, changelog, READ_TIMEOUT, r -> {
                String key = LedgerTopics.keySerde().deserializer().deserialize(changelog, r.key());
                if (r.value() == null) {
                    table.remove(key);
                } else {
                    table.put(key, values.deserialize(changelog, r.value()));
                }
            });
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot read the table of " + store + ": " + e.getMessage(), e);
        } catch (UnknownTopicOrPartitionException absent) {
            return table;
        }
        return table;
    }
}
