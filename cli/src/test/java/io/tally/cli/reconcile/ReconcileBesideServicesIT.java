package io.tally.cli.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.demo.LocalStack;
import io.tally.cli.OperatorCommands;
import io.tally.core.Currency;
import io.tally.embedded.EmbeddedKafka;
import io.tally.embedded.PostgresServer;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.ledger.kafka.LedgerServiceConfig;
import io.tally.ledger.kafka.RequestPublisher;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tally reconcile --bootstrap-servers ...} against a cluster where tally's services run (as
 * {@code ./tally serve} or compose run them): it reads with a projection of its own and never joins the
 * services' consumer groups, and still finds drift in their cache.
 */
class ReconcileBesideServicesIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final int ACCOUNTS = 10;

    @TempDir
    Path dir;

    @Test
    void reconcilesBesideRunningServicesWithoutJoiningTheirGroups() throws Exception {
        String jdbcUrl = TestInfrastructure.get().newDatabase("beside");
        try (EmbeddedKafka cluster = EmbeddedKafka.start(dir.resolve("cluster"));
                LocalStack services = LocalStack.startInfrastructure(new LocalStack.Options(dir.resolve("services"),
                        Optional.of(cluster.bootstrapServers()), Optional.of(jdbcUrl), Map.of(), ValueSerdes.singleObject(), 2, 1))) {
            services.startServices(dir.resolve("services").resolve("streams"), 1, new SimpleMeterRegistry(), TIMEOUT);
            try (RequestPublisher publisher = new RequestPublisher(services.kafka(), services.topics())) {
                Currency czk = new Currency("CZK", 2);
                for (int i = 0; i < ACCOUNTS; i++) {
                    String account = "acct-" + i;
                    publisher.publish(RequestCodec.openAccount("open-" + i, "open-" + i, account, czk, 0, 1L), null);
                    publisher.publish(RequestCodec.credit("credit-" + i, "credit-" + i, account, "CZK", 1_000 + i, 2L, null),
                            null);
                }
                publisher.flush();
            }
            Jdbi jdbi = Jdbi.create(PostgresServer.dataSource(jdbcUrl));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM account_balances WHERE version = 2")
                    .mapTo(Long.class).one()) < ACCOUNTS) {
                assertThat(System.nanoTime() - deadline).as("the services fill account_balances").isNegative();
                Thread.sleep(200);
            }

            // Watch the services' groups while reconcile runs: nobody but the services may join them.
            List<String> serviceGroups = List.of(LedgerServiceConfig.DEFAULT_APPLICATION_ID,
                    LocalStack.PROJECTOR_APPLICATION_ID, LocalStack.SERVICE_SINK_GROUP);
            Map<String, Integer> mostMembers = new ConcurrentHashMap<>();
            AtomicBoolean watching = new AtomicBoolean(true);
            Thread watcher = new Thread(() -> watchGroups(cluster.bootstrapServers(), serviceGroups, mostMembers, watching));
            watcher.start();
            OperatorCommands.Run clean;
            OperatorCommands.Run drifted;
            try {
                OperatorCommands commands = OperatorCommands.on(dir.resolve("reconciler"), jdbcUrl);
                String[] beside = {"--bootstrap-servers", cluster.bootstrapServers(), "--partitions", "2",
                        "--replication-factor", "1", "--format", "json"};
                clean = commands.run("reconcile", ReconcileCommand::new, beside);
                jdbi.useHandle(h -> h.execute("UPDATE account_balances SET available_minor = available_minor + 300 "
                        + "WHERE account_id = 'acct-4'"));
                drifted = commands.run("reconcile", ReconcileCommand::new, beside);
            } finally {
                watching.set(false);
                watcher.join();
            }

            assertThat(clean.exitCode()).isZero();
            assertThat(clean.json().at("/counts/IN_SYNC").asLong()).isEqualTo(ACCOUNTS);
            assertThat(drifted.exitCode()).isEqualTo(1);
            assertThat(drifted.json().at("/counts/DRIFT").asLong()).isEqualTo(1);
            assertThat(drifted.json().at("/largestDiscrepancies/0/accountId").asText()).isEqualTo("acct-4");
            assertThat(mostMembers).as("members seen in the services' groups while reconcile ran")
                    .containsOnlyKeys(serviceGroups).allSatisfy((group, members) -> assertThat(members).isEqualTo(1));
            try (Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
                assertThat(admin.listConsumerGroupOffsets(ReconcileCommand.PROJECTION_APPLICATION_ID)
                        .partitionsToOffsetAndMetadata().get()).as("reconcile's own projection").isNotEmpty();
            }
        }
    }

    private static void watchGroups(String bootstrapServers, List<String> groups, Map<String, Integer> mostMembers,
            AtomicBoolean watching) {
        try (Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            while (watching.get()) {
                admin.describeConsumerGroups(groups).all().get().forEach((group, description) ->
                        mostMembers.merge(group, description.members().size(), Math::max));
                Thread.sleep(100);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot watch the services' groups", e);
        }
    }
}
