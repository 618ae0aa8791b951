package io.tally.reconciler.kafka;

import io.tally.avro.BalanceCorrection;
import io.tally.platform.kafka.KafkaClients;
import io.tally.reconciler.jdbc.CacheCorrectionWriter;
import io.tally.schemas.LedgerTopics;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer of {@code ledger.corrections} that applies them to {@code account_balances}: reads the
 * topic ({@code read_committed}, no auto-commit) in a consumer group and hands each correction to a
 * {@link CacheCorrectionWriter}
 * (one database transaction per correction: fixed row plus audit row), committing the offsets only
 * after the database. A correction read twice (a restart between the database commit and the
 * offset commit) is skipped by its audit row.
 *
 * <p>{@link #drainOnce} reads up to the end offsets as of its call and returns; a fixing run calls it
 * after emitting, so the run's corrections are applied before it reports. A long-running applier
 * calls it in a loop.
 *
 * <p>Not thread-safe: one thread polls.
 */
public final class CorrectionConsumer implements AutoCloseable {
    /** The default consumer group. */
    public static final String DEFAULT_GROUP_ID = "tally-correction-applier";

    private static final Logger log = LoggerFactory.getLogger(CorrectionConsumer.class);

    private final KafkaConsumer<String, BalanceCorrection> consumer;
    private final CacheCorrectionWriter writer;
    private final List<TopicPartition> partitions;

    /**
     * @param kafka client properties, passed through
     * @param groupId the consumer group; a restarted applier resumes where it committed
     * @param topics where {@code ledger.corrections} is
     * @param writer writes the fixes
     */
    public CorrectionConsumer(Map<String, Object> kafka, String groupId, LedgerTopics topics,
            CacheCorrectionWriter writer) {
        // Offsets follow the database transaction, never precede it.
        this.consumer = KafkaClients.readCommittedConsumer(kafka, groupId, topics.corrections());
        this.writer = writer;
        this.partitions = consumer.partitionsFor(topics.corrections().name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        // Assigned, not subscribed: a drain must see every partition without waiting for a rebalance.
        consumer.assign(partitions);
    }

    /**
     * Applies every correction up to the current end of {@code ledger.corrections}.
     *
     * @param timeout how long to try
     * @return how many corrections had each outcome
     * @throws TimeoutException if the end is not reached within {@code timeout}
     * @throws org.jdbi.v3.core.JdbiException if the database fails (the offsets of the corrections
     *     not yet applied stay uncommitted)
     */
    public Map<CacheCorrectionWriter.Outcome, Long> drainOnce(Duration timeout) throws TimeoutException {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Map<CacheCorrectionWriter.Outcome, Long> outcomes = new EnumMap<>(CacheCorrectionWriter.Outcome.class);
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (!reached(end)) {
            if (System.nanoTime() - deadlineNs > 0) {
                throw new TimeoutException("the correction applier did not reach the end of the topic within " + timeout);
            }
            for (ConsumerRecord<String, BalanceCorrection> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.value() == null) {
                    continue;
                }
                CacheCorrectionWriter.Outcome outcome = writer.apply(record.value());
                outcomes.merge(outcome, 1L, Long::sum);
                log.info("correction {} for {}: {}", record.value().getCorrectionId(), record.value().getAccountId(), outcome);
            }
            consumer.commitSync();
        }
        return outcomes;
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        Set<TopicPartition> assigned = consumer.assignment();
        for (TopicPartition partition : assigned) {
            if (consumer.position(partition) < end.getOrDefault(partition, 0L)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
