package io.tally.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.embedded.testing.TestInfrastructure;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStackIT {

    @Test
    void aRestartedBrokerKeepsItsTopicsAndRecords(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("kept", "k", "v")).get();
            }
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir);
                KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG, "g",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                        new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of("kept"));
            ConsumerRecords<String, String> records = ConsumerRecords.empty();
            for (int i = 0; i < 20 && records.isEmpty(); i++) {
                records = consumer.poll(Duration.ofMillis(500));
            }
            assertThat(records.count()).isEqualTo(1);
            assertThat(records.iterator().next().value()).isEqualTo("v");
        }
    }

    @Test
    void embeddedPostgresKeepsItsDataAcrossRestarts(@TempDir Path dir) throws Exception {
        try (PostgresServer pg = PostgresServer.start(Optional.empty(), dir);
                Connection c = pg.dataSource().getConnection();
                Statement s = c.createStatement()) {
            assertThat(pg.isEmbedded()).isTrue();
            s.execute("CREATE TABLE kept (v int)");
            s.execute("INSERT INTO kept VALUES (42)");
        }
        try (PostgresServer pg = PostgresServer.start(Optional.empty(), dir);
                Connection c = pg.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT v FROM kept")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(42);
        }
    }

    @Test
    void theSharedFixtureGivesEachTestItsOwnDatabase() throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        String a = infra.newDatabase("a");
        String b = infra.newDatabase("b");
        assertThat(a).isNotEqualTo(b);
        try (Connection c = PostgresServer.dataSource(a).getConnection()) {
            assertThat(c.getCatalog()).startsWith("a_");
        }
    }
}
