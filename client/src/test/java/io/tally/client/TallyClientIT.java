package io.tally.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.avro.AccountBalance;
import io.tally.embedded.testing.TestInfrastructure;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against the real stack ({@link ClientStack}: embedded KRaft broker, ledger-service and the projector
 * in this JVM): every operation's outcome as a value, retries under one idempotency key that append once,
 * read-your-writes, and the Kafka path from {@link LedgerRequestProducer} to {@link BalanceConsumer}.
 */
class TallyClientIT {
    private static final String CZK = "CZK";
    @TempDir
    static Path dir;
    private static ClientStack stack;
    private static TallyClient client;

    @BeforeAll
    static void start() throws Exception {
        stack = new ClientStack(dir);
        client = stack.client(stack.ledgerUrl());
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    private static String account(String name) {
        return TestInfrastructure.uniqueName(name);
    }

    private static WriteOutcome.Accepted accepted(WriteOutcome outcome) {
        assertThat(outcome).isInstanceOf(WriteOutcome.Accepted.class);
        return (WriteOutcome.Accepted) outcome;
    }

    @Test
    void everyOperationAnswersItsBalancesAfter() {
        String payer = account("payer");
        String payee = account("payee");
        accepted(client.openAccount(payer, CZK, 2, 0));
        accepted(client.openAccount(payee, CZK, 2, 0));
        assertThat(accepted(client.credit(payer, 10_000, CZK)).availableMinor()).isEqualTo(10_000);
        WriteOutcome.Accepted charge = accepted(client.charge(payer, 1_500, CZK));
        assertThat(charge.availableMinor()).isEqualTo(8_500);
        WriteOutcome.Accepted hold = accepted(client.placeHold(payer, "ride-1", 2_000, CZK,
                Instant.parse("2099-01-01T00:00:00Z")));
        assertThat(hold.availableMinor()).isEqualTo(6_500);
        assertThat(hold.lockedMinor()).isEqualTo(2_000);
        WriteOutcome.Accepted capture = accepted(client.captureHold("ride-1", payer, 1_200, CZK, null));
        assertThat(capture.lockedMinor()).isEqualTo(800);
        WriteOutcome.Accepted release = accepted(client.releaseHold("ride-1", payer, null, CZK));
        assertThat(release.availableMinor()).isEqualTo(7_300);
        assertThat(release.lockedMinor()).isZero();
        WriteOutcome.Accepted refund = accepted(client.refundCharge(charge.eventIds().get(0), 500, CZK));
        assertThat(refund.availableMinor()).isEqualTo(7_800);
        WriteOutcome.Accepted transfer = accepted(client.transfer(payer, payee, 800, CZK));
        assertThat(transfer.availableMinor()).isEqualTo(7_000);

        List<WriteOutcome> batch = client.batch(List.of(
                new TallyClient.BatchItem(new WriteRequest.Credit(payee, 100, CZK, "first"), null),
                new TallyClient.BatchItem(new WriteRequest.Charge(payee, 1_000_000, CZK, null), null)));
        assertThat(accepted(batch.get(0)).availableMinor()).isEqualTo(900);
        assertThat(batch.get(1)).isInstanceOfSatisfying(WriteOutcome.Rejected.class,
                r -> assertThat(r.code()).isEqualTo("INSUFFICIENT_FUNDS"));

        WriteOutcome.Accepted last = accepted(client.credit(payee, 1, CZK));
        Balance payeeBalance = client.balance(payee, last.version(), null).orElseThrow();
        assertThat(payeeBalance.availableMinor()).isEqualTo(901);
        Balance payerBalance = client.balance(payer, transfer.version(), null).orElseThrow();
        assertThat(payerBalance.availableMinor()).isEqualTo(7_000);
        assertThat(payerBalance.lockedMinor()).isZero();
        assertThat(payerBalance.scale()).isEqualTo(2);
        Hold closed = client.hold(payer, "ride-1").orElseThrow();
        assertThat(closed.status()).isEqualTo("CLOSED");
        assertThat(closed.capturedMinor()).isEqualTo(1_200);
        assertThat(closed.releasedMinor()).isEqualTo(800);
        assertThat(client.holds(payer, false).orElseThrow()).extracting(Hold::holdId).containsExactly("ride-1");
        assertThat(client.holds(payer, true).orElseThrow()).isEmpty();
        assertThat(client.balance(account("nobody"))).isEmpty();
        // asOf: before the first credit was accepted there was only the opened account, at zero.
        Optional<Balance> asOfLater = client.balance(payer, null, Instant.now().plusSeconds(3600));
        assertThat(asOfLater.orElseThrow().availableMinor()).isEqualTo(7_000);
    }

    @Test
    void aBusinessRejectionAndAnInvalidRequestAreValues() {
        String acc = account("poor");
        accepted(client.openAccount(acc, CZK, 2, 0));
        WriteOutcome charge = client.charge(acc, 100, CZK);
        assertThat(charge).isInstanceOfSatisfying(WriteOutcome.Rejected.class, r -> {
            assertThat(r.code()).isEqualTo("INSUFFICIENT_FUNDS");
            assertThat(r.accountId()).isEqualTo(acc);
            assertThat(r.idempotencyKey()).isNotBlank();
        });
        WriteOutcome invalid = client.credit(acc, 100, "czk!");
        assertThat(invalid).isInstanceOfSatisfying(WriteOutcome.Invalid.class, i -> {
            assertThat(i.status()).isEqualTo(400);
            assertThat(i.fields()).extracting(WriteOutcome.FieldError::field).containsExactly("currency");
        });
        WriteOutcome reused = client.write(new WriteRequest.Credit(acc, 7, CZK, null), "key-" + acc);
        accepted(reused);
        WriteOutcome other = client.write(new WriteRequest.Credit(acc, 8, CZK, null), "key-" + acc);
        assertThat(other).isInstanceOfSatisfying(WriteOutcome.Rejected.class,
                r -> assertThat(r.code()).isEqualTo("IDEMPOTENCY_KEY_REUSED"));
    }

    @Test
    void a202IsFollowedUpUntilTheOutcomeAndAppendsOnce() {
        String acc = account("patient");
        accepted(client.openAccount(acc, CZK, 2, 0));
        TallyClient impatient = stack.client("http://127.0.0.1:" + stack.impatientHttp.port());
        String key = "credit-" + acc;
        WriteOutcome.Accepted first = accepted(impatient.write(new WriteRequest.Credit(acc, 250, CZK, null), key));
        assertThat(first.availableMinor()).isEqualTo(250);
        assertThat(first.idempotencyKey()).isEqualTo(key);
        // The same key again is the stored outcome, not a second credit.
        WriteOutcome.Accepted again = accepted(client.write(new WriteRequest.Credit(acc, 250, CZK, null), key));
        assertThat(again.replayed()).isTrue();
        assertThat(again.eventIds()).isEqualTo(first.eventIds());
        assertThat(again.version()).isEqualTo(first.version());
        WriteOutcome.Accepted later = accepted(client.credit(acc, 1, CZK));
        assertThat(client.balance(acc, later.version(), null).orElseThrow().availableMinor()).isEqualTo(251);
    }

    @Test
    void a503IsResentWithTheSameKeyAndAppendsOnce() {
        String acc = account("flaky");
        TallyClient viaFlaky = stack.client(stack.flaky.url());
        WriteOutcome.Accepted opened = accepted(viaFlaky.openAccount(acc, CZK, 2, 0));
        WriteOutcome.Accepted credit = accepted(viaFlaky.credit(acc, 400, CZK));
        assertThat(credit.availableMinor()).isEqualTo(400);
        assertThat(credit.version()).isEqualTo(opened.version() + 1);
        // Each write was refused once and resent once, under the key it was first sent with.
        // (Other tests post through the same front with keys of their own.)
        assertThat(stack.flaky.postedKeys.stream().filter(k -> k.equals(opened.idempotencyKey())
                || k.equals(credit.idempotencyKey()))).containsExactly(opened.idempotencyKey(), opened.idempotencyKey(),
                credit.idempotencyKey(), credit.idempotencyKey());
        assertThat(client.balance(acc, credit.version(), null).orElseThrow().availableMinor()).isEqualTo(400);
    }

    @Test
    void withoutRetriesA503IsUnavailable() {
        TallyClient once = TallyClient.builder().ledgerUrl(stack.flaky.url()).token(ClientStack.TOKEN)
                .retry(RetryBudget.none()).build();
        WriteOutcome outcome = once.openAccount(account("once"), CZK, 2, 0);
        assertThat(outcome).isInstanceOfSatisfying(WriteOutcome.Unavailable.class,
                u -> assertThat(u.status()).isEqualTo(503));
    }

    @Test
    void readYourWritesWithMinVersion() {
        String acc = account("ryw");
        accepted(client.openAccount(acc, CZK, 0, 0));
        for (int i = 1; i <= 5; i++) {
            WriteOutcome.Accepted credit = accepted(client.credit(acc, 10, CZK));
            Balance read = client.balance(acc, credit.version(), null).orElseThrow();
            assertThat(read.version()).isGreaterThanOrEqualTo(credit.version());
            assertThat(read.availableMinor()).isEqualTo(10L * i);
        }
    }

    @Test
    void aProducerGivenTheTopicsPublishesWhatLedgerServiceAccepts() {
        // The demo's way in: the process holds its LedgerTopics (name and encoding) rather than the config keys.
        // ledger-service dead-letters a record keyed other than by its account, so the balance proves the key too.
        String acc = account("topics");
        try (LedgerRequestProducer producer = new LedgerRequestProducer(stack.kafka, stack.topics)) {
            producer.openAccount(acc, CZK, 2, null);
            producer.credit(acc, 700, CZK, "credit-" + acc);
            producer.credit(acc, 700, CZK, "credit-" + acc);
            producer.charge(acc, 200, CZK, null);
            producer.flush();
        }
        Balance read = client.balance(acc, 3L, null).orElseThrow();
        assertThat(read.availableMinor()).as("opened, credited once under one idempotency key, charged")
                .isEqualTo(500);
        assertThat(read.version()).isEqualTo(3);
    }

    @Test
    void aRequestProducedToKafkaIsDecidedAndItsBalanceConsumed() throws Exception {
        String acc = account("kafka");
        Map<String, Object> config = new HashMap<>(stack.kafka);
        config.put("tally.serde", "single-object");
        try (LedgerRequestProducer producer = new LedgerRequestProducer(config, stack.topics.requests().name(),
                java.time.Clock.systemUTC())) {
            producer.openAccount(acc, CZK, 2, null);
            producer.credit(acc, 700, CZK, null);
            producer.charge(acc, 200, CZK, null);
            producer.flush();
        }
        Map<String, Object> consumerConfig = new HashMap<>(config);
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, TestInfrastructure.uniqueName("balances-reader"));
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        AccountBalance seen = null;
        try (KafkaConsumer<String, AccountBalance> consumer = BalanceConsumer.balances(consumerConfig)) {
            consumer.subscribe(List.of(stack.topics.balances().name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while ((seen == null || seen.getVersion() < 3) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, AccountBalance> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key().equals(acc)) {
                        seen = record.value();
                    }
                }
            }
        }
        assertThat(seen).as("the balance of " + acc + " on " + stack.topics.balances().name()).isNotNull();
        assertThat(seen.getAvailableMinor()).isEqualTo(500);
        assertThat(seen.getVersion()).isEqualTo(3);
        assertThat(client.balance(acc).orElseThrow().availableMinor()).isEqualTo(500);
    }
}
