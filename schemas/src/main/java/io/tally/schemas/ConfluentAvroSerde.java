package io.tally.schemas;

import io.tally.schemas.registry.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
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
 * Kafka serde for a generated Avro record in the Confluent wire format (Confluent's Schema Registry
 * documentation, "Wire format"): byte 0 the magic byte {@code 0x00}, bytes 1–4 the schema id as a
 * big-endian int, then the Avro binary encoding of the record (no single-object header). Consumers
 * using Confluent's {@code KafkaAvroDeserializer} read these records unchanged. Confluent's own
 * serializer is not on Maven Central, hence this one (DESIGN.md, Serialization).
 *
 * <p>The serializer registers the writer schema (the generated class's) under the topic-value
 * subject naming strategy, {@code <topic>-value}; the deserializer looks the writer schema up by
 * id and resolves it against the generated class's schema with Avro's schema resolution, so a reader
 * with a newer schema reads older records. Both lookups are cached by {@link SchemaRegistryClient}.
 *
 * <p>Errors: bad input (wrong magic byte, too short, unknown schema id, a writer schema that does not
 * resolve against the reader's, a body that does not match its schema or has bytes after it) is an
 * {@link UndecodableRecordException} whose reason says which; a registry that cannot be reached is a
 * {@link io.tally.schemas.registry.SchemaRegistryException}, so that good records are not
 * dead-lettered during an outage.
 *
 * <p>Thread-safe.
 *
 * @param <T> the generated record class
 */
public final class ConfluentAvroSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
    /** The first byte of every record in the Confluent wire format. */
    public static final byte MAGIC_BYTE = 0x0;
    /** Magic byte plus 4-byte schema id. */
    public static final int HEADER_BYTES = 5;

    private final SchemaRegistryClient registry;
    private final SpecificData model;
    private final Schema readerSchema;
    private final SpecificDatumWriter<T> writer;
    private final Map<Integer, DatumReader<T>> readersBySchemaId = new ConcurrentHashMap<>();

    private ConfluentAvroSerde(SchemaRegistryClient registry, SpecificData model, Schema schema) {
        this.registry = registry;
        this.model = model;
        this.readerSchema = schema;
        this.writer = new SpecificDatumWriter<>(schema, model);
    }

    /**
     * A serde for {@code type}, a class generated from one of tally's schemas, with schema ids from
     * {@code registry}.
     *
     * @throws IllegalArgumentException if the class has no Avro schema
     */
    public static <T extends SpecificRecord> ConfluentAvroSerde<T> of(Class<T> type, SchemaRegistryClient registry) {
        SpecificData model = SpecificData.getForClass(type);
        Schema schema = model.getSchema(type);
        if (schema == null) {
            throw new IllegalArgumentException(type + " is not a generated Avro record");
        }
        return new ConfluentAvroSerde<>(registry, model, schema);
    }

    /** The subject a topic's values are registered under (Confluent's TopicNameStrategy). */
    public static String valueSubject(String topic) {
        return topic + "-value";
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        int schemaId = registry.register(valueSubject(topic), readerSchema);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(128);
            out.write(MAGIC_BYTE);
            out.write(ByteBuffer.allocate(4).putInt(schemaId).array());
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(data, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot encode " + readerSchema.getFullName() + " for topic " + topic
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Decodes a record: exactly one, with nothing after it.
     *
     * @return the record, or {@code null} for a {@code null} (tombstone) value
     * @throws UndecodableRecordException if the bytes are not a record of this type in the Confluent
     *     wire format; its reason says which: {@code NOT_AVRO} (shorter than the header, another magic
     *     byte), {@code UNKNOWN_SCHEMA} (an id the registry does not know), {@code UNRESOLVABLE_SCHEMA}
     *     (the writer schema cannot be read as this type: another record, an incompatible change),
     *     {@code MALFORMED_BODY}, {@code TRAILING_BYTES}
     * @throws io.tally.schemas.registry.SchemaRegistryException if the registry cannot be reached
     */
    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        String what = readerSchema.getFullName() + " from topic " + topic;
        if (data.length < HEADER_BYTES) {
            throw new UndecodableRecordException(UndecodableRecordException.Reason.NOT_AVRO, "cannot decode " + what
                    + ": " + data.length + " bytes, shorter than the Confluent wire format's 5-byte header");
        }
        if (data[0] != MAGIC_BYTE) {
            throw new UndecodableRecordException(UndecodableRecordException.Reason.NOT_AVRO, String.format(Locale.ROOT,
                    "cannot decode %s: magic byte 0x%02x, the Confluent wire format's is 0x00", what, data[0] & 0xff));
        }
        int schemaId = ByteBuffer.wrap(data, 1, 4).getInt();
        DatumReader<T> reader = readersBySchemaId.get(schemaId);
        if (reader == null) {
            reader = readerFor(schemaId, what);
            readersBySchemaId.putIfAbsent(schemaId, reader);
        }
        return BoundedDecoder.readWhole(reader, data, HEADER_BYTES, what + " with schema id " + schemaId);
    }

    /** A reader of records written with schema {@code schemaId}, if that schema resolves against this type's. */
    private DatumReader<T> readerFor(int schemaId, String what) {
        Schema writerSchema = registry.schemaById(schemaId).orElseThrow(() -> new UndecodableRecordException(
                UndecodableRecordException.Reason.UNKNOWN_SCHEMA,
                "cannot decode " + what + ": unknown schema id " + schemaId + " (not in the schema registry)"));
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writerSchema);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new UndecodableRecordException(UndecodableRecordException.Reason.UNRESOLVABLE_SCHEMA,
                    "cannot decode " + what + ": schema id " + schemaId + " (" + writerSchema.getFullName()
                            + ") cannot be read as " + readerSchema.getFullName() + ": "
                            + compatibility.getResult().getIncompatibilities());
        }
        return new SpecificDatumReader<>(writerSchema, readerSchema, model);
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
        // the registry client is shared and owns nothing that needs closing
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        // configured by construction
    }
}
