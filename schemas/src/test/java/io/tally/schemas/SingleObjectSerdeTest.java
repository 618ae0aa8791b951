package io.tally.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.avro.AccountBalance;
import io.tally.avro.BalanceCorrection;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.avro.ResultStatus;
import io.tally.avro.internal.AccountSnapshot;
import io.tally.avro.internal.IdempotencyRecord;
import io.tally.core.Currency;
import io.tally.schemas.codec.RequestCodec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class SingleObjectSerdeTest {

    @Test
    void bytesFollowTheSpecsSingleObjectLayout() {
        LedgerRequest request = RequestCodec.credit("r1", "k1", "576", "CZK", 70_000, 0, "695247");
        byte[] bytes = ValueSerdes.singleObject().requests().serializer().serialize("t", request);
        // Avro spec: 0xC3 0x01, then the CRC-64-AVRO fingerprint of the writer schema, little-endian.
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fingerprint).isEqualTo(SchemaNormalization.parsingFingerprint64(LedgerRequest.getClassSchema()));
    }

    @Test
    void everyRecordRoundTrips() {
        LedgerResult result = LedgerResult.newBuilder().setRequestId("r").setIdempotencyKey("k").setAccountId("a")
                .setStatus(ResultStatus.ACCEPTED).setEventIds(List.of("a:2")).setVersion(2L).setDecidedAtMs(5).build();
        roundTrip(RequestCodec.openAccount("r", "k", "a", new Currency("CZK", 2), 10, 1));
        roundTrip(result);
        roundTrip(AccountBalance.newBuilder().setAccountId("a").setCurrency("CZK").setScale(2).setAvailableMinor(-5)
                .setLockedMinor(0).setVersion(3).setLastEventId("a:3").setUpdatedAtMs(9).build());
        roundTrip(BalanceCorrection.newBuilder().setCorrectionId("c").setRunId("run").setAccountId("a")
                .setSource("account_balances").setCurrency("CZK").setExpectedAvailableMinor(1).setActualAvailableMinor(2)
                .setExpectedLockedMinor(0).setActualLockedMinor(0).setDeltaMinor(-1).setReason("drift")
                .setCreatedAtMs(1).build());
        roundTrip(AccountSnapshot.newBuilder().setAccountId("a").setCurrency("CZK").setScale(2).setOverdraftLimitMinor(0)
                .setAvailableMinor(1).setLockedMinor(0).setVersion(1).build());
        roundTrip(IdempotencyRecord.newBuilder().setRequestHash(ByteBuffer.wrap(new byte[] {1, 2})).setOutcome(result).build());
    }

    @Test
    void garbageAndForeignRecordsFailWithAReason() {
        assertThatThrownBy(() -> ValueSerdes.singleObject().requests().deserializer().deserialize("t", new byte[] {1, 2, 3}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("cannot decode io.tally.avro.LedgerRequest");
        byte[] balance = ValueSerdes.singleObject().balances().serializer().serialize("t", AccountBalance.newBuilder()
                .setAccountId("a").setCurrency("CZK").setScale(2).setAvailableMinor(0).setLockedMinor(0).setVersion(1)
                .setLastEventId("a:1").setUpdatedAtMs(0).build());
        assertThatThrownBy(() -> ValueSerdes.singleObject().requests().deserializer().deserialize("t", balance))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void aRecordOfTheReleasedSchemaStillDecodes() throws Exception {
        // State stores and changelogs hold records written by release 1: the reader must resolve them.
        Schema v1 = ReleasedSchemas.find(1, AccountSnapshot.getClassSchema().getFullName()).orElseThrow();
        GenericData.Record old = new GenericData.Record(v1);
        old.put("accountId", "acct-1");
        old.put("currency", "CZK");
        old.put("scale", 2);
        old.put("overdraftLimitMinor", 500L);
        old.put("availableMinor", 1_234L);
        old.put("lockedMinor", 66L);
        old.put("version", 9L);
        byte[] bytes = toBytes(new BinaryMessageEncoder<GenericData.Record>(GenericData.get(), v1).encode(old));

        AccountSnapshot read = SingleObjectSerde.of(AccountSnapshot.class).deserialize("t", bytes);

        assertThat(read.getAccountId()).isEqualTo("acct-1");
        assertThat(read.getAvailableMinor()).isEqualTo(1_234L);
        assertThat(read.getLockedMinor()).isEqualTo(66L);
        assertThat(read.getVersion()).isEqualTo(9L);
        assertThat(read.getHolds()).isEmpty();
        assertThat(read.getRefundableByCharge()).isEmpty();
    }

    @Test
    void theRequestHashIgnoresRequestIdAndTimeButNothingElse() {
        LedgerRequest a = RequestCodec.charge("r1", "k", "a", "CZK", 100, 1, null);
        LedgerRequest retry = RequestCodec.charge("r2", "k", "a", "CZK", 100, 2, null);
        LedgerRequest other = RequestCodec.charge("r3", "k", "a", "CZK", 101, 1, null);
        assertThat(RequestCodec.requestHash(a)).isEqualTo(RequestCodec.requestHash(retry));
        assertThat(RequestCodec.requestHash(a)).isNotEqualTo(RequestCodec.requestHash(other));
    }

    @Test
    void theRequestHashIsTheOneStoredBeforeItWasComputedInPlace() throws Exception {
        // Idempotency stores keep the hashes of requests decided long ago: a retry must still match.
        for (LedgerRequest request : List.of(
                RequestCodec.charge("r1", "k", "a", "CZK", 100, 1, "ref"),
                RequestCodec.placeHold("r2", "k2", "acct-9", "EUR", "h1", 5_000, 1_700_000_000_000L, 7),
                RequestCodec.releaseHold("r3", "k3", "acct-9", "EUR", "h1", null, 9),
                RequestCodec.transfer("r4", "k4", "a", "CZK", "b", 1, 3))) {
            LedgerRequest canonical = LedgerRequest.newBuilder(request).setRequestId("").setRequestedAtMs(0).build();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            new SpecificDatumWriter<>(LedgerRequest.class).write(canonical, encoder);
            encoder.flush();
            byte[] before = MessageDigest.getInstance("SHA-256").digest(out.toByteArray());
            assertThat(RequestCodec.requestHash(request)).isEqualTo(before);
            assertThat(request.getRequestId()).isNotEmpty();
        }
    }

    @Test
    void theBytesAreAvrosOwnMessageEncoding() throws Exception {
        LedgerRequest request = RequestCodec.placeHold("r1", "k1", "576", "CZK", "h1", 70_000, 9L, 3);
        byte[] avros = toBytes(new BinaryMessageEncoder<LedgerRequest>(SpecificData.get(), LedgerRequest.getClassSchema()).encode(request));
        assertThat(ValueSerdes.singleObject().requests().serializer().serialize("t", request)).isEqualTo(avros);
        AccountSnapshot snapshot = AccountSnapshot.newBuilder().setAccountId("a").setCurrency("CZK").setScale(2)
                .setOverdraftLimitMinor(1).setAvailableMinor(2).setLockedMinor(3).setVersion(4)
                .setRefundableByCharge(Map.of("a:2", 5L)).build();
        assertThat(SingleObjectSerde.of(AccountSnapshot.class).serialize("t", snapshot)).isEqualTo(toBytes(
                new BinaryMessageEncoder<AccountSnapshot>(SpecificData.get(),
                        AccountSnapshot.getClassSchema()).encode(snapshot)));
    }

    private static byte[] toBytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecord> void roundTrip(T record) {
        SingleObjectSerde<T> serde = SingleObjectSerde.of((Class<T>) record.getClass());
        assertThat(serde.deserialize("t", serde.serialize("t", record))).isEqualTo(record);
    }
}
