package io.tally.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tally.avro.AccountBalance;
import io.tally.avro.LedgerEvent;
import io.tally.avro.LedgerRequest;
import io.tally.core.Balance;
import io.tally.core.Currency;
import io.tally.core.EventHeader;
import io.tally.schemas.UndecodableRecordException.Reason;
import io.tally.schemas.codec.EventCodec;
import io.tally.schemas.codec.RequestCodec;
import io.tally.schemas.registry.SchemaRegistryClient;
import io.tally.schemas.registry.TestSchemaRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Both encodings decode a value only whole, and say why when they cannot (issue 21): a valid
 * record followed by bytes, a fingerprint or id of no schema of the type, a schema of another type,
 * a body cut short, and a length that claims more than the record holds.
 */
class StrictDecodingTest {
    private final TestSchemaRegistry registry = TestSchemaRegistry.start();
    private final SchemaRegistryClient client = SchemaRegistryClient.of(registry.url());
    private final ConfluentAvroSerde<LedgerRequest> confluent = ConfluentAvroSerde.of(LedgerRequest.class, client);
    private final Deserializer<LedgerRequest> singleObject = ValueSerdes.singleObject().requests().deserializer();
    private final LedgerRequest credit = RequestCodec.credit("r1", "k1", "acct-1", "CZK", 500, 7, "ref");

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void aValidRecordFollowedByBytesIsTrailingBytesInBothEncodings() {
        byte[] clean = ValueSerdes.singleObject().requests().serializer().serialize("t", credit);
        assertThat(singleObject.deserialize("t", clean)).isEqualTo(credit);
        assertThat(reason(singleObject, append(clean, (byte) 0x02, (byte) 'x'))).isEqualTo(Reason.TRAILING_BYTES);
        assertThat(message(singleObject, append(clean, (byte) 0))).contains("1 bytes left");

        byte[] framed = confluent.serialize("t", credit);
        assertThat(confluent.deserialize("t", framed)).isEqualTo(credit);
        assertThat(reason(confluent, append(framed, (byte) 0))).isEqualTo(Reason.TRAILING_BYTES);
    }

    @Test
    void aFingerprintOfNoKnownSchemaIsUnknownSchema() {
        byte[] bytes = ValueSerdes.singleObject().requests().serializer().serialize("t", credit);
        ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(0x0123456789abcdefL);
        assertThat(reason(singleObject, bytes)).isEqualTo(Reason.UNKNOWN_SCHEMA);
        assertThat(message(singleObject, bytes)).contains("0123456789abcdef");
    }

    @Test
    void aRecordOfAnotherTypeIsUnknownInSingleObjectAndUnresolvableInConfluent() {
        AccountBalance balance = AccountBalance.newBuilder().setAccountId("a").setCurrency("CZK").setScale(2)
                .setAvailableMinor(0).setLockedMinor(0).setVersion(1).setLastEventId("a:1").setUpdatedAtMs(0).build();
        assertThat(reason(singleObject, ValueSerdes.singleObject().balances().serializer().serialize("t", balance)))
                .isEqualTo(Reason.UNKNOWN_SCHEMA);

        byte[] event = ConfluentAvroSerde.of(LedgerEvent.class, client).serialize("t", EventCodec.toAvro(
                new io.tally.core.LedgerEvent.Credited(new EventHeader("a:1", "a", 1, "r", "k", 0), 5, new Balance(5, 0)),
                new Currency("CZK", 2), null));
        assertThat(reason(confluent, event)).isEqualTo(Reason.UNRESOLVABLE_SCHEMA);
    }

    @Test
    void anUnknownRegistryIdIsUnknownSchemaAndAnotherMagicByteIsNotAvro() {
        byte[] framed = confluent.serialize("t", credit);
        ByteBuffer.wrap(framed, 1, 4).putInt(999_999);
        assertThat(reason(confluent, framed)).isEqualTo(Reason.UNKNOWN_SCHEMA);
        assertThat(reason(confluent, new byte[] {1, 0, 0, 0, 1, 2})).isEqualTo(Reason.NOT_AVRO);
        assertThat(reason(confluent, new byte[] {0, 0})).isEqualTo(Reason.NOT_AVRO);
        assertThat(reason(singleObject, new byte[] {(byte) 0xC3, 0x01, 1})).isEqualTo(Reason.NOT_AVRO);
        assertThat(reason(singleObject, "{\"accountId\":\"a\"}".getBytes())).isEqualTo(Reason.NOT_AVRO);
    }

    @Test
    void aBodyCutShortIsMalformed() {
        byte[] clean = ValueSerdes.singleObject().requests().serializer().serialize("t", credit);
        for (int cut = 11; cut < clean.length; cut += 3) {
            assertThat(reason(singleObject, Arrays.copyOf(clean, cut))).as("cut at %d", cut).isEqualTo(Reason.MALFORMED_BODY);
        }
    }

    @Test
    void aLengthClaimingGibibytesIsRefusedBeforeAnythingIsAllocated() {
        // Header, then requestId's length as a zig-zag varint of 2,000,000,000: Avro's own decoder would
        // allocate 2 GB for it before finding the record short (an OutOfMemoryError under -Xmx2g).
        byte[] header = Arrays.copyOf(ValueSerdes.singleObject().requests().serializer().serialize("t", credit), 10);
        byte[] forged = append(header, zigZagVarint(2_000_000_000L));
        long before = usedHeap();
        UndecodableRecordException e = catchThrowableOfType(() -> singleObject.deserialize("t", forged),
                UndecodableRecordException.class);
        assertThat(e.reason()).isEqualTo(Reason.MALFORMED_BODY);
        assertThat(e.getMessage()).contains("a length of 2000000000 bytes in a record body of 5");
        assertThat(usedHeap() - before).as("bytes allocated").isLessThan(100_000_000L);

        byte[] framed = append(Arrays.copyOf(confluent.serialize("t", credit), 5), zigZagVarint(2_000_000_000L));
        assertThat(reason(confluent, framed)).isEqualTo(Reason.MALFORMED_BODY);
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private static Reason reason(Deserializer<LedgerRequest> d, byte[] bytes) {
        return catchThrowableOfType(() -> d.deserialize("t", bytes), UndecodableRecordException.class).reason();
    }

    private static String message(Deserializer<LedgerRequest> d, byte[] bytes) {
        return catchThrowableOfType(() -> d.deserialize("t", bytes), UndecodableRecordException.class).getMessage();
    }

    private static byte[] append(byte[] a, byte... b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] zigZagVarint(long n) {
        long z = (n << 1) ^ (n >> 63);
        ByteBuffer out = ByteBuffer.allocate(10);
        while ((z & ~0x7FL) != 0) {
            out.put((byte) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.put((byte) z);
        return Arrays.copyOf(out.array(), out.position());
    }
}
