package io.tally.ledger.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.avro.LedgerEvent;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.avro.RequestType;
import io.tally.core.BalanceField;
import io.tally.core.Currency;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile records straight onto {@code ledger.requests}, as a non-Java Kafka client could send them
 * (issue 21), against ledger-service on a real broker: each is dead-lettered with its own reason and
 * never stops the service; afterwards the victim's balance is what it was, nothing was appended for
 * any of them, and a valid request is still decided.
 */
class HostileKafkaInputIT {
    private static final String CASE = "hostile.case";

    @TempDir
    Path dir;

    /**
     * @param answered whether the sender gets a REJECTED outcome: the record decoded, and its request id
     *     can key one
     */
    private record Case(String name, byte[] key, byte[] value, String reason, boolean answered) {
        Case(String name, byte[] key, byte[] value, String reason) {
            this(name, key, value, reason, Set.of("INTERNAL_TYPE_ON_PUBLIC_TOPIC", "KEY_MISMATCH", "INVALID_ID",
                    "INVALID_REQUEST").contains(reason));
        }
    }

    @Test
    void everyHostileRecordIsDeadLetteredWithItsReasonAndTheLedgerIsUntouched() throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        LedgerTopics topics = TopicNames.withPrefix(TestInfrastructure.uniqueName("hostile") + ".", 4).in(ValueSerdes.singleObject());
        Map<String, Object> kafka = Map.of("bootstrap.servers", infra.bootstrapServers());
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        List<Case> cases = cases();
        Map<String, Object> rawConfig = new HashMap<>(kafka);
        rawConfig.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
        try (LedgerServiceApp app = new LedgerServiceApp(new LedgerServiceConfig(kafka,
                        TestInfrastructure.uniqueName("hostile-ledger"), dir, topics, 1), new SimpleMeterRegistry());
                KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(rawConfig, new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            app.start();
            app.awaitRunning(Duration.ofSeconds(60));
            send(raw, topics, RequestCodec.openAccount("open-victim", "open-victim", "victim", new Currency("CZK", 2), 0, 0));
            send(raw, topics, RequestCodec.credit("fund-victim", "fund-victim", "victim", "CZK", 1_000, 0, null));

            for (Case c : cases) {
                RecordHeaders headers = new RecordHeaders();
                headers.add(CASE, c.name().getBytes(StandardCharsets.UTF_8));
                raw.send(new ProducerRecord<>(topics.requests().name(), null, c.key(), c.value(), headers)).get();
            }
            send(raw, topics, RequestCodec.charge("after", "after", "victim", "CZK", 1, 0, null));

            List<ConsumerRecord<byte[], byte[]>> dead = DlqReader.readAll(kafka, topics.requestsDlq().name(), cases.size());
            Map<String, String> reasonByCase = new LinkedHashMap<>();
            for (ConsumerRecord<byte[], byte[]> d : dead) {
                reasonByCase.put(DeadLetters.header(d.headers(), CASE), DeadLetters.header(d.headers(), DeadLetters.REASON));
            }
            Map<String, String> expected = new LinkedHashMap<>();
            cases.forEach(c -> expected.put(c.name(), c.reason()));
            assertThat(dead).as("one dead letter per hostile record").hasSize(cases.size());
            assertThat(reasonByCase).containsExactlyInAnyOrderEntriesOf(expected);
            assertThat(app.state()).as("still deciding").isEqualTo(KafkaStreams.State.RUNNING);

            long answered = cases.stream().filter(Case::answered).count();
            List<LedgerResult> results = LedgerServiceIT.readAll(kafka, topics.results().name(),
                    ValueSerdes.singleObject().results().deserializer(), (int) answered + 3);
            assertThat(results).as("the three valid requests and every refused request that can be answered")
                    .hasSize((int) answered + 3);
            assertThat(results).filteredOn(r -> r.getRejectionCode() != null).hasSize((int) answered)
                    .extracting(LedgerResult::getRejectionCode).containsOnly("INVALID_REQUEST", "REQUEST_TYPE_NOT_ALLOWED");
            LedgerResult after = results.stream().filter(r -> r.getRequestId().equals("after")).findFirst().orElseThrow();
            assertThat(after.getRejectionCode()).isNull();
            assertThat(after.getAvailableAfterMinor()).as("the victim's balance before it was 1,000").isEqualTo(999L);
            List<LedgerEvent> events = LedgerServiceIT.readAll(kafka, topics.events().name(), ValueSerdes.singleObject().events().deserializer(), 3);
            assertThat(events).as("only the victim's three requests appended anything")
                    .extracting(LedgerEvent::getRequestId).containsExactly("open-victim", "fund-victim", "after");
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> raw, LedgerTopics topics, LedgerRequest request) throws Exception {
        raw.send(new ProducerRecord<>(topics.requests().name(), utf8(request.getAccountId()), encode(request))).get();
    }

    /** Every hostile record, with the reason its dead letter must carry: more than twenty kinds. */
    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        byte[] victim = utf8("victim");
        byte[] credit = encode(RequestCodec.credit("c", "c", "victim", "CZK", 1_000_000, 0, null));
        cases.add(new Case("null value", victim, null, "NULL_VALUE"));
        cases.add(new Case("empty value", victim, new byte[0], "NOT_AVRO"));
        cases.add(new Case("JSON instead of Avro", victim, utf8("{\"type\":\"CREDIT\",\"amountMinor\":5}"), "NOT_AVRO"));
        cases.add(new Case("Confluent framing on a single-object topic", victim, new byte[] {0, 0, 0, 0, 1, 2, 'x'}, "NOT_AVRO"));
        cases.add(new Case("three bytes", victim, new byte[] {1, 2, 3}, "NOT_AVRO"));
        byte[] otherFingerprint = credit.clone();
        ByteBuffer.wrap(otherFingerprint, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(42L);
        cases.add(new Case("unknown fingerprint", victim, otherFingerprint, "UNKNOWN_SCHEMA"));
        cases.add(new Case("a balance record", victim, ValueSerdes.singleObject().balances().serializer().serialize("t",
                AccountBalance.newBuilder().setAccountId("victim").setCurrency("CZK").setScale(2).setAvailableMinor(1)
                        .setLockedMinor(0).setVersion(1).setLastEventId("victim:1").setUpdatedAtMs(0).build()),
                "UNKNOWN_SCHEMA"));
        cases.add(new Case("body cut short", victim, Arrays.copyOf(credit, credit.length - 3), "MALFORMED_BODY"));
        byte[] gigabyteString = Arrays.copyOf(credit, 15);
        System.arraycopy(new byte[] {(byte) 0x80, (byte) 0xd0, (byte) 0xac, (byte) 0xf3, 0x0e}, 0, gigabyteString, 10, 5);
        cases.add(new Case("a 2 GB string claimed", victim, gigabyteString, "MALFORMED_BODY"));
        cases.add(new Case("trailing bytes", victim, Arrays.copyOf(credit, credit.length + 2), "TRAILING_BYTES"));
        byte[] megabyte = new byte[1_048_400];
        Arrays.fill(megabyte, (byte) 7);
        cases.add(new Case("a 1,048,400-byte record", victim, megabyte, "TOO_LARGE"));
        cases.add(new Case("forged payee side", victim,
                encode(RequestCodec.receiveTransfer("ghost:1", "victim", "CZK", "ghost", 1_000_000, 0)),
                "INTERNAL_TYPE_ON_PUBLIC_TOPIC"));
        cases.add(new Case("forged return", victim,
                encode(RequestCodec.returnTransfer("victim:9", "victim", "CZK", "ghost", 1_000_000, "x", 0)),
                "INTERNAL_TYPE_ON_PUBLIC_TOPIC"));
        cases.add(new Case("forged correction", victim, encode(RequestCodec.correct("run:victim", "fix", "victim", "CZK",
                BalanceField.AVAILABLE, 1_000_000, "run", "x", 0)), "INTERNAL_TYPE_ON_PUBLIC_TOPIC"));
        cases.add(new Case("keyed by another account", utf8("other"), credit, "KEY_MISMATCH"));
        cases.add(new Case("no key", null, credit, "KEY_MISMATCH"));
        byte[] hugeKey = new byte[200_000];
        Arrays.fill(hugeKey, (byte) 'k');
        cases.add(new Case("a 200 KB key", hugeKey, credit, "KEY_MISMATCH"));
        for (String bad : List.of("m1\u0000x", "a\nb", "../../etc/passwd", "x".repeat(5_000), "é", "a:b")) {
            cases.add(new Case("account id " + bad.substring(0, Math.min(8, bad.length())).replace("\u0000", "NUL")
                    .replace("\n", "LF"), utf8(bad), encode(RequestCodec.openAccount("o-" + cases.size(), "o", bad,
                    new Currency("CZK", 2), 0, 0)), "INVALID_ID"));
        }
        cases.add(new Case("hold id with a colon", victim,
                encode(RequestCodec.placeHold("h", "h", "victim", "CZK", "h:1", 5, null, 0)), "INVALID_ID"));
        cases.add(new Case("idempotency key of 256", victim,
                encode(RequestCodec.credit("k", "k".repeat(256), "victim", "CZK", 5, 0, null)), "INVALID_ID"));
        cases.add(new Case("charge id without a version", victim,
                encode(RequestCodec.refundCharge("rf", "rf", "victim", "CZK", "victim", 5, 0)), "INVALID_ID"));
        cases.add(new Case("request id with a newline", victim,
                encode(RequestCodec.credit("r\nINFO forged", "k2", "victim", "CZK", 5, 0, null)), "INVALID_ID", false));
        cases.add(new Case("unknown type", victim, encode(LedgerRequest.newBuilder(
                RequestCodec.credit("u", "u", "victim", "CZK", 5, 0, null)).setType(RequestType.UNKNOWN).build()),
                "INVALID_REQUEST"));
        cases.add(new Case("credit without an amount", victim, encode(LedgerRequest.newBuilder(
                RequestCodec.credit("na", "na", "victim", "CZK", 5, 0, null)).setAmountMinor(null).build()),
                "INVALID_REQUEST"));
        cases.add(new Case("NUL in the reference", victim,
                encode(RequestCodec.credit("ref", "ref", "victim", "CZK", 5, 0, "a\u0000b")), "INVALID_REQUEST"));
        cases.add(new Case("lower-case currency", victim,
                encode(RequestCodec.credit("cur", "cur", "victim", "czk", 5, 0, null)), "INVALID_REQUEST"));
        return cases;
    }

    private static byte[] encode(LedgerRequest request) {
        return ValueSerdes.singleObject().requests().serializer().serialize("t", request);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
