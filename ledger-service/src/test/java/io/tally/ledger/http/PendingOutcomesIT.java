package io.tally.ledger.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.avro.LedgerResult;
import io.tally.avro.ResultStatus;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The outcomes reader on a real broker, as an instance that did not take the request sees it: an
 * outcome another instance already answered with must be known once {@link PendingOutcomes#caughtUp}
 * completes (issue 20: {@code GET /v1/requests/{id}} on every instance), and a transaction left open
 * by a writer must not hold the answer up.
 */
class PendingOutcomesIT {
    private static LedgerTopics topics;
    private static Map<String, Object> kafka;
    private static PendingOutcomes outcomes;

    @BeforeAll
    static void start() throws Exception {
        topics = TopicNames.withPrefix(TestInfrastructure.uniqueName("outcomes") + ".", 4).in(ValueSerdes.singleObject());
        kafka = Map.of("bootstrap.servers", TestInfrastructure.get().bootstrapServers());
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        outcomes = new PendingOutcomes(kafka, topics, 10_000);
    }

    @AfterAll
    static void stop() throws Exception {
        outcomes.close();
    }

    @Test
    void everyOutcomeCommittedBeforeTheQuestionIsKnownOnceCaughtUp() throws Exception {
        try (KafkaProducer<String, LedgerResult> producer = producer(null)) {
            for (int i = 0; i < 100; i++) {
                String requestId = "caught-up-" + i;
                producer.send(new ProducerRecord<>(topics.results().name(), "acct-" + (i % 7), result(requestId))).get();
                // Acknowledged: another instance could have answered the caller with it already. Without catching
                // up, 85 of 100 rounds did not know it yet (measured when this test was written).
                outcomes.caughtUp().get(10, TimeUnit.SECONDS);
                assertThat(outcomes.find(requestId)).as("known after catching up, round %d", i).isPresent();
            }
        }
    }

    @Test
    void aTransactionLeftOpenDoesNotHoldTheAnswerUpAndItsOutcomeCountsOnceCommitted() throws Exception {
        try (KafkaProducer<String, LedgerResult> producer = producer(TestInfrastructure.uniqueName("open-txn"))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topics.results().name(), "acct-open", result("in-open-txn"))).get();
            // Compared with the high watermark instead of the last stable offset, this would wait for the commit.
            outcomes.caughtUp().get(10, TimeUnit.SECONDS);
            assertThat(outcomes.find("in-open-txn")).as("not committed, not known").isEmpty();
            producer.commitTransaction();
            outcomes.caughtUp().get(10, TimeUnit.SECONDS);
            assertThat(outcomes.find("in-open-txn")).as("committed, known").isPresent();
        }
    }

    private static KafkaProducer<String, LedgerResult> producer(String transactionalId) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        if (transactionalId != null) {
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        return new KafkaProducer<>(config, topics.results().keySerde().serializer(), topics.results().valueSerde().serializer());
    }

    private static LedgerResult result(String requestId) {
        return LedgerResult.newBuilder().setRequestId(requestId).setIdempotencyKey("k-" + requestId).setAccountId("a")
                .setStatus(ResultStatus.ACCEPTED).setDecidedAtMs(0).build();
    }
}
