package io.tally.projector.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.projector.Eventually;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link BalanceCacheSink} on the real broker and real PostgreSQL of {@link TestInfrastructure}. */
class BalanceCacheSinkIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private SinkFixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new SinkFixture("sink", 3);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void tableKeepsTheNewestVersionPerAccountAcrossRestartsAndReplays() throws Exception {
        AccountBalance a3 = balance("a", 3, 7_450);
        AccountBalance b2 = balance("b", 2, 1);
        AccountBalance c5 = balance("c", 5, -250);
        send(balance("a", 1, 0), balance("a", 2, 10_000), a3, b2, balance("b", 1, 0), c5);

        String group = TestInfrastructure.uniqueName("sink-group");
        try (BalanceCacheSink sink = new BalanceCacheSink(fixture.kafka, group, fixture.topics, fixture.database)) {
            sink.start();
            awaitTable(sink, a3, b2, c5);
        }

        // Restarted with the same group: resumes after its commit; a stale record changes nothing.
        AccountBalance c6 = balance("c", 6, 0);
        send(balance("a", 2, 10_000), c6);
        try (BalanceCacheSink restarted = new BalanceCacheSink(fixture.kafka, group, fixture.topics, fixture.database)) {
            restarted.start();
            awaitTable(restarted, a3, b2, c6);
            assertThat(restarted.rowsApplied()).as("only c moved forward").isEqualTo(1);
        }

        // A new group replays the whole topic: every row is already at or past each record's version.
        try (BalanceCacheSink replay = new BalanceCacheSink(fixture.kafka, TestInfrastructure.uniqueName("sink-replay"), fixture.topics,
                fixture.database)) {
            replay.start();
            awaitTable(replay, a3, b2, c6);
            assertThat(replay.rowsApplied()).isZero();
        }
    }

    @Test
    void resumesAfterADatabaseOutageWithoutLosingOrRepeatingRows() throws Exception {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (BalanceCacheSink sink =
                new BalanceCacheSink(fixture.kafka, TestInfrastructure.uniqueName("sink-group"), fixture.topics, fixture.database).bindTo(metrics)) {
            sink.start();
            send(balance("a", 1, 0), balance("b", 1, 0));
            awaitTable(sink, balance("a", 1, 0), balance("b", 1, 0));
            assertThat(sink.rowsApplied()).isEqualTo(2);

            fixture.jdbi.useHandle(h -> h.execute("ALTER TABLE account_balances RENAME TO account_balances_offline"));
            AccountBalance a2 = balance("a", 2, 500);
            AccountBalance b2 = balance("b", 2, 70);
            AccountBalance c1 = balance("c", 1, 0);
            send(a2, b2, c1);
            Eventually.await("the sink sees 3 records it cannot write", TIMEOUT, () -> sink.lag() == 3);
            Thread.sleep(1_000); // a few failed attempts with backoff
            assertThat(sink.rowsApplied()).isEqualTo(2);
            assertThat(sink.lag()).isEqualTo(3);
            assertThat(metrics.get(BalanceCacheSink.LAG_GAUGE).gauge().value()).as("the lag, as a metric").isEqualTo(3);

            fixture.jdbi.useHandle(h -> h.execute("ALTER TABLE account_balances_offline RENAME TO account_balances"));
            awaitTable(sink, a2, b2, c1);
            assertThat(sink.rowsApplied()).as("each new row written exactly once").isEqualTo(5);
        }
    }

    @Test
    void reconnectsWhenItsKeptConnectionIsCutBetweenPollsLosingAndRepeatingNothing() throws Exception {
        try (BalanceCacheSink sink =
                new BalanceCacheSink(fixture.kafka, TestInfrastructure.uniqueName("sink-cut"), fixture.topics, fixture.database)) {
            sink.start();
            send(balance("a", 1, 0), balance("b", 1, 0));
            awaitTable(sink, balance("a", 1, 0), balance("b", 1, 0));

            // The sink keeps one connection across polls: cut it as an idle timeout or a failover would.
            int cut = fixture.jdbi.withHandle(h -> h.createQuery("""
                    SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid()) AS terminated""")
                    .mapTo(Integer.class).one());
            assertThat(cut).as("the sink's connection was open").isPositive();

            AccountBalance a2 = balance("a", 2, 500);
            AccountBalance c1 = balance("c", 1, 0);
            send(a2, c1, balance("b", 1, 0));
            awaitTable(sink, a2, balance("b", 1, 0), c1);
            assertThat(sink.rowsApplied()).as("each new row written exactly once").isEqualTo(4);
        }
    }

    @Test
    void keepsAnApplicationsBalanceColumnInStepWithBoundParameters() throws Exception {
        fixture.jdbi.useHandle(h -> {
            h.execute("CREATE TABLE wallets (id text PRIMARY KEY, balance bigint NOT NULL, locked_balance bigint NOT NULL)");
            h.execute("INSERT INTO wallets VALUES ('a', 0, 0), ('b', 0, 0), ('x''; DROP TABLE wallets; --', 0, 0)");
        });
        String sql = "UPDATE wallets SET balance = :available, locked_balance = :locked WHERE id = :account_id";
        AccountBalance a3 = balance("a", 3, 7_450);
        AccountBalance b2 = balance("b", 2, 1);
        AccountBalance hostile = balance("x'; DROP TABLE wallets; --", 1, 42);
        send(balance("a", 1, 0), balance("a", 2, 10_000), a3, b2, hostile, balance("c", 1, 5));
        try (BalanceCacheSink sink = new BalanceCacheSink(fixture.kafka, TestInfrastructure.uniqueName("sink-app"), fixture.topics,
                fixture.database, Optional.of(sql))) {
            sink.start();
            awaitTable(sink, a3, b2, balance("c", 1, 5), hostile);
            assertThat(wallets()).containsExactly("a 7450 30", "b 1 20", "x'; DROP TABLE wallets; -- 42 10");

            // An application's own edit stays until a newer version comes; a stale record does not move it back.
            fixture.jdbi.useHandle(h -> h.execute("UPDATE wallets SET balance = 999 WHERE id = 'a'"));
            send(balance("a", 2, 10_000));
            Thread.sleep(1_000);
            Eventually.await("the sink has read the stale record", TIMEOUT, sink::isCaughtUp);
            assertThat(wallets()).first().isEqualTo("a 999 30");
            send(balance("a", 4, 1));
            Eventually.await("a moves to version 4", TIMEOUT, () -> wallets().get(0).equals("a 1 40"));
        }
    }

    private List<String> wallets() {
        return fixture.jdbi.withHandle(h -> h.createQuery("SELECT id || ' ' || balance || ' ' || locked_balance FROM wallets ORDER BY id")
                .mapTo(String.class).list());
    }

    private void send(AccountBalance... balances) {
        fixture.send(List.of(balances));
    }

    private void awaitTable(BalanceCacheSink sink, AccountBalance... expected) throws InterruptedException {
        List<CachedBalance> rows = List.of(expected).stream().map(CachedBalance::of).toList();
        Eventually.await("account_balances holds " + rows, TIMEOUT,
                () -> sink.isCaughtUp() && table().equals(rows));
    }

    private List<CachedBalance> table() {
        return fixture.table();
    }

    private static AccountBalance balance(String accountId, long version, long availableMinor) {
        return AccountBalance.newBuilder().setAccountId(accountId).setCurrency("CZK").setScale(2)
                .setAvailableMinor(availableMinor).setLockedMinor(version * 10).setVersion(version)
                .setLastEventId(accountId + ":" + version).setUpdatedAtMs(1_700_000_000_123L + version * 1_000)
                .build();
    }
}
