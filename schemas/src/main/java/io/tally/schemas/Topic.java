package io.tally.schemas;

import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/**
 * One topic, typed: its name and the serdes of its keys and values, so that no call site pairs a
 * topic name with a serde by hand (Confluent's kafka-streams-examples, {@code Schemas.Topic}).
 * Clients and topologies are built from it.
 *
 * <p>Thread-safe as its serdes are (tally's are).
 *
 * @param name the topic's name
 * @param keySerde its keys' serde
 * @param valueSerde its values' serde, in the configured encoding for a public topic
 * @param <K> the key type
 * @param <V> the value type
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
    }

    /**
     * {@code value} as this topic's bytes.
     *
     * @throws org.apache.kafka.common.errors.SerializationException if it cannot be encoded
     */
    public byte[] encode(V value) {
        return valueSerde.serializer().serialize(name, value);
    }

    /**
     * The value in {@code bytes}, read as this topic's.
     *
     * @throws org.apache.kafka.common.errors.SerializationException if they are not such a value
     *     ({@link UndecodableRecordException} with the reason, for tally's serdes)
     */
    public V decode(byte[] bytes) {
        return valueSerde.deserializer().deserialize(name, bytes);
    }
}
