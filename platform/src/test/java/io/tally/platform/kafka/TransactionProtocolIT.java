package io.tally.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.embedded.EmbeddedKafka;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tally writes exactly once only under transaction protocol version 2 (KIP-890; KAFKA-17754 for what
 * the old one loses): the embedded broker finalizes it, and a cluster left at version 0 is refused
 * before a stream thread starts, with the command that raises it.
 */
class TransactionProtocolIT {
    @TempDir
    Path dir;

    @Test
    void theEmbeddedBrokerRunsVersion2AndAClusterAtVersion0IsRefusedBeforeAnythingStarts() throws Exception {
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"));
                Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            assertThat(TransactionProtocol.finalizedLevel(admin.describeFeatures().featureMetadata().get().finalizedFeatures()))
                    .as("finalized by EmbeddedKafka").isEqualTo((short) 2);
            TransactionProtocol.require(admin, "a service"); // passes

            admin.updateFeatures(Map.of(TransactionProtocol.FEATURE,
                    new FeatureUpdate((short) 0, FeatureUpdate.UpgradeType.SAFE_DOWNGRADE)), new UpdateFeaturesOptions())
                    .all().get();
            awaitLevel(admin, (short) 0);
            assertThatThrownBy(() -> TransactionProtocol.require(admin, "ledger-service test"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("ledger-service test: the Kafka cluster runs transaction protocol version 0")
                    .hasMessageContaining("upgrade --feature transaction.version=2");

            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "tv-check");
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            StreamsBuilder builder = new StreamsBuilder();
            builder.stream("tv-check-in");
            try (StreamsService service = new StreamsService("tv-check", builder.build(), props, new SimpleMeterRegistry())) {
                assertThatThrownBy(service::start).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("transaction protocol version 0");
                assertThat(service.state()).as("no stream thread started").isEqualTo(KafkaStreams.State.CREATED);
            }
        }
    }

    private static void awaitLevel(Admin admin, short level) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (TransactionProtocol.finalizedLevel(admin.describeFeatures().featureMetadata().get().finalizedFeatures()) != level) {
            assertThat(System.currentTimeMillis()).as("transaction.version reaches %d", level).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
