package io.tally.schemas;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for a generated Avro record in Avro's single-object encoding (Avro specification,
 * "Single-object encoding": the marker {@code C3 01}, the writer schema's 8-byte little-endian
 * CRC-64-AVRO fingerprint, then the Avro binary body). It needs no schema registry: the reader
 * resolves the fingerprint against the current schema and every released one
 * ({@link ReleasedSchemas}), so older records stay readable. This is tally's embedded default
 * (DESIGN.md, Serialization).
 *
 * <p>Thread-safe: Avro's message encoder and decoder are.
 *
 * @param <T> the generated record class
 */
public final class SingleObjectSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;
    private final String recordName;

    private SingleObjectSerde(Schema schema, SpecificData model) {
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema);
        for (Schema released : ReleasedSchemas.versionsOf(schema.getFullName())) {
            decoder.addSchema(released);
        }
        this.recordName = schema.getFullName();
    }

    /**
     * A serde for {@code type}, a class generated from one of tally's schemas.
     *
     * @throws IllegalArgumentException if the class has no Avro schema
     */
    public static <T extends SpecificRecord> SingleObjectSerde<T> of(Class<T> type) {
        Schema schema = SpecificData.getForClass(type).getSchema(type);
        if (schema == null) {
            throw new IllegalArgumentException(type + " is not a generated Avro record");
        }
        // The generated classes' own encode/decode (Avro's "custom coders", off by default) instead of
        // the generic, reflective path: the same bytes, at a fraction of the cost (it was a fifth of
        // the write path's time). A model of our own, so the setting does not leak into other users.
        SpecificData model = new SpecificData(type.getClassLoader());
        model.setCustomCoders(true);
        return new SingleObjectSerde<>(schema, model);
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            ByteBuffer buffer = encoder.encode(data);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot encode " + recordName + " for topic " + topic + ": " + e.getMessage(), e);
        }
    }

    /**
     * Decodes a record.
     *
     * @return the record, or {@code null} for a {@code null} (tombstone) value
     * @throws SerializationException if the bytes are not a single-object encoded {@link #recordName}
     *     of a known schema; the message says which (bad header, unknown fingerprint, bad body)
     */
    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            return decoder.decode(data);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot decode " + recordName + " from topic " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    @Override
    public void close() {
        // nothing to release; overrides the three interfaces' conflicting defaults
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // configured by construction
    }
}
