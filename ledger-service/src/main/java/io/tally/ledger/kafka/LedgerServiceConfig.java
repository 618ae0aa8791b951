package io.tally.ledger.kafka;

import io.tally.schemas.LedgerTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * ledger-service's configuration.
 *
 * @param kafka Kafka client properties, passed to Kafka Streams untouched ({@code bootstrap.servers},
 *     security, client ids); tally's own settings are applied over them only where they are required
 * @param applicationId the Streams {@code application.id}: instances with the same id share the work
 * @param stateDir where local state stores live
 * @param topics the topics, typed, in the configured value encoding
 * @param replicationFactor replicas of Streams' internal topics (1 on the embedded broker)
 * @param idempotencyRetention how long an idempotency key is remembered after its request was
 *     decided, or {@code null} for forever (the default); e.g. 24 h, as seed 002's providers keep theirs
 */
public record LedgerServiceConfig(
        Map<String, Object> kafka, String applicationId, Path stateDir, LedgerTopics topics, int replicationFactor,
        Duration idempotencyRetention) {
    /** The default application id. */
    public static final String DEFAULT_APPLICATION_ID = "tally-ledger-service";

    public LedgerServiceConfig {
        kafka = Map.copyOf(kafka);
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(topics, "topics");
        if (idempotencyRetention != null && (idempotencyRetention.isNegative() || idempotencyRetention.isZero())) {
            throw new IllegalArgumentException("idempotency retention must be positive: " + idempotencyRetention);
        }
    }

    /** Keys kept forever. */
    public LedgerServiceConfig(Map<String, Object> kafka, String applicationId, Path stateDir, LedgerTopics topics,
            int replicationFactor) {
        this(kafka, applicationId, stateDir, topics, replicationFactor, null);
    }
}
