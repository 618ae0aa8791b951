package io.tally.ledger.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.EventType;
import io.tally.avro.LedgerEvent;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.avro.RequestType;
import io.tally.avro.ResultStatus;
import io.tally.avro.internal.AccountSnapshot;
import io.tally.avro.internal.HoldSnapshot;
import io.tally.core.Currency;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecideTopologyTest {
    private static final LedgerTopics TOPICS = TopicNames.defaults(1).in(ValueSerdes.singleObject());
    private static final Currency CZK = new Currency("CZK", 2);

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, LedgerRequest> requests;
    private TestInputTopic<byte[], byte[]> rawRequests;
    private TestOutputTopic<String, LedgerEvent> events;
    private TestOutputTopic<String, LedgerResult> results;
    private TestOutputTopic<byte[], byte[]> dlq;
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private int seq;

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "decide-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(DecideTopology.buildTopology(TOPICS, metrics), props);
        requests = driver.createInputTopic(TOPICS.requests().name(), new StringSerializer(), ValueSerdes.singleObject().requests().serializer());
        rawRequests = driver.createInputTopic(TOPICS.requests().name(), new ByteArraySerializer(), new ByteArraySerializer());
        events = driver.createOutputTopic(TOPICS.events().name(), new StringDeserializer(), ValueSerdes.singleObject().events().deserializer());
        results = driver.createOutputTopic(TOPICS.results().name(), new StringDeserializer(), ValueSerdes.singleObject().results().deserializer());
        dlq = driver.createOutputTopic(TOPICS.requestsDlq().name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private LedgerResult send(LedgerRequest request) {
        return send(request, System.currentTimeMillis());
    }

    /** Sends at record time {@code timestampMs}: stream time, which hold expiry follows. */
    private LedgerResult send(LedgerRequest request, long timestampMs) {
        requests.pipeInput(request.getAccountId(), request, timestampMs);
        List<LedgerResult> out = results.readValuesToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).getRequestId()).isEqualTo(request.getRequestId());
        return out.get(0);
    }

    private LedgerRequest open(String account, long overdraftMinor) {
        return RequestCodec.openAccount("r" + ++seq, "open-" + account, account, CZK, overdraftMinor, 0);
    }

    private LedgerRequest credit(String account, String key, long amountMinor) {
        return RequestCodec.credit("r" + ++seq, key, account, "CZK", amountMinor, 0, null);
    }

    private LedgerRequest charge(String account, String key, long amountMinor) {
        return RequestCodec.charge("r" + ++seq, key, account, "CZK", amountMinor, 0, null);
    }

    @Test
    void acceptedRequestsAppendVersionedEventsWithBalancesAfter() {
        assertThat(send(open("576", 50_000)).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        send(credit("576", "t1", 70_000));
        LedgerResult charged = send(charge("576", "t2", 100_000));
        assertThat(charged.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(charged.getVersion()).isEqualTo(3L);
        assertThat(charged.getAvailableAfterMinor()).isEqualTo(-30_000L);
        assertThat(charged.getEventIds()).containsExactly("576:3");

        List<TestRecord<String, LedgerEvent>> appended = events.readRecordsToList();
        assertThat(appended).extracting(TestRecord::key).containsOnly("576");
        assertThat(appended).extracting(r -> r.value().getType())
                .containsExactly(EventType.ACCOUNT_OPENED, EventType.CREDITED, EventType.CHARGED);
        assertThat(appended).extracting(r -> r.value().getVersion()).containsExactly(1L, 2L, 3L);
        assertThat(appended.get(2).value().getAvailableAfterMinor()).isEqualTo(-30_000L);
        assertThat(appended.get(2).value().getIdempotencyKey()).isEqualTo("t2");
    }

    @Test
    void everyRejectionCodeTheSkeletonDecides() {
        assertThat(send(credit("nobody", "k0", 1)).getRejectionCode()).isEqualTo("ACCOUNT_NOT_FOUND");
        send(open("a", 1_000));
        assertThat(send(RequestCodec.openAccount("r" + ++seq, "open-again", "a", CZK, 0, 0)).getRejectionCode())
                .isEqualTo("ACCOUNT_EXISTS");
        assertThat(send(charge("a", "k1", 1_001)).getRejectionCode()).isEqualTo("INSUFFICIENT_FUNDS");
        assertThat(send(RequestCodec.credit("r" + ++seq, "k2", "a", "EUR", 5, 0, null)).getRejectionCode())
                .isEqualTo("CURRENCY_MISMATCH");
        assertThat(send(credit("a", "k3", 0)).getRejectionCode()).isEqualTo("INVALID_AMOUNT");
        send(credit("a", "k4", Long.MAX_VALUE));
        assertThat(send(credit("a", "k5", 1)).getRejectionCode()).isEqualTo("AMOUNT_OVERFLOW");
        assertThat(send(charge("a", "k4", 1)).getRejectionCode()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
        // Only the opening and the one accepted credit were appended.
        assertThat(events.readValuesToList()).extracting(LedgerEvent::getVersion).containsExactly(1L, 2L);
    }

    @Test
    void sameKeySameRequestReturnsTheOriginalOutcomeAndAppendsNothing() {
        send(open("a", 0));
        LedgerResult first = send(credit("a", "pay-1", 500));
        LedgerRequest retry = RequestCodec.credit("retry-1", "pay-1", "a", "CZK", 500, 99, null);
        LedgerResult again = send(retry);
        assertThat(again.getReplayed()).isTrue();
        assertThat(again.getRequestId()).isEqualTo("retry-1");
        assertThat(again.getEventIds()).isEqualTo(first.getEventIds());
        assertThat(again.getAvailableAfterMinor()).isEqualTo(500L);
        assertThat(events.readValuesToList()).hasSize(2);

        // A rejected outcome is remembered too: the same request stays rejected, even after funds arrive.
        LedgerResult refused = send(charge("a", "buy-1", 900));
        send(credit("a", "pay-2", 1_000));
        LedgerResult refusedAgain = send(RequestCodec.charge("retry-2", "buy-1", "a", "CZK", 900, 0, null));
        assertThat(refusedAgain.getRejectionCode()).isEqualTo(refused.getRejectionCode()).isEqualTo("INSUFFICIENT_FUNDS");
        assertThat(refusedAgain.getReplayed()).isTrue();
    }

    @Test
    void idempotencyKeysAreScopedToTheAccount() {
        send(open("a", 0));
        send(open("b", 0));
        assertThat(send(credit("a", "same", 1)).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(send(credit("b", "same", 1)).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
    }

    @Test
    void undecodableBytesGoToTheDlqWithReasonAndOrigin() {
        byte[] garbage = {1, 2, 3};
        rawRequests.pipeInput("a".getBytes(StandardCharsets.UTF_8), garbage);
        TestRecord<byte[], byte[]> dead = dlq.readRecord();
        assertThat(dead.value()).isEqualTo(garbage);
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.REASON)).isEqualTo("NOT_AVRO");
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.DETAIL)).contains("LedgerRequest");
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_TOPIC)).isEqualTo(TOPICS.requests().name());
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_OFFSET)).isEqualTo("0");
        assertThat(results.isEmpty()).isTrue();
        // The partition goes on: the next good request is decided.
        assertThat(send(open("a", 0)).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(metrics.counter("tally.ledger.requests", "outcome", "dead-lettered", "code", "NOT_AVRO").count())
                .isEqualTo(1.0);
    }

    @Test
    void malformedRequestsGoToTheDlqAndTheirSenderHearsWhy() {
        LedgerRequest noAmount = LedgerRequest.newBuilder(credit("a", "k", 1)).setAmountMinor(null).build();
        requests.pipeInput("a", noAmount);
        assertThat(DeadLetters.header(dlq.readRecord().headers(), DeadLetters.DETAIL)).startsWith("amountMinor:");
        LedgerResult result = results.readValue();
        assertThat(result.getRejectionCode()).isEqualTo("INVALID_REQUEST");

        LedgerRequest unknown = LedgerRequest.newBuilder(credit("a", "k2", 1)).setType(RequestType.UNKNOWN).build();
        requests.pipeInput("a", unknown);
        assertThat(DeadLetters.header(dlq.readRecord().headers(), DeadLetters.REASON)).isEqualTo("INVALID_REQUEST");
    }

    @Test
    void aRequestKeyedByAnotherAccountIsNotDecided() {
        requests.pipeInput("b", open("a", 0));
        assertThat(DeadLetters.header(dlq.readRecord().headers(), DeadLetters.REASON)).isEqualTo("KEY_MISMATCH");
        assertThat(events.isEmpty()).isTrue();
    }

    @Test
    void aCorrectionRequestAppendsACorrectedEventWithItsRun() {
        send(open("a", 0));
        TestInputTopic<String, LedgerRequest> operator = driver.createInputTopic(TOPICS.operatorRequests().name(),
                new StringSerializer(), ValueSerdes.singleObject().requests().serializer());
        requests = operator;
        LedgerResult corrected = send(RequestCodec.correct("r" + ++seq, "fix-1", "a", "CZK", io.tally.core.BalanceField.AVAILABLE,
                -10, "run-7", "bank statement is authoritative", 0));
        assertThat(corrected.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(corrected.getAvailableAfterMinor()).isEqualTo(-10L);
        LedgerEvent event = events.readValuesToList().get(1);
        assertThat(event.getType()).isEqualTo(EventType.CORRECTED);
        assertThat(event.getRunId()).isEqualTo("run-7");
        assertThat(event.getDeltaMinor()).isEqualTo(-10L);
        assertThat(event.getBalanceField()).isEqualTo("AVAILABLE");
    }

    private List<LedgerEvent> eventsOf(String account) {
        return events.readRecordsToList().stream().filter(r -> r.key().equals(account)).map(TestRecord::value).toList();
    }

    @Test
    void aCaptureWithAPayeeCreditsThePayeeOnceThroughTheTransferTopic() {
        send(open("buyer", 0));
        send(open("merchant", 0));
        send(credit("buyer", "k1", 10_000));
        send(RequestCodec.placeHold("r" + ++seq, "h-1", "buyer", "CZK", "order-1", 6_000, null, 0));
        events.readValuesToList();
        requests.pipeInput("buyer", RequestCodec.captureHold("r" + ++seq, "c-1", "buyer", "CZK", "order-1", 4_000, "merchant", 0));
        List<LedgerResult> outcomes = results.readValuesToList();
        assertThat(outcomes).extracting(LedgerResult::getStatus).containsOnly(ResultStatus.ACCEPTED);
        List<TestRecord<String, LedgerEvent>> appended = events.readRecordsToList();
        assertThat(appended).extracting(r -> r.value().getType())
                .containsExactly(EventType.HOLD_CAPTURED, EventType.TRANSFER_RECEIVED);
        LedgerEvent received = appended.get(1).value();
        assertThat(received.getAccountId()).isEqualTo("merchant");
        assertThat(received.getTransferId()).isEqualTo(appended.get(0).value().getEventId());
        assertThat(received.getAvailableAfterMinor()).isEqualTo(4_000L);
        assertThat(appended.get(0).value().getLockedAfterMinor()).isEqualTo(2_000L);
    }

    @Test
    void aTransferToAnAccountThatCannotTakeItComesBackToThePayer() {
        send(open("a", 0));
        send(credit("a", "k1", 5_000));
        requests.pipeInput("a", RequestCodec.transfer("r" + ++seq, "t-1", "a", "CZK", "ghost", 2_000, 0));
        List<LedgerResult> outcomes = results.readValuesToList();
        assertThat(outcomes).extracting(LedgerResult::getRejectionCode).contains("ACCOUNT_NOT_FOUND");
        List<LedgerEvent> appended = events.readValuesToList();
        assertThat(appended).extracting(LedgerEvent::getType)
                .containsExactly(EventType.ACCOUNT_OPENED, EventType.CREDITED, EventType.TRANSFER_SENT, EventType.TRANSFER_RETURNED);
        LedgerEvent returned = appended.get(3);
        assertThat(returned.getReason()).isEqualTo("ACCOUNT_NOT_FOUND");
        assertThat(returned.getAvailableAfterMinor()).isEqualTo(5_000L);
    }

    @Test
    void aHoldExpiresWhenStreamTimePassesItsExpiry() {
        send(open("a", 0), 1_000L);
        send(credit("a", "k1", 1_000), 2_000L);
        requests.pipeInput("a", RequestCodec.placeHold("r" + ++seq, "h", "a", "CZK", "h1", 700, 60_000L, 0), 10_000L);
        results.readValuesToList();
        events.readValuesToList();
        // Stream time moves with the records, not the wall clock.
        requests.pipeInput("a", credit("a", "k2", 1), 59_999L);
        assertThat(events.readValuesToList()).extracting(LedgerEvent::getType).containsExactly(EventType.CREDITED);
        requests.pipeInput("a", credit("a", "k3", 1), 61_500L);
        List<LedgerEvent> later = events.readValuesToList();
        assertThat(later).extracting(LedgerEvent::getType).contains(EventType.HOLD_EXPIRED);
        LedgerEvent expired = later.stream().filter(e -> e.getType() == EventType.HOLD_EXPIRED).findFirst().orElseThrow();
        assertThat(expired.getAmountMinor()).isEqualTo(700L);
        assertThat(expired.getLockedAfterMinor()).isZero();
    }

    @Test
    void holdAndRefundRejectionsCarryTheirCodes() {
        send(open("a", 0));
        send(credit("a", "k1", 1_000));
        assertThat(send(RequestCodec.placeHold("r" + ++seq, "h1", "a", "CZK", "h", 600, null, 0)).getStatus())
                .isEqualTo(ResultStatus.ACCEPTED);
        assertThat(send(RequestCodec.placeHold("r" + ++seq, "h2", "a", "CZK", "h", 1, null, 0)).getRejectionCode())
                .isEqualTo("HOLD_EXISTS");
        assertThat(send(RequestCodec.captureHold("r" + ++seq, "c1", "a", "CZK", "nope", 1, null, 0)).getRejectionCode())
                .isEqualTo("HOLD_NOT_FOUND");
        assertThat(send(RequestCodec.captureHold("r" + ++seq, "c2", "a", "CZK", "h", 601, null, 0)).getRejectionCode())
                .isEqualTo("AMOUNT_EXCEEDS_HOLD");
        assertThat(send(RequestCodec.releaseHold("r" + ++seq, "rel", "a", "CZK", "h", null, 0)).getStatus())
                .isEqualTo(ResultStatus.ACCEPTED);
        assertThat(send(RequestCodec.releaseHold("r" + ++seq, "rel2", "a", "CZK", "h", null, 0)).getRejectionCode())
                .isEqualTo("HOLD_CLOSED");
        LedgerResult charged = send(charge("a", "ch", 300));
        String chargeId = charged.getEventIds().get(0);
        assertThat(send(RequestCodec.refundCharge("r" + ++seq, "rf1", "a", "CZK", chargeId, 301, 0)).getRejectionCode())
                .isEqualTo("AMOUNT_EXCEEDS_REFUNDABLE");
        assertThat(send(RequestCodec.refundCharge("r" + ++seq, "rf2", "a", "CZK", "a:999", 1, 0)).getRejectionCode())
                .isEqualTo("CHARGE_NOT_FOUND");
        assertThat(send(RequestCodec.refundCharge("r" + ++seq, "rf3", "a", "CZK", chargeId, 300, 0)).getAvailableAfterMinor())
                .isEqualTo(1_000L);
        assertThat(send(RequestCodec.transfer("r" + ++seq, "t1", "a", "CZK", "a", 1, 0)).getRejectionCode())
                .isEqualTo("SAME_ACCOUNT");
    }

    @Test
    void aHoldPlacedLongAgoIsCapturedAmongThousandsOfClosedOnes() {
        send(open("a", 0));
        send(credit("a", "fund", 1_000_000));
        assertThat(send(RequestCodec.placeHold("r" + ++seq, "old", "a", "CZK", "old", 5_000, null, 0)).getStatus())
                .isEqualTo(ResultStatus.ACCEPTED);
        for (int i = 0; i < 2_000; i++) {
            send(RequestCodec.placeHold("r" + ++seq, "p" + i, "a", "CZK", "h" + i, 10, null, 0));
            send(RequestCodec.releaseHold("r" + ++seq, "x" + i, "a", "CZK", "h" + i, null, 0));
        }

        LedgerResult captured = send(RequestCodec.captureHold("r" + ++seq, "cap", "a", "CZK", "old", 3_000, null, 0));

        assertThat(captured.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(captured.getAvailableAfterMinor()).isEqualTo(995_000L);
        assertThat(captured.getLockedAfterMinor()).isEqualTo(2_000L);
        assertThat(send(RequestCodec.captureHold("r" + ++seq, "c2", "a", "CZK", "h1999", 1, null, 0)).getRejectionCode())
                .isEqualTo("HOLD_CLOSED");
        assertThat(send(RequestCodec.captureHold("r" + ++seq, "c3", "a", "CZK", "h2000", 1, null, 0)).getRejectionCode())
                .isEqualTo("HOLD_NOT_FOUND");
        assertThat(send(RequestCodec.placeHold("r" + ++seq, "p-again", "a", "CZK", "h7", 1, null, 0)).getRejectionCode())
                .isEqualTo("HOLD_EXISTS");
        assertThat(send(RequestCodec.captureHold("r" + ++seq, "c4", "a", "CZK", "old", 2_001, null, 0)).getRejectionCode())
                .isEqualTo("AMOUNT_EXCEEDS_HOLD");
        // What a request reads stays the same size however many holds the account has had.
        AccountSnapshot snapshot = accountStore().get("a");
        assertThat(snapshot.getHolds()).isEmpty();
        assertThat(snapshot.getLockedMinor()).isEqualTo(2_000L);
    }

    @Test
    void aChargeIsRefundedAmongAThousandOthers() {
        send(open("a", 0));
        send(credit("a", "fund", 1_000_000));
        String first = send(charge("a", "c0", 500)).getEventIds().get(0);
        for (int i = 1; i < 1_000; i++) {
            send(charge("a", "c" + i, 1));
        }

        LedgerResult refunded = send(RequestCodec.refundCharge("r" + ++seq, "rf1", "a", "CZK", first, 200, 0));

        assertThat(refunded.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(refunded.getAvailableAfterMinor()).isEqualTo(1_000_000L - 500 - 999 + 200);
        assertThat(send(RequestCodec.refundCharge("r" + ++seq, "rf2", "a", "CZK", first, 301, 0)).getRejectionCode())
                .isEqualTo("AMOUNT_EXCEEDS_REFUNDABLE");
        assertThat(send(RequestCodec.refundCharge("r" + ++seq, "rf3", "a", "CZK", first, 300, 0)).getStatus())
                .isEqualTo(ResultStatus.ACCEPTED);
        assertThat(send(RequestCodec.refundCharge("r" + ++seq, "rf4", "a", "CZK", first, 1, 0)).getRejectionCode())
                .isEqualTo("AMOUNT_EXCEEDS_REFUNDABLE");
        assertThat(send(RequestCodec.refundCharge("r" + ++seq, "rf5", "a", "CZK", "a:1003", 1, 0)).getRejectionCode())
                .isEqualTo("CHARGE_NOT_FOUND");
        assertThat(accountStore().get("a").getRefundableByCharge()).isEmpty();
    }

    @Test
    void aSnapshotWithHoldsAndChargesInsideStillDecides() {
        // As the release before hold and charge stores wrote it: everything in the account's snapshot.
        accountStore().put("a", AccountSnapshot.newBuilder().setAccountId("a").setCurrency("CZK").setScale(2)
                .setOverdraftLimitMinor(0).setAvailableMinor(9_000).setLockedMinor(700).setVersion(6)
                .setHolds(List.of(
                        HoldSnapshot.newBuilder().setHoldId("open").setAmountMinor(1_000).setCapturedMinor(300)
                                .setReleasedMinor(0).setExpiresAtMs(null).build(),
                        HoldSnapshot.newBuilder().setHoldId("closed").setAmountMinor(50).setCapturedMinor(0)
                                .setReleasedMinor(50).setExpiresAtMs(null).build()))
                .setRefundableByCharge(Map.of("a:3", 400L, "a:4", 0L))
                .build());

        LedgerResult captured = send(RequestCodec.captureHold("r" + ++seq, "cap", "a", "CZK", "open", 700, null, 0));

        assertThat(captured.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(captured.getVersion()).isEqualTo(7L);
        assertThat(captured.getLockedAfterMinor()).isEqualTo(0L);
        assertThat(send(RequestCodec.releaseHold("r" + ++seq, "rel", "a", "CZK", "closed", null, 0)).getRejectionCode())
                .isEqualTo("HOLD_CLOSED");
        assertThat(send(RequestCodec.refundCharge("r" + ++seq, "rf1", "a", "CZK", "a:4", 1, 0)).getRejectionCode())
                .isEqualTo("AMOUNT_EXCEEDS_REFUNDABLE");
        assertThat(send(RequestCodec.refundCharge("r" + ++seq, "rf2", "a", "CZK", "a:3", 400, 0)).getAvailableAfterMinor())
                .isEqualTo(9_400L);
        assertThat(send(RequestCodec.refundCharge("r" + ++seq, "rf3", "a", "CZK", "a:9", 1, 0)).getRejectionCode())
                .isEqualTo("CHARGE_NOT_FOUND");
        AccountSnapshot split = accountStore().get("a");
        assertThat(split.getHolds()).isEmpty();
        assertThat(split.getRefundableByCharge()).isEmpty();
        assertThat(split.getVersion()).isEqualTo(8L);
    }

    private KeyValueStore<String, AccountSnapshot> accountStore() {
        return driver.getKeyValueStore(DecideTopology.ACCOUNT_STORE);
    }

    @Test
    void withARetentionAKeyIsForgottenOnceItHasExpired() {
        driver.close();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "decide-retention");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("retention").toString());
        java.time.Instant start = java.time.Instant.parse("2026-11-23T00:00:00Z");
        driver = new TopologyTestDriver(DecideTopology.buildTopology(TOPICS, metrics, java.time.Duration.ofHours(24)), props, start);
        requests = driver.createInputTopic(TOPICS.requests().name(), new StringSerializer(), ValueSerdes.singleObject().requests().serializer());
        results = driver.createOutputTopic(TOPICS.results().name(), new StringDeserializer(), ValueSerdes.singleObject().results().deserializer());
        send(open("a", 0));
        send(credit("a", "pay-1", 100));
        driver.advanceWallClockTime(java.time.Duration.ofHours(23));
        assertThat(send(credit("a", "pay-1", 100)).getReplayed()).isTrue();
        driver.advanceWallClockTime(java.time.Duration.ofHours(2));
        LedgerResult afterRetention = send(credit("a", "pay-1", 100));
        assertThat(afterRetention.getReplayed()).isFalse();
        assertThat(afterRetention.getAvailableAfterMinor()).isEqualTo(200L);
    }
}
