package io.tally.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.embedded.testing.TestInfrastructure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service whose state directory is gone (as after an unclean exit under exactly-once, when Streams
 * wipes the corrupted tasks' stores) restores its stores from their changelogs before it is RUNNING,
 * and {@link StreamsService} counts what it restored: what the wait reports while it waits (issue 20).
 */
class StreamsRestoreIT {
    private static final int ACCOUNTS = 10_000;
    private static final String STORE = "balances";

    @TempDir
    Path dir;

    @Test
    void aWipedStateIsRestoredFromTheChangelogAndCounted() throws Exception {
        String bootstrap = TestInfrastructure.get().bootstrapServers();
        String input = TestInfrastructure.uniqueName("restore") + ".in";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(input, 2, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < ACCOUNTS; i++) {
                producer.send(new ProducerRecord<>(input, "acct-" + i, Integer.toString(i)));
            }
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, TestInfrastructure.uniqueName("restore-app"));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put("consumer.auto.offset.reset", "earliest");

        try (StreamsService first = new StreamsService("restore first", topology(input), props, new SimpleMeterRegistry())) {
            first.start();
            first.awaitRunning(Duration.ofSeconds(60));
            first.awaitUntil(() -> entries(first) == ACCOUNTS, "holding every account", Duration.ofSeconds(60));
            assertThat(first.restoreProgress().restoredRecords()).as("a new state has nothing to restore").isZero();
        }
        deleteRecursively(dir.resolve("state"));

        try (StreamsService second = new StreamsService("restore second", topology(input), props, new SimpleMeterRegistry())) {
            second.start();
            second.awaitRunning(Duration.ofSeconds(60));
            RestoreProgress.Reading restored = second.restoreProgress();
            assertThat(restored.restoredRecords()).as("every account restored from the changelog").isEqualTo(ACCOUNTS);
            assertThat(restored.remainingRecords()).isZero();
            assertThat(restored.storesRestoring()).isZero();
            assertThat(restored.storesRestored()).as("both partitions' stores").isEqualTo(2);
            assertThat(entries(second)).isEqualTo(ACCOUNTS);
        }
    }

    private static org.apache.kafka.streams.Topology topology(String input) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.table(input, Consumed.with(Serdes.String(), Serdes.String()),
                Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as(STORE)
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.String()));
        return builder.build();
    }

    private static long entries(StreamsService service) {
        try {
            var query = service.streams().store(StoreQueryParameters.fromNameAndType(STORE,
                    QueryableStoreTypes.<String, String>keyValueStore()));
            long n = 0;
            try (var all = query.all()) {
                while (all.hasNext()) {
                    all.next();
                    n++;
                }
            }
            return n;
        } catch (org.apache.kafka.streams.errors.InvalidStateStoreException notYet) {
            return -1;
        }
    }

    private static void deleteRecursively(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
