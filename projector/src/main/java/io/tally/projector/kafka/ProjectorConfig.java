package io.tally.projector.kafka;

import io.tally.projector.ProjectorTopology;
import io.tally.schemas.LedgerTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The projector's configuration: one immutable record (STYLE.md, adapters).
 *
 * @param kafkaProperties Kafka client properties passed to Kafka Streams untouched
 *     ({@code bootstrap.servers}, security, tuning); the settings {@link ProjectorApp} owns
 *     (application id, state directory, replication factor, processing guarantee, deserialization
 *     handler) are set over them
 * @param applicationId the Streams application id: consumer group, prefix of internal topics;
 *     instances with the same id share the work
 * @param stateDir where RocksDB stores live; one per instance
 * @param topics the topics, in the configured value encoding
 * @param replicationFactor replicas of the internal (changelog) topics, {@code >= 1}
 * @param historyRetention how far back point-in-time balance reads reach (the versioned store's
 *     history retention), positive
 * @throws IllegalArgumentException if the application id is blank, the replication factor is below
 *     1 or the history retention is not positive
 */
public record ProjectorConfig(
        Map<String, Object> kafkaProperties, String applicationId, Path stateDir, LedgerTopics topics,
        int replicationFactor, Duration historyRetention) {
    public ProjectorConfig {
        kafkaProperties = Map.copyOf(kafkaProperties);
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(historyRetention, "historyRetention");
        if (historyRetention.isNegative() || historyRetention.isZero()) {
            throw new IllegalArgumentException("historyRetention must be positive: " + historyRetention);
        }
        if (applicationId.isBlank()) {
            throw new IllegalArgumentException("applicationId must not be blank");
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replicationFactor must be >= 1: " + replicationFactor);
        }
    }

    /** With {@link ProjectorTopology#DEFAULT_HISTORY_RETENTION}. */
    public ProjectorConfig(Map<String, Object> kafkaProperties, String applicationId, Path stateDir, LedgerTopics topics,
            int replicationFactor) {
        this(kafkaProperties, applicationId, stateDir, topics, replicationFactor, ProjectorTopology.DEFAULT_HISTORY_RETENTION);
    }

    /** This configuration under another application id (a rebuilt projection that became live). */
    public ProjectorConfig withApplicationId(String otherApplicationId) {
        return new ProjectorConfig(kafkaProperties, otherApplicationId, stateDir, topics, replicationFactor,
                historyRetention);
    }
}
