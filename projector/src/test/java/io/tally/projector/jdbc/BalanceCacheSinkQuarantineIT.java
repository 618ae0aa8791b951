package io.tally.projector.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.projector.Eventually;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, "no sink stalls on one row": rows PostgreSQL refuses for good and records that cannot be
 * decoded are planted on {@code ledger.balances} between good rows of other accounts; the sink writes
 * the good ones and quarantines the bad ones, once, on the real broker and PostgreSQL of
 * {@link TestInfrastructure}. One partition, so the bad rows share a poll (a batch) with good ones.
 */
class BalanceCacheSinkQuarantineIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** What the hostile user opened: text cannot hold NUL (SQLSTATE 22021). */
    private static final String NUL_ID = "m1\u0000x";
    /** A balance of version 0 breaks account_balances' CHECK (version >= 1) (SQLSTATE 23514). */
    private static final String ZERO_VERSION_ID = "zero-version";

    private SinkFixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new SinkFixture("quarantine", 1);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void refusedRowsAreQuarantinedOnceAndEveryOtherAccountKeepsFlowing() throws Exception {
        List<AccountBalance> good = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            good.add(balance("acct-" + i, 1, 100 + i));
        }
        List<AccountBalance> first = new ArrayList<>(good.subList(0, 17));
        first.add(balance(NUL_ID, 1, 500));
        first.addAll(good.subList(17, 31));
        first.add(balance(ZERO_VERSION_ID, 0, 7));
        first.addAll(good.subList(31, 40));
        send(first);

        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        String group = TestInfrastructure.uniqueName("quarantine-group");
        try (BalanceCacheSink sink = new BalanceCacheSink(fixture.kafka, group, fixture.topics, fixture.database).bindTo(metrics)) {
            sink.start();
            awaitTable(sink, good);
            assertThat(sink.rowsApplied()).isEqualTo(40);
            assertThat(sink.rowsQuarantined()).isEqualTo(2);

            // The sink is not stuck: later balances of other accounts, and of one whose row was refused, flow on.
            AccountBalance acct0v2 = balance("acct-0", 2, 9_999);
            AccountBalance late = balance("late", 1, 1);
            send(List.of(acct0v2, balance(NUL_ID, 2, 600), late));
            List<AccountBalance> expected = new ArrayList<>(good);
            expected.set(0, acct0v2);
            expected.add(late);
            awaitTable(sink, expected);
            assertThat(sink.rowsQuarantined()).isEqualTo(3);
            assertThat(quarantineCount(metrics, "rejected", "22")).isEqualTo(2);
            assertThat(quarantineCount(metrics, "rejected", "23")).isEqualTo(1);
            assertThat(quarantineCount(metrics, "undecodable", "none")).isZero();
        }

        List<QuarantinedBalance> quarantine = quarantine();
        assertThat(quarantine).extracting(QuarantinedBalance::accountId, QuarantinedBalance::accountIdPrintable,
                        QuarantinedBalance::version, QuarantinedBalance::reason, QuarantinedBalance::sqlState,
                        QuarantinedBalance::sourceOffset)
                .containsExactly(
                        tuple(NUL_ID, "m1\\u0000x", 1L, QuarantinedBalance.Reason.REJECTED, "22021", 17L),
                        tuple(ZERO_VERSION_ID, ZERO_VERSION_ID, 0L, QuarantinedBalance.Reason.REJECTED, "23514", 32L),
                        tuple(NUL_ID, "m1\\u0000x", 2L, QuarantinedBalance.Reason.REJECTED, "22021", 43L));
        assertThat(quarantine.get(0).message()).contains("invalid byte sequence for encoding \"UTF8\": 0x00");
        assertThat(quarantine.get(1).message()).contains("account_balances_version_check");
        assertThat(quarantine).allSatisfy(q -> assertThat(q.quarantinedAt()).isNotNull());

        // A new group replays the topic from the beginning: the same records are refused again, and
        // already quarantined, so nothing is added or counted twice.
        SimpleMeterRegistry replayMetrics = new SimpleMeterRegistry();
        try (BalanceCacheSink replay = new BalanceCacheSink(fixture.kafka, TestInfrastructure.uniqueName("quarantine-replay"),
                fixture.topics, fixture.database).bindTo(replayMetrics)) {
            replay.start();
            Eventually.await("the replay has read every record", TIMEOUT, replay::isCaughtUp);
            assertThat(replay.rowsApplied()).isZero();
            assertThat(replay.rowsQuarantined()).isZero();
            assertThat(quarantineCount(replayMetrics, "rejected", "22")).isZero();
        }
        assertThat(quarantine()).hasSize(3);
    }

    @Test
    void aRowItsApplicationSqlRefusesIsQuarantinedWhole() throws Exception {
        fixture.jdbi.useHandle(h -> {
            h.execute("CREATE TABLE wallets (id text PRIMARY KEY, balance bigint NOT NULL CHECK (balance >= 0))");
            h.execute("INSERT INTO wallets VALUES ('a', 0), ('b', 0), ('c', 0)");
        });
        String sql = "UPDATE wallets SET balance = :available WHERE id = :account_id";
        AccountBalance a1 = balance("a", 1, 100);
        AccountBalance c1 = balance("c", 1, 50);
        send(List.of(a1, balance("b", 1, -5), c1));
        try (BalanceCacheSink sink = new BalanceCacheSink(fixture.kafka, TestInfrastructure.uniqueName("quarantine-app"), fixture.topics,
                fixture.database, Optional.of(sql))) {
            sink.start();
            awaitTable(sink, List.of(a1, c1));
            // b's account_balances row did not move either: the row is all or nothing.
            assertThat(wallets()).containsExactly("a 100", "b 0", "c 50");
            assertThat(quarantine()).extracting(QuarantinedBalance::accountId, QuarantinedBalance::version,
                            QuarantinedBalance::sqlState)
                    .containsExactly(tuple("b", 1L, "23514"));
            assertThat(quarantine().get(0).message()).contains("wallets_balance_check");

            AccountBalance b2 = balance("b", 2, 10);
            send(List.of(b2));
            awaitTable(sink, List.of(a1, b2, c1));
            assertThat(wallets()).containsExactly("a 100", "b 10", "c 50");
            assertThat(sink.rowsQuarantined()).isEqualTo(1);
        }
    }

    @Test
    void anUndecodableRecordIsQuarantinedWithItsBytesAndTheSinkGoesOn() throws Exception {
        byte[] garbage = "not a balance".getBytes(StandardCharsets.UTF_8);
        AccountBalance a1 = balance("a", 1, 1);
        AccountBalance b1 = balance("b", 1, 2);
        send(List.of(a1));
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.get().bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(fixture.topics.balances().name(), "u".getBytes(StandardCharsets.UTF_8), garbage)).get();
        }
        send(List.of(b1));

        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        String group = TestInfrastructure.uniqueName("quarantine-undecodable");
        try (BalanceCacheSink sink = new BalanceCacheSink(fixture.kafka, group, fixture.topics, fixture.database).bindTo(metrics)) {
            sink.start();
            awaitTable(sink, List.of(a1, b1));
            assertThat(quarantineCount(metrics, "undecodable", "none")).isEqualTo(1);
        }
        List<QuarantinedBalance> quarantine = quarantine();
        assertThat(quarantine).extracting(QuarantinedBalance::accountId, QuarantinedBalance::version,
                        QuarantinedBalance::reason, QuarantinedBalance::sqlState, QuarantinedBalance::sourceOffset)
                .containsExactly(tuple("u", null, QuarantinedBalance.Reason.UNDECODABLE, null, 1L));
        assertThat(quarantine.get(0).recordValue()).isEqualTo(garbage);
        assertThat(quarantine.get(0).message()).contains("offset 1", "cannot decode io.tally.avro.AccountBalance");

        // Restarted with the same group: it resumes past the record, quarantined once.
        try (BalanceCacheSink restarted = new BalanceCacheSink(fixture.kafka, group, fixture.topics, fixture.database)) {
            restarted.start();
            Eventually.await("the restarted sink is caught up", TIMEOUT, restarted::isCaughtUp);
            assertThat(restarted.rowsQuarantined()).isZero();
        }
        assertThat(quarantine()).hasSize(1);
    }

    private double quarantineCount(SimpleMeterRegistry metrics, String reason, String sqlStateClass) {
        return metrics.get(BalanceCacheSink.QUARANTINED_COUNTER).tags("reason", reason, "sqlstate_class", sqlStateClass)
                .functionCounter().count();
    }

    private List<QuarantinedBalance> quarantine() {
        return fixture.jdbi.withExtension(BalanceQuarantineTable.class, BalanceQuarantineTable::findAll);
    }

    private List<String> wallets() {
        return fixture.jdbi.withHandle(h -> h.createQuery("SELECT id || ' ' || balance FROM wallets ORDER BY id")
                .mapTo(String.class).list());
    }

    private void send(List<AccountBalance> balances) {
        fixture.send(balances);
    }

    private void awaitTable(BalanceCacheSink sink, List<AccountBalance> expected) throws InterruptedException {
        List<CachedBalance> rows = expected.stream().map(CachedBalance::of)
                .sorted(Comparator.comparing(CachedBalance::accountId)).toList();
        Eventually.await("account_balances holds " + rows.size() + " rows " + rows, TIMEOUT,
                () -> sink.isCaughtUp() && table().equals(rows));
    }

    private List<CachedBalance> table() {
        return fixture.table().stream().sorted(Comparator.comparing(CachedBalance::accountId)).toList();
    }

    private static AccountBalance balance(String accountId, long version, long availableMinor) {
        return AccountBalance.newBuilder().setAccountId(accountId).setCurrency("CZK").setScale(2)
                .setAvailableMinor(availableMinor).setLockedMinor(0).setVersion(version)
                .setLastEventId(accountId + ":" + version).setUpdatedAtMs(1_700_000_000_123L + version * 1_000)
                .build();
    }
}
