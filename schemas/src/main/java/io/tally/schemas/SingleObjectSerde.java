package io.tally.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
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
 * <p>Thread-safe: Avro's message decoder is, and each thread encodes with its own writer and buffer.
 *
 * @param <T> the generated record class
 */
public final class SingleObjectSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
    /** The Avro specification's single-object marker. */
    private static final byte[] MARKER = {(byte) 0xC3, (byte) 0x01};

    private final byte[] header;
    private final ThreadLocal<Encoding<T>> encoding;
    private final BinaryMessageDecoder<T> decoder;
    private final String recordName;

    private SingleObjectSerde(Schema schema, SpecificData model) {
        this.header = ByteBuffer.allocate(MARKER.length + Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).put(MARKER)
                .putLong(SchemaNormalization.parsingFingerprint64(schema)).array();
        this.encoding = ThreadLocal.withInitial(() -> new Encoding<>(new SpecificDatumWriter<>(schema, model)));
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
            return encoding.get().encode(header, data);
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

    /**
     * One thread's writer, buffer and encoder. Avro's {@code BinaryMessageEncoder} writes the same
     * bytes, but one at a time into a synchronized stream and then copies them twice; this buffered
     * encoder into a reused buffer was a third cheaper on the write path.
     */
    private static final class Encoding<T> {
        private final SpecificDatumWriter<T> writer;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        private BinaryEncoder encoder;

        Encoding(SpecificDatumWriter<T> writer) {
            this.writer = writer;
        }

        byte[] encode(byte[] header, T data) throws IOException {
            out.reset();
            out.write(header);
            encoder = EncoderFactory.get().binaryEncoder(out, encoder);
            writer.write(data, encoder);
            encoder.flush();
            return out.toByteArray();
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
