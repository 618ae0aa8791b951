package io.tally.platform.kafka;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.FinalizedVersionRange;

/**
 * The check that a cluster runs Kafka's second transaction protocol before a service writes to it
 * exactly once. Jepsen's 2024 analysis, reproduced on Kafka, found lost writes, aborted reads and
 * torn transactions under the old protocol (KAFKA-17754); transaction protocol version 2 (KIP-890:
 * server-side defence, an epoch bump on every transaction) closes them, and is the default of a
 * cluster formatted by Kafka 4.x. A cluster upgraded from 3.x keeps its finalized level until an
 * operator raises it, so a service asks ({@code Admin#describeFeatures}) instead of assuming.
 *
 * <p>Stateless; thread-safe.
 */
public final class TransactionProtocol {
    /** The feature whose finalized level is the transaction protocol's version. */
    public static final String FEATURE = "transaction.version";
    /** The lowest version tally writes under. */
    public static final short REQUIRED_VERSION = 2;
    private static final long DESCRIBE_TIMEOUT_S = 60;

    private TransactionProtocol() {}

    /**
     * Refuses a cluster whose finalized {@code transaction.version} is below {@link #REQUIRED_VERSION}.
     *
     * @param admin a client of the cluster
     * @param who what is starting, for the message (e.g. {@code ledger-service tally-ledger-service})
     * @throws IllegalStateException if the level is lower (the message says how to raise it), or the
     *     cluster cannot be asked within 60 s
     * @throws InterruptedException if interrupted while asking
     */
    public static void require(Admin admin, String who) throws InterruptedException {
        FeatureMetadata features;
        try {
            features = admin.describeFeatures().featureMetadata().get(DESCRIBE_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(who + ": cannot ask the Kafka cluster for its finalized features ("
                    + (e.getCause() == null ? e : e.getCause()) + "); tally checks the transaction protocol before it"
                    + " writes exactly once", e);
        }
        short level = finalizedLevel(features.finalizedFeatures());
        if (level < REQUIRED_VERSION) {
            throw new IllegalStateException(who + ": the Kafka cluster runs transaction protocol version " + level
                    + " (finalized " + FEATURE + "=" + level + "); tally needs " + REQUIRED_VERSION
                    + " (KIP-890), because the older protocol can lose writes and tear transactions (KAFKA-17754)."
                    + " Raise it with: kafka-features.sh --bootstrap-server HOST:PORT upgrade --feature "
                    + FEATURE + "=" + REQUIRED_VERSION);
        }
    }

    /** The finalized level of {@link #FEATURE} in {@code finalized}; 0 when the cluster finalized none. */
    static short finalizedLevel(Map<String, FinalizedVersionRange> finalized) {
        FinalizedVersionRange range = finalized.get(FEATURE);
        return range == null ? 0 : range.maxVersionLevel();
    }
}
