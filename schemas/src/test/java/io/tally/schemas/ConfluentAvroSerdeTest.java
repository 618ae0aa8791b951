package io.tally.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.avro.AccountBalance;
import io.tally.avro.BalanceCorrection;
import io.tally.avro.EventType;
import io.tally.avro.LedgerEvent;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.avro.RequestType;
import io.tally.avro.ResultStatus;
import io.tally.core.Currency;
import io.tally.schemas.codec.RequestCodec;
import io.tally.schemas.registry.SchemaRegistryClient;
import io.tally.schemas.registry.SchemaRegistryException;
import io.tally.schemas.registry.TestSchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Confluent wire format against its published description ("Wire format" in Confluent's Schema
 * Registry documentation), with {@link TestSchemaRegistry} standing in for the registry's REST API.
 */
class ConfluentAvroSerdeTest {
    private final TestSchemaRegistry registry = TestSchemaRegistry.start();
    private final SchemaRegistryClient client = SchemaRegistryClient.of(registry.url());

    @AfterEach
    void stop() {
        registry.close();
    }

    private static AccountBalance knownBalance() {
        return AccountBalance.newBuilder().setAccountId("a1").setCurrency("CZK").setScale(2).setAvailableMinor(-5)
                .setLockedMinor(300).setVersion(1).setLastEventId("a1:1").setUpdatedAtMs(64).build();
    }

    /**
     * Built by hand: magic byte 0; schema id 0x01020304 big-endian (so a little-endian writer would
     * show); then Avro binary: strings as zig-zag length + UTF-8, ints and longs as zig-zag varints.
     */
    private static final byte[] GOLDEN = {
        0x00, // magic byte
        0x01, 0x02, 0x03, 0x04, // schema id 16909060, big-endian
        0x04, 'a', '1', // accountId "a1": length 2 → zig-zag 4
        0x06, 'C', 'Z', 'K', // currency "CZK": length 3 → 6
        0x04, // scale 2 → 4
        0x09, // availableMinor -5 → 9
        (byte) 0xD8, 0x04, // lockedMinor 300 → 600 = 0b100_1011000: low 7 bits 0x58 | 0x80, then 0x04
        0x02, // version 1 → 2
        0x08, 'a', '1', ':', '1', // lastEventId "a1:1": length 4 → 8
        (byte) 0x80, 0x01, // updatedAtMs 64 → 128: 0x00 | 0x80, then 0x01
    };

    @Test
    void serializesToTheDocumentedBytes() {
        registry.put(0x01020304, "ledger.balances-value", AccountBalance.getClassSchema());
        ConfluentAvroSerde<AccountBalance> serde = ConfluentAvroSerde.of(AccountBalance.class, client);
        assertThat(serde.serialize("ledger.balances", knownBalance())).containsExactly(GOLDEN);
    }

    @Test
    void deserializesTheDocumentedBytes() {
        registry.put(0x01020304, "ledger.balances-value", AccountBalance.getClassSchema());
        ConfluentAvroSerde<AccountBalance> serde = ConfluentAvroSerde.of(AccountBalance.class, client);
        assertThat(serde.deserialize("ledger.balances", GOLDEN)).isEqualTo(knownBalance());
    }

    @Test
    void registersTheWriterSchemaUnderTheTopicValueSubjectOnceAndLooksUpEachIdOnce() {
        ConfluentAvroSerde<AccountBalance> writer = ConfluentAvroSerde.of(AccountBalance.class, client);
        byte[] first = writer.serialize("ledger.balances", knownBalance());
        writer.serialize("ledger.balances", knownBalance());
        int id = java.nio.ByteBuffer.wrap(first, 1, 4).getInt();
        assertThat(registry.subjectOf(id)).isEqualTo("ledger.balances-value");

        ConfluentAvroSerde<AccountBalance> reader =
                ConfluentAvroSerde.of(AccountBalance.class, SchemaRegistryClient.of(registry.url()));
        reader.deserialize("ledger.balances", first);
        reader.deserialize("ledger.balances", first);
        assertThat(registry.requests()).containsExactly(
                "POST /subjects/ledger.balances-value/versions", "GET /schemas/ids/" + id);
    }

    @Test
    void everySchemaRoundTrips() {
        ValueSerdes serdes = ValueSerdes.confluent(client);
        LedgerResult result = LedgerResult.newBuilder().setRequestId("r").setIdempotencyKey("k").setAccountId("a")
                .setStatus(ResultStatus.ACCEPTED).setEventIds(List.of("a:2")).setVersion(2L).setDecidedAtMs(5).build();
        LedgerEvent event = LedgerEvent.newBuilder().setEventId("a:1").setAccountId("a").setVersion(1)
                .setType(EventType.CREDITED).setRequestId("r").setIdempotencyKey("k").setCurrency("CZK").setScale(2)
                .setAmountMinor(70_000L).setAvailableAfterMinor(70_000).setLockedAfterMinor(0).setAcceptedAtMs(7).build();
        roundTrip(serdes.requests(), RequestCodec.openAccount("r", "k", "a", new Currency("CZK", 2), 10, 1));
        roundTrip(serdes.requests(), RequestCodec.credit("r1", "k1", "576", "CZK", 70_000, 0, "695247"));
        roundTrip(serdes.events(), event);
        roundTrip(serdes.results(), result);
        roundTrip(serdes.balances(), knownBalance());
        roundTrip(serdes.corrections(), BalanceCorrection.newBuilder().setCorrectionId("c").setRunId("run")
                .setAccountId("a").setSource("account_balances").setCurrency("CZK").setExpectedAvailableMinor(1)
                .setActualAvailableMinor(2).setExpectedLockedMinor(0).setActualLockedMinor(0).setDeltaMinor(-1)
                .setReason("drift").setCreatedAtMs(1).build());
    }

    @Test
    void aReaderWithTheNewerSchemaReadsRecordsOfTheReleasedOne() throws Exception {
        Schema released = ReleasedSchemas.find(1, LedgerRequest.getClassSchema().getFullName()).orElseThrow();
        assertThat(released).isNotEqualTo(LedgerRequest.getClassSchema());
        registry.put(7, "ledger.requests-value", released);
        GenericRecord old = new GenericData.Record(released);
        old.put("requestId", "r1");
        old.put("idempotencyKey", "k1");
        old.put("accountId", "576");
        old.put("type", new GenericData.EnumSymbol(released.getField("type").schema(), "CREDIT"));
        old.put("currency", "CZK");
        old.put("amountMinor", 70_000L);
        old.put("requestedAtMs", 3L);
        for (Schema.Field field : released.getFields()) {
            if (old.get(field.name()) == null && field.hasDefaultValue()) {
                old.put(field.name(), GenericData.get().getDefaultValue(field));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {0, 0, 0, 0, 7});
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(released).write(old, encoder);
        encoder.flush();

        LedgerRequest read = ConfluentAvroSerde.of(LedgerRequest.class, client).deserialize("ledger.requests", out.toByteArray());
        assertThat(read.getRequestId()).isEqualTo("r1");
        assertThat(read.getType()).isEqualTo(RequestType.CREDIT);
        assertThat(read.getAmountMinor()).isEqualTo(70_000L);
        assertThat(read.getDeltaMinor()).as("a field the released schema lacks takes its default").isNull();
    }

    @Test
    void anUnknownSchemaIdIsBadInputThatSaysSo() {
        byte[] bytes = GOLDEN.clone();
        bytes[1] = 0;
        bytes[2] = 0;
        bytes[3] = 0;
        bytes[4] = 42;
        assertThatThrownBy(() -> ConfluentAvroSerde.of(AccountBalance.class, client).deserialize("t", bytes))
                .isInstanceOf(SerializationException.class).hasMessageContaining("unknown schema id 42");
    }

    @Test
    void aWrongMagicByteOrAShortRecordIsBadInputThatSaysSo() {
        byte[] singleObject = ValueSerdes.singleObject().balances().serializer().serialize("t", knownBalance());
        ConfluentAvroSerde<AccountBalance> serde = ConfluentAvroSerde.of(AccountBalance.class, client);
        assertThatThrownBy(() -> serde.deserialize("t", singleObject))
                .isInstanceOf(SerializationException.class).hasMessageContaining("magic byte 0xc3");
        assertThatThrownBy(() -> serde.deserialize("t", new byte[] {0, 0}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("5-byte header");
        assertThat(registry.requests()).as("bad headers never reach the registry").isEmpty();
    }

    @Test
    void anUnreachableRegistryIsATransportFailureNotBadInput() {
        String url = registry.url();
        registry.close();
        ConfluentAvroSerde<AccountBalance> serde = ConfluentAvroSerde.of(AccountBalance.class, SchemaRegistryClient.of(url));
        assertThatThrownBy(() -> serde.deserialize("t", GOLDEN))
                .isInstanceOf(SchemaRegistryException.class).isNotInstanceOf(SerializationException.class);
    }

    @Test
    void configurationSelectsTheEncodingWithSingleObjectTheDefault() {
        assertThat(ValueSerdes.fromConfig(Map.of()).encoding()).isEqualTo(ValueSerdes.Encoding.SINGLE_OBJECT);
        assertThat(ValueSerdes.fromConfig(Map.of(ValueSerdes.SERDE_CONFIG, "confluent",
                ValueSerdes.REGISTRY_URL_CONFIG, registry.url())).requests()).isInstanceOf(ConfluentAvroSerde.class);
        assertThatThrownBy(() -> ValueSerdes.fromConfig(Map.of(ValueSerdes.SERDE_CONFIG, "confluent")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(ValueSerdes.REGISTRY_URL_CONFIG);
        assertThatThrownBy(() -> ValueSerdes.fromConfig(Map.of(ValueSerdes.SERDE_CONFIG, "json")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("single-object or confluent");
    }

    private static <T extends SpecificRecord> void roundTrip(org.apache.kafka.common.serialization.Serde<T> serde, T record) {
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", record))).isEqualTo(record);
    }
}
