package io.tally.ledger.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.EventType;
import io.tally.avro.LedgerEvent;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.avro.ResultStatus;
import io.tally.core.BalanceField;
import io.tally.core.Currency;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write side's trust boundary (issue 21): which topic may carry which request type, ids outside
 * the grammar, records that do not decode whole, records too large, and dead letters that always fit.
 */
class RequestIntakeTopologyTest {
    private static final LedgerTopics TOPICS = TopicNames.defaults(1).in(ValueSerdes.singleObject());

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> publicTopic;
    private TestInputTopic<byte[], byte[]> operatorTopic;
    private TestInputTopic<byte[], byte[]> transferTopic;
    private TestOutputTopic<String, LedgerEvent> events;
    private TestOutputTopic<String, LedgerResult> results;
    private TestOutputTopic<byte[], byte[]> dlq;
    private int seq;

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "intake-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(DecideTopology.buildTopology(TOPICS, new SimpleMeterRegistry()), props);
        publicTopic = driver.createInputTopic(TOPICS.requests().name(), new ByteArraySerializer(), new ByteArraySerializer());
        operatorTopic = driver.createInputTopic(TOPICS.operatorRequests().name(), new ByteArraySerializer(), new ByteArraySerializer());
        transferTopic = driver.createInputTopic(TOPICS.transfers().name(), new ByteArraySerializer(), new ByteArraySerializer());
        events = driver.createOutputTopic(TOPICS.events().name(), new StringDeserializer(), ValueSerdes.singleObject().events().deserializer());
        results = driver.createOutputTopic(TOPICS.results().name(), new StringDeserializer(), ValueSerdes.singleObject().results().deserializer());
        dlq = driver.createOutputTopic(TOPICS.requestsDlq().name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        send(publicTopic, RequestCodec.openAccount("open", "open-a", "a", new Currency("CZK", 2), 0, 0));
        send(publicTopic, RequestCodec.credit("fund", "fund-a", "a", "CZK", 1_000, 0, null));
        events.readValuesToList();
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private LedgerResult send(TestInputTopic<byte[], byte[]> topic, LedgerRequest request) {
        topic.pipeInput(utf8(request.getAccountId()), ValueSerdes.singleObject().requests().serializer().serialize("t", request));
        return results.readValue();
    }

    /** The account's available balance now, read from a charge of 1 and its refund. */
    private long availableOfA() {
        LedgerResult charged = send(publicTopic, RequestCodec.charge("probe-" + ++seq, "probe-" + seq, "a", "CZK", 1, 0, null));
        send(publicTopic, RequestCodec.refundCharge("back-" + seq, "back-" + seq, "a", "CZK", charged.getEventIds().get(0), 1, 0));
        events.readValuesToList();
        return charged.getAvailableAfterMinor() + 1;
    }

    private TestRecord<byte[], byte[]> deadLetter(String reason) {
        TestRecord<byte[], byte[]> dead = dlq.readRecord();
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.REASON)).isEqualTo(reason);
        return dead;
    }

    @Test
    void aForgedPayeeSideOnThePublicTopicCreditsNothingAndIsAnswered() {
        LedgerResult forged = send(publicTopic, RequestCodec.receiveTransfer("ghost:7", "a", "CZK", "ghost", 1_000_000, 0));
        assertThat(forged.getStatus()).isEqualTo(ResultStatus.REJECTED);
        assertThat(forged.getRejectionCode()).isEqualTo("REQUEST_TYPE_NOT_ALLOWED");
        TestRecord<byte[], byte[]> dead = deadLetter("INTERNAL_TYPE_ON_PUBLIC_TOPIC");
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.DETAIL))
                .contains("RECEIVE_TRANSFER is internal", TOPICS.requests().name());
        assertThat(send(publicTopic, RequestCodec.returnTransfer("a:2", "a", "CZK", "ghost", 1_000_000, "x", 0))
                .getRejectionCode()).isEqualTo("REQUEST_TYPE_NOT_ALLOWED");
        deadLetter("INTERNAL_TYPE_ON_PUBLIC_TOPIC");
        assertThat(events.isEmpty()).isTrue();
        assertThat(availableOfA()).isEqualTo(1_000L);
    }

    @Test
    void aCorrectionIsTakenOnlyFromTheOperatorTopic() {
        LedgerRequest correction = RequestCodec.correct("run-1:a", "reconcile:src:a@v2", "a", "CZK", BalanceField.AVAILABLE,
                500, "run-1", "drift", 0);
        assertThat(send(publicTopic, correction).getRejectionCode()).isEqualTo("REQUEST_TYPE_NOT_ALLOWED");
        deadLetter("INTERNAL_TYPE_ON_PUBLIC_TOPIC");
        assertThat(events.isEmpty()).isTrue();

        LedgerResult corrected = send(operatorTopic, correction);
        assertThat(corrected.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(corrected.getAvailableAfterMinor()).isEqualTo(1_500L);
        assertThat(events.readValue().getType()).isEqualTo(EventType.CORRECTED);
    }

    @Test
    void theOperatorAndTransferTopicsCarryOnlyTheirOwnTypes() {
        assertThat(send(operatorTopic, RequestCodec.credit("c1", "c1", "a", "CZK", 5, 0, null)).getRejectionCode())
                .isEqualTo("REQUEST_TYPE_NOT_ALLOWED");
        deadLetter("TYPE_NOT_ALLOWED_ON_TOPIC");
        assertThat(send(transferTopic, RequestCodec.credit("c2", "c2", "a", "CZK", 5, 0, null)).getRejectionCode())
                .isEqualTo("REQUEST_TYPE_NOT_ALLOWED");
        deadLetter("TYPE_NOT_ALLOWED_ON_TOPIC");
        assertThat(send(transferTopic, RequestCodec.correct("run-1:a", "k", "a", "CZK", BalanceField.AVAILABLE, 5, "run-1",
                "x", 0)).getRejectionCode()).isEqualTo("REQUEST_TYPE_NOT_ALLOWED");
        deadLetter("TYPE_NOT_ALLOWED_ON_TOPIC");
        assertThat(availableOfA()).isEqualTo(1_000L);
    }

    @Test
    void aPublicRequestCannotTakeTheKeyOfATransfersPayeeSideAndBounceIt() {
        send(publicTopic, RequestCodec.openAccount("open-b", "open-b", "b", new Currency("CZK", 2), 0, 0));
        // a is at version 2: its transfer will be a:3, and b's side of it will carry the key receive:a:3.
        assertThat(send(publicTopic, RequestCodec.credit("squat", "receive:a:3", "b", "CZK", 1, 0, null)).getStatus())
                .isEqualTo(ResultStatus.ACCEPTED);
        events.readValuesToList();

        publicTopic.pipeInput(utf8("a"), ValueSerdes.singleObject().requests().serializer().serialize("t",
                RequestCodec.transfer("pay", "pay-b", "a", "CZK", "b", 300, 0)));

        List<LedgerResult> outcomes = results.readValuesToList();
        assertThat(outcomes).extracting(LedgerResult::getStatus).containsOnly(ResultStatus.ACCEPTED);
        assertThat(events.readValuesToList()).extracting(LedgerEvent::getType)
                .containsExactly(EventType.TRANSFER_SENT, EventType.TRANSFER_RECEIVED);
    }

    @Test
    void idsOutsideTheGrammarAreDeadLetteredAndAnsweredWhenTheRequestIdCanBe() {
        LedgerResult nul = send(publicTopic, RequestCodec.openAccount("r-nul", "k-nul", "m1\u0000x", new Currency("CZK", 2), 0, 0));
        assertThat(nul.getRejectionCode()).isEqualTo("INVALID_REQUEST");
        assertThat(DeadLetters.header(deadLetter("INVALID_ID").headers(), DeadLetters.DETAIL))
                .startsWith("accountId: must use only").contains("U+0000");
        publicTopic.pipeInput(utf8("a"), ValueSerdes.singleObject().requests().serializer().serialize("t",
                RequestCodec.credit("r\nforged log line", "k", "a", "CZK", 5, 0, null)));
        deadLetter("INVALID_ID");
        assertThat(results.isEmpty()).as("no outcome under a request id outside the grammar").isTrue();
        assertThat(events.isEmpty()).isTrue();
        assertThat(availableOfA()).isEqualTo(1_000L);
    }

    @Test
    void aValidRequestFollowedByBytesIsNotDecided() {
        byte[] clean = ValueSerdes.singleObject().requests().serializer().serialize("t",
                RequestCodec.credit("trail", "trail", "a", "CZK", 500, 0, null));
        publicTopic.pipeInput(utf8("a"), Arrays.copyOf(clean, clean.length + 4));
        deadLetter("TRAILING_BYTES");
        assertThat(results.isEmpty()).isTrue();
        assertThat(availableOfA()).isEqualTo(1_000L);
    }

    @Test
    void aRecordOfAMegabyteIsDeadLetteredCutToFitWithItsSizeAndHash() throws Exception {
        byte[] huge = new byte[1_048_400];
        Arrays.fill(huge, (byte) 'x');
        publicTopic.pipeInput(utf8("a"), huge);
        TestRecord<byte[], byte[]> dead = deadLetter("TOO_LARGE");
        assertThat(dead.value()).hasSize(DeadLetters.MAX_VALUE_BYTES);
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.TRUNCATED)).isEqualTo("value");
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.ORIGINAL_VALUE_BYTES)).isEqualTo("1048400");
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.ORIGINAL_VALUE_SHA256))
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(huge)));
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_OFFSET)).isNotNull();
        assertThat(availableOfA()).isEqualTo(1_000L);
    }

    @Test
    void aHugeKeyAndHugeHeadersAreCutFromTheDeadLetterToo() {
        byte[] key = new byte[200_000];
        Arrays.fill(key, (byte) 'k');
        RecordHeaders headers = new RecordHeaders();
        for (int i = 0; i < 40; i++) {
            headers.add("h" + i, new byte[1_000]);
        }
        publicTopic.pipeInput(new TestRecord<>(key, ValueSerdes.singleObject().requests().serializer().serialize("t",
                RequestCodec.credit("mis", "mis", "a", "CZK", 5, 0, null)), headers));
        TestRecord<byte[], byte[]> dead = deadLetter("KEY_MISMATCH");
        assertThat(dead.key()).hasSize(DeadLetters.MAX_KEY_BYTES);
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.TRUNCATED)).isEqualTo("headers,key");
        assertThat(dead.headers().lastHeader("h0")).isNull();
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.DETAIL)).hasSizeLessThan(300);
        assertThat(results.readValue().getRejectionCode()).as("the sender hears why").isEqualTo("INVALID_REQUEST");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
