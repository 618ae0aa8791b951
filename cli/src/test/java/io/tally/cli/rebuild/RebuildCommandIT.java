package io.tally.cli.rebuild;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.avro.AccountBalance;
import io.tally.cli.OperatorCommands;
import io.tally.embedded.EmbeddedKafka;
import io.tally.embedded.PostgresServer;
import io.tally.projector.ProjectorTopology;
import io.tally.projector.jdbc.LiveApplicationTable;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.ValueSerdes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tally rebuild} as an operator runs it after {@code tally demo} filled the ledger: a rebuild that
 * agrees switches readers, the cache refill writes the rebuilt balances, and a rebuild that finds a
 * planted difference in the live projection lists it, exits 1 and keeps the live one.
 */
class RebuildCommandIT {
    @TempDir
    Path dir;

    private OperatorCommands commands;

    @Test
    void switchesToAnAgreeingRebuildAndRefusesOneThatDiffers() throws Exception {
        commands = OperatorCommands.afterDemo(dir, 15, "rebuildcmd");
        DataSource database = PostgresServer.dataSource(commands.jdbcUrl());
        assertThat(LiveApplicationTable.current(database)).as("no rebuild has switched yet").isEmpty();

        OperatorCommands.Run agreed = rebuild("--application-id", "projector-r1", "--refill-cache");
        assertThat(agreed.exitCode()).isZero();
        assertThat(agreed.output()).contains("the projections agree: readers switched to projector-r1")
                .contains("15 balances").contains("account_balances refilled: 15 rows written");
        assertThat(LiveApplicationTable.current(database)).hasValue("projector-r1");

        // Behind the projection's back: one cent more in one balance of the now-live projection's table.
        String planted = plantDifference("projector-r1");

        OperatorCommands.Run refused = rebuild("--application-id", "projector-r2");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.output()).contains("differs from projector-r1 in 1 rows; projector-r1 stays live")
                .contains("balances " + planted + ": live");
        assertThat(LiveApplicationTable.current(database)).as("the live projection stays").hasValue("projector-r1");

        OperatorCommands.Run compareOnly = rebuild("--application-id", "projector-r1", "--no-switch");
        assertThat(compareOnly.exitCode()).as("the live id is not a new one").isEqualTo(2);
        assertThat(LiveApplicationTable.current(database)).hasValue("projector-r1");
    }

    /** Writes a balance one cent off into {@code applicationId}'s balances changelog; returns the account. */
    private String plantDifference(String applicationId) throws Exception {
        String changelog = applicationId + "-" + ProjectorTopology.BALANCE_STORE + "-changelog";
        try (EmbeddedKafka broker = EmbeddedKafka.start(commands.dataDir().resolve("kafka"))) {
            ConsumerRecord<String, AccountBalance> last;
            try (KafkaConsumer<String, AccountBalance> consumer = new KafkaConsumer<>(Map.of(
                            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    LedgerTopics.keySerde().deserializer(), ValueSerdes.singleObject().balances().deserializer())) {
                List<TopicPartition> partitions = consumer.partitionsFor(changelog).stream()
                        .map(p -> new TopicPartition(changelog, p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                List<ConsumerRecord<String, AccountBalance>> read = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (read.isEmpty() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(500)).forEach(read::add);
                }
                assertThat(read).as("the changelog of " + applicationId).isNotEmpty();
                last = read.get(read.size() - 1);
            }
            AccountBalance real = last.value();
            AccountBalance planted = AccountBalance.newBuilder(real).setAvailableMinor(real.getAvailableMinor() + 1).build();
            try (KafkaProducer<String, AccountBalance> producer = new KafkaProducer<>(Map.of(
                            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                            ProducerConfig.ACKS_CONFIG, "all"),
                    LedgerTopics.keySerde().serializer(), ValueSerdes.singleObject().balances().serializer())) {
                producer.send(new ProducerRecord<>(changelog, last.partition(), last.key(), planted)).get();
            }
            return last.key();
        }
    }

    private OperatorCommands.Run rebuild(String... args) {
        return commands.run("rebuild", RebuildCommand::new, args);
    }
}
