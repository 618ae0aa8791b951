package io.tally.embedded;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.MetadataVersion;
import org.apache.kafka.server.common.TransactionVersion;
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
                // As kafka-storage.sh format does on 4.x: transaction protocol 2 (KIP-890) from the first record.
                .setBootstrapMetadata(BootstrapMetadata.fromVersions(MetadataVersion.latestProduction(),
                        Map.of(TransactionVersion.FEATURE_NAME, TransactionVersion.TV_2.featureLevel()), "tally"));
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
        finalizeTransactionVersion2(cluster.bootstrapServers());
        log.info("embedded Kafka (KRaft) up at {} in {} ms{}", cluster.bootstrapServers(),
                (System.nanoTime() - startedNs) / 1_000_000, resume ? ", resumed" : "");
        return new EmbeddedKafka(cluster);
    }

    /**
     * Finalizes the cluster's {@code transaction.version} feature at 2, the transaction protocol of
     * KIP-890, if it is lower: a new cluster is formatted at 2, but one that an earlier tally formatted
     * with {@code metadata.version} alone (the test kit's default) runs the old protocol (version 0), the
     * one whose lost writes, aborted reads and torn transactions Jepsen found (KAFKA-17754). tally's
     * services refuse a cluster below 2.
     */
    private static void finalizeTransactionVersion2(String bootstrapServers) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            short wanted = TransactionVersion.TV_2.featureLevel();
            short finalized = finalizedLevel(admin, TransactionVersion.FEATURE_NAME);
            if (finalized >= wanted) {
                return;
            }
            admin.updateFeatures(Map.of(TransactionVersion.FEATURE_NAME,
                    new FeatureUpdate(wanted, FeatureUpdate.UpgradeType.UPGRADE)), new UpdateFeaturesOptions()).all().get();
            long deadlineNs = System.nanoTime() + 30_000_000_000L;
            while (finalizedLevel(admin, TransactionVersion.FEATURE_NAME) < wanted) {
                if (System.nanoTime() - deadlineNs > 0) {
                    throw new IllegalStateException("the embedded broker did not finalize transaction.version=" + wanted);
                }
                Thread.sleep(50);
            }
            log.info("finalized transaction.version {} -> {} (KIP-890's transaction protocol)", finalized, wanted);
        }
    }

    private static short finalizedLevel(Admin admin, String feature) throws Exception {
        FinalizedVersionRange range = admin.describeFeatures().featureMetadata().get().finalizedFeatures().get(feature);
        return range == null ? 0 : range.maxVersionLevel();
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
