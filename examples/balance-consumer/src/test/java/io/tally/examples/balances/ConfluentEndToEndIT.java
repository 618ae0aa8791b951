package io.tally.examples.balances;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.LedgerResult;
import io.tally.core.Currency;
import io.tally.embedded.PostgresServer;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.ledger.kafka.LedgerServiceApp;
import io.tally.ledger.kafka.LedgerServiceConfig;
import io.tally.ledger.kafka.RequestPublisher;
import io.tally.projector.jdbc.BalanceCacheSink;
import io.tally.projector.jdbc.ProjectorSchema;
import io.tally.projector.kafka.ProjectorApp;
import io.tally.projector.kafka.ProjectorConfig;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import io.tally.schemas.registry.ApicurioRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole write -> project -> sink path under {@code tally.serde=confluent} against a real registry
 * (Apicurio, BACKWARD): ledger-service decides the requests, the projector projects them onto
 * {@code ledger.balances}, the PostgreSQL cache sink writes the balance, and a consumer that is not
 * tally ({@link BalanceConsumer}) reads the same balance with only the registry and the .avsc.
 */
class ConfluentEndToEndIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static ApicurioRegistry registry;

    @TempDir
    Path dir;

    @BeforeAll
    static void startRegistry() {
        registry = ApicurioRegistry.start();
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void aCreditAndAChargeReachTheTableAndANonTallyConsumerThroughARealRegistry() throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        Map<String, Object> kafka = Map.of("bootstrap.servers", infra.bootstrapServers());
        TopicNames names = TopicNames.withPrefix(TestInfrastructure.uniqueName("e2e") + ".", 2);
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, names.specs(), (short) 1);
        }
        LedgerTopics topics = names.in(ValueSerdes.fromConfig(Map.of(ValueSerdes.SERDE_CONFIG, "confluent",
                ValueSerdes.REGISTRY_URL_CONFIG, registry.url())));
        DataSource database = PostgresServer.dataSource(infra.newDatabase("e2e"));
        ProjectorSchema.migrate(database);

        try (LedgerServiceApp ledger = new LedgerServiceApp(new LedgerServiceConfig(kafka,
                        TestInfrastructure.uniqueName("e2e-ledger"), dir.resolve("ledger"), topics, 1), new SimpleMeterRegistry());
                ProjectorApp projector = new ProjectorApp(new ProjectorConfig(kafka,
                        TestInfrastructure.uniqueName("e2e-projector"), dir.resolve("projector"), topics, 1), new SimpleMeterRegistry());
                BalanceCacheSink sink = new BalanceCacheSink(kafka, TestInfrastructure.uniqueName("e2e-cache"), topics, database);
                RequestPublisher publisher = new RequestPublisher(kafka, topics)) {
            ledger.start();
            projector.start();
            ledger.awaitRunning(TIMEOUT);
            projector.awaitRunning(TIMEOUT);
            sink.start();
            publisher.publish(RequestCodec.openAccount("open-1", "open", "acct-1", new Currency("CZK", 2), 0, 0), null);
            publisher.publish(RequestCodec.credit("credit-1", "c1", "acct-1", "CZK", 12_345, 0, null), null);
            publisher.publish(RequestCodec.charge("charge-1", "c2", "acct-1", "CZK", 345, 0, null), null);
            publisher.flush();

            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            Long cached = null;
            while (System.nanoTime() < deadline && !Long.valueOf(12_000L).equals(cached)) {
                cached = cachedAvailable(database, "acct-1");
                Thread.sleep(200);
            }
            assertThat(cached).as("available minor units in account_balances").isEqualTo(12_000L);

            List<GenericRecord> balances;
            try (BalanceConsumer consumer = new BalanceConsumer(infra.bootstrapServers(), registry.url())) {
                balances = consumer.readAll(topics.balances().name(), TIMEOUT);
            }
            assertThat(balances).last().satisfies(b -> {
                assertThat(b.get("accountId").toString()).isEqualTo("acct-1");
                assertThat(b.get("availableMinor")).isEqualTo(12_000L);
                assertThat(b.get("version")).isEqualTo(3L);
            });
        }
    }

    private static Long cachedAvailable(DataSource database, String account) throws Exception {
        try (Connection c = database.getConnection();
                PreparedStatement s = c.prepareStatement("select available_minor from account_balances where account_id = ?")) {
            s.setString(1, account);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getLong(1) : null;
            }
        }
    }
}
