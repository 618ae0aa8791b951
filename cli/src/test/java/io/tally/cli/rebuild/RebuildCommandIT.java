package io.tally.cli.rebuild;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.avro.AccountBalance;
import io.tally.cli.berka.BerkaGenerator;
import io.tally.cli.demo.DemoCommand;
import io.tally.embedded.EmbeddedKafka;
import io.tally.embedded.PostgresServer;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.projector.ProjectorTopology;
import io.tally.projector.jdbc.LiveApplicationTable;
import io.tally.schemas.LedgerTopics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tally rebuild} as an operator runs it after {@code tally demo} filled the ledger: a rebuild that
 * agrees switches readers, the cache refill writes the rebuilt balances, and a rebuild that finds a
 * planted difference in the live projection lists it, exits 1 and keeps the live one.
 */
class RebuildCommandIT {
    @TempDir
    Path dir;

    private String jdbcUrl;

    private record Run(int exitCode, String output) {}

    @Test
    void switchesToAnAgreeingRebuildAndRefusesOneThatDiffers() throws Exception {
        Path history = dir.resolve("trans.asc");
        BerkaGenerator.write(history, 15, 3);
        jdbcUrl = TestInfrastructure.get().newDatabase("rebuildcmd");
        int demo = new CommandLine(new DemoCommand()).execute("--data-dir", dir.resolve("data").toString(),
                "--transactions", history.toString(), "--jdbc-url", jdbcUrl, "--report", dir.resolve("demo.json").toString(),
                "--timeout", "PT3M");
        assertThat(demo).isZero();
        DataSource database = PostgresServer.dataSource(jdbcUrl);
        assertThat(LiveApplicationTable.current(database)).as("no rebuild has switched yet").isEmpty();

        Run agreed = rebuild("--application-id", "projector-r1", "--refill-cache");
        assertThat(agreed.exitCode()).isZero();
        assertThat(agreed.output()).contains("the projections agree: readers switched to projector-r1")
                .contains("15 balances").contains("account_balances refilled: 15 rows written");
        assertThat(LiveApplicationTable.current(database)).hasValue("projector-r1");

        // Behind the projection's back: one cent more in one balance of the now-live projection's table.
        String planted = plantDifference("projector-r1");

        Run refused = rebuild("--application-id", "projector-r2");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.output()).contains("differs from projector-r1 in 1 rows; projector-r1 stays live")
                .contains("balances " + planted + ": live");
        assertThat(LiveApplicationTable.current(database)).as("the live projection stays").hasValue("projector-r1");

        Run compareOnly = rebuild("--application-id", "projector-r1", "--no-switch");
        assertThat(compareOnly.exitCode()).as("the live id is not a new one").isEqualTo(2);
        assertThat(LiveApplicationTable.current(database)).hasValue("projector-r1");
    }

    /** Writes a balance one cent off into {@code applicationId}'s balances changelog; returns the account. */
    private String plantDifference(String applicationId) throws Exception {
        String changelog = applicationId + "-" + ProjectorTopology.BALANCE_STORE + "-changelog";
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("data").resolve("kafka"))) {
            ConsumerRecord<String, AccountBalance> last;
            try (KafkaConsumer<String, AccountBalance> consumer = new KafkaConsumer<>(Map.of(
                            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    LedgerTopics.keySerde().deserializer(), LedgerTopics.BALANCE_SERDE.deserializer())) {
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
                    LedgerTopics.keySerde().serializer(), LedgerTopics.BALANCE_SERDE.serializer())) {
                producer.send(new ProducerRecord<>(changelog, last.partition(), last.key(), planted)).get();
            }
            return last.key();
        }
    }

    private Run rebuild(String... args) {
        List<String> all = new ArrayList<>(List.of("--data-dir", dir.resolve("data").toString(), "--jdbc-url", jdbcUrl,
                "--timeout", "PT2M"));
        all.addAll(List.of(args));
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(new RebuildCommand()).execute(all.toArray(String[]::new));
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        original.println("tally rebuild " + String.join(" ", args) + " -> " + code + "\n" + output);
        return new Run(code, output);
    }
}
