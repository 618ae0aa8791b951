package io.tally.embedded;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker in KRaft mode (one combined broker and controller) running inside
 * this JVM, built on Kafka's own {@code KafkaClusterTestKit}. With a directory, its logs persist:
 * a second start on the same directory resumes with every topic and committed offset in place.
 *
 * <p>Not thread-safe for start/close; {@link #bootstrapServers()} may be read from any thread.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    /** Fixed so that a formatted directory can be started again. */
    private static final String CLUSTER_ID = "dGFsbHktZW1iZWRkZWQ";

    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /**
     * Formats (on first use) and starts a broker whose data lives under {@code directory}.
     *
     * @param directory where the broker's metadata and logs live; created if absent; {@code null}
     *     for a temporary directory deleted on close
     * @return a started broker, ready for clients
     * @throws Exception if the broker cannot start (the cause names the reason)
     */
    public static EmbeddedKafka start(Path directory) throws Exception {
        long startedNs = System.nanoTime();
        TestKitNodes.Builder nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setClusterId(CLUSTER_ID)
                .setBootstrapMetadataVersion(MetadataVersion.latestProduction());
        boolean resume = false;
        if (directory != null) {
            Files.createDirectories(directory);
            nodes.setBaseDirectory(directory);
            resume = Files.exists(directory.resolve("formatted"));
        }
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes.build())
                .setDeleteOnClose(directory == null)
                // One broker: every internal topic has a single replica.
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "4")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "4")
                .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false")
                .build();
        if (!resume) {
            formatQuietly(cluster);
            if (directory != null) {
                Files.writeString(directory.resolve("formatted"), CLUSTER_ID);
            }
        }
        cluster.startup();
        cluster.waitForReadyBrokers();
        log.info("embedded Kafka (KRaft) up at {} in {} ms{}", cluster.bootstrapServers(),
                (System.nanoTime() - startedNs) / 1_000_000, resume ? ", resumed" : "");
        return new EmbeddedKafka(cluster);
    }

    /**
     * Formats the storage. Kafka's formatter prints its bootstrap metadata to standard output; that
     * is captured and logged instead, so a command's own output stays clean.
     */
    private static void formatQuietly(KafkaClusterTestKit cluster) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        synchronized (System.class) {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                cluster.format();
            } finally {
                System.setOut(original);
            }
        }
        log.info("formatted KRaft storage: {}", captured.toString(StandardCharsets.UTF_8).strip());
    }

    /** The {@code bootstrap.servers} value for clients, e.g. {@code localhost:40123}. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Stops the broker; its directory is kept when one was given. */
    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
