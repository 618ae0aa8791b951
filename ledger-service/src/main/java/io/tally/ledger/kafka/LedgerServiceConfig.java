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
 * @param commitGap the least time between two commits that a caught-up decide task asks for
 *     ({@link CommitPacer}; DESIGN.md, Commits), or {@code null} (the default) to commit on
 *     {@code commit.interval.ms} only: on 2 shared cores the pacer lost to the 20 ms timer (issue 15)
 */
public record LedgerServiceConfig(
        Map<String, Object> kafka, String applicationId, Path stateDir, LedgerTopics topics, int replicationFactor,
        Duration idempotencyRetention, Duration commitGap) {
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
        if (commitGap != null && (commitGap.isNegative() || commitGap.isZero())) {
            throw new IllegalArgumentException("commit gap must be positive: " + commitGap);
        }
    }

    /** No commit pacer: commits on {@code commit.interval.ms}. */
    public LedgerServiceConfig(Map<String, Object> kafka, String applicationId, Path stateDir, LedgerTopics topics,
            int replicationFactor, Duration idempotencyRetention) {
        this(kafka, applicationId, stateDir, topics, replicationFactor, idempotencyRetention, null);
    }

    /** This configuration with {@code commitGap} ({@code null}: commit on {@code commit.interval.ms} only). */
    public LedgerServiceConfig withCommitGap(Duration commitGap) {
        return new LedgerServiceConfig(kafka, applicationId, stateDir, topics, replicationFactor, idempotencyRetention,
                commitGap);
    }

    /** Keys kept forever. */
    public LedgerServiceConfig(Map<String, Object> kafka, String applicationId, Path stateDir, LedgerTopics topics,
            int replicationFactor) {
        this(kafka, applicationId, stateDir, topics, replicationFactor, null);
    }
}
