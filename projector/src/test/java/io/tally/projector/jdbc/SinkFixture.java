package io.tally.projector.jdbc;

import io.tally.avro.AccountBalance;
import io.tally.embedded.PostgresServer;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/**
 * What a cache sink test starts from, on the real broker and PostgreSQL of {@link TestInfrastructure}:
 * fresh topics, a fresh migrated database and an idempotent producer of balances. Not thread-safe.
 */
final class SinkFixture implements AutoCloseable {
    final Map<String, Object> kafka;
    final LedgerTopics topics;
    final DataSource database;
    final Jdbi jdbi;
    private final KafkaProducer<String, AccountBalance> producer;

    /**
     * @param name a prefix for the topics and the database
     * @param partitions partitions of the topics
     */
    SinkFixture(String name, int partitions) throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        kafka = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
        topics = TopicNames.withPrefix(TestInfrastructure.uniqueName(name) + ".", partitions).in(ValueSerdes.singleObject());
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        database = PostgresServer.dataSource(infra.newDatabase(name));
        ProjectorSchema.migrate(database);
        jdbi = Jdbi.create(database).installPlugin(new SqlObjectPlugin());
        producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                LedgerTopics.keySerde().serializer(), ValueSerdes.singleObject().balances().serializer());
    }

    /** Sends each balance to {@code ledger.balances}, keyed by its account, in order, and waits for all. */
    void send(List<AccountBalance> balances) {
        for (AccountBalance b : balances) {
            producer.send(new ProducerRecord<>(topics.balances().name(), b.getAccountId(), b));
        }
        producer.flush();
    }

    /** Every row of {@code account_balances}, ordered by account id. */
    List<CachedBalance> table() {
        return jdbi.withExtension(AccountBalanceTable.class, AccountBalanceTable::findAll);
    }

    @Override
    public void close() {
        producer.close();
    }
}
