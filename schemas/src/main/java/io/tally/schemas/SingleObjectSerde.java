package io.tally.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
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
 * <p>A value decodes only whole: a body cut short, a length longer than the record, or bytes left
 * after the record are {@link UndecodableRecordException}s with a reason (DESIGN.md, Dead letters).
 *
 * <p>Thread-safe: Avro's datum readers are, and each thread encodes with its own writer and buffer.
 *
 * @param <T> the generated record class
 */
public final class SingleObjectSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
    /** The Avro specification's single-object marker. */
    private static final byte[] MARKER = {(byte) 0xC3, (byte) 0x01};

    /** Marker plus fingerprint. */
    private static final int HEADER_BYTES = MARKER.length + Long.BYTES;

    private final byte[] header;
    private final ThreadLocal<Encoding<T>> encoding;
    /** A reader per writer schema it resolves: the current schema's own and each released one's. */
    private final Map<Long, DatumReader<T>> readersByFingerprint = new HashMap<>();
    private final String recordName;

    private SingleObjectSerde(Schema schema, SpecificData model) {
        long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
        this.header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN).put(MARKER)
                .putLong(fingerprint).array();
        this.encoding = ThreadLocal.withInitial(() -> new Encoding<>(new SpecificDatumWriter<>(schema, model)));
        readersByFingerprint.put(fingerprint, new SpecificDatumReader<>(schema, schema, model));
        for (Schema released : ReleasedSchemas.versionsOf(schema.getFullName())) {
            readersByFingerprint.putIfAbsent(SchemaNormalization.parsingFingerprint64(released),
                    new SpecificDatumReader<>(released, schema, model));
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
     * Decodes a record: exactly one, with nothing after it.
     *
     * @return the record, or {@code null} for a {@code null} (tombstone) value
     * @throws UndecodableRecordException if the bytes are not a single-object encoded record of a known
     *     schema of this type; its reason says which: {@code NOT_AVRO} (no marker, too short),
     *     {@code UNKNOWN_SCHEMA} (a fingerprint of no schema of this type, current or released),
     *     {@code MALFORMED_BODY}, {@code TRAILING_BYTES}
     */
    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        String what = recordName + " from topic " + topic;
        if (data.length < HEADER_BYTES || data[0] != MARKER[0] || data[1] != MARKER[1]) {
            throw new UndecodableRecordException(UndecodableRecordException.Reason.NOT_AVRO, "cannot decode " + what
                    + ": not Avro single-object encoding (" + data.length + " bytes, no C3 01 marker and fingerprint)");
        }
        long fingerprint = ByteBuffer.wrap(data, MARKER.length, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong();
        DatumReader<T> reader = readersByFingerprint.get(fingerprint);
        if (reader == null) {
            throw new UndecodableRecordException(UndecodableRecordException.Reason.UNKNOWN_SCHEMA, String.format(
                    Locale.ROOT, "cannot decode %s: schema fingerprint %016x is no schema of %s, current or released",
                    what, fingerprint, recordName));
        }
        return BoundedDecoder.readWhole(reader, data, HEADER_BYTES, what);
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
    public void configure(Map<String, ?> configs, boolean isKey) {
        // configured by construction
    }
}
