package io.tally.projector.jdbc;

import io.tally.avro.AccountBalance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache sink's consumer and its offsets: polls, commits only what the sink has written, seeks back
 * to the committed offsets after a failed write, and measures the lag.
 *
 * <p>A failed offset commit is logged and not retried: the rows are written, so the records read again
 * later change nothing (the upsert's version guard). The commit after each write is asynchronous
 * ({@link #commit}). {@link WakeupException} always passes through, as
 * the way {@link BalanceCacheSink#close} stops the poll thread.
 *
 * <p>Not thread-safe: the poll thread's alone, but for {@link #wakeup}.
 */
final class SinkConsumer implements AutoCloseable {
    // The sink's own logger, so that an operator's log configuration for it covers every line it writes.
    private static final Logger log = LoggerFactory.getLogger(BalanceCacheSink.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);

    private final KafkaConsumer<String, AccountBalance> consumer;
    private final String topic;

    /** @param consumer a {@code read_committed} consumer without auto-commit, of {@code topic} */
    SinkConsumer(KafkaConsumer<String, AccountBalance> consumer, String topic) {
        this.consumer = consumer;
        this.topic = topic;
    }

    /** Joins the group on the topic. */
    void subscribe() {
        consumer.subscribe(List.of(topic));
    }

    /**
     * The next records, waiting up to 200 ms.
     *
     * @throws org.apache.kafka.common.errors.RecordDeserializationException at a record that cannot be
     *     decoded, when no record before it is left to return
     */
    ConsumerRecords<String, AccountBalance> poll() {
        return consumer.poll(POLL_TIMEOUT);
    }

    /**
     * Commits the positions of the last poll (every record it returned is written) without waiting for
     * the broker: a synchronous commit was some 7% of the sink's time, one round trip per poll (issue 16,
     * {@code ./tally bench sink}). Commits of one consumer reach the broker in order and a failed one is
     * not retried, so a later commit is never overwritten by an earlier one; a failed or unfinished commit
     * (a crash right after it) only means records read again, which change nothing. {@link #close} waits
     * for the commits in flight.
     */
    void commit() {
        consumer.commitAsync((offsets, failure) -> {
            if (failure != null) {
                log.warn("offset commit on {} failed, records will be read again: {}", topic, failure.getMessage());
            }
        });
    }

    /** Moves past the record at {@code offset} of {@code partition} and commits that: it is dealt with. */
    void commitPast(TopicPartition partition, long offset) {
        OffsetAndMetadata next = new OffsetAndMetadata(offset + 1);
        consumer.seek(partition, next);
        try {
            consumer.commitSync(Map.of(partition, next));
        } catch (WakeupException wakeup) {
            throw wakeup;
        } catch (KafkaException commit) {
            log.warn("offset commit on {} failed, the record will be read again: {}", topic, commit.getMessage());
        }
    }

    /** Seeks every assigned partition back to its committed offset (the beginning if none). */
    void rewindToCommitted() {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
        for (TopicPartition partition : assigned) {
            OffsetAndMetadata offset = committed.get(partition);
            if (offset == null) {
                consumer.seekToBeginning(List.of(partition));
            } else {
                consumer.seek(partition, offset);
            }
        }
    }

    /**
     * Records on the assigned partitions past the positions (end offset minus position, summed), or
     * {@code -1} while none is assigned.
     */
    long lag() {
        Set<TopicPartition> assigned = consumer.assignment();
        if (assigned.isEmpty()) {
            return -1;
        }
        // The lag the last fetch reported, with no request to the broker; with read_committed it is
        // measured to the last stable offset. Asking for the end offsets instead cost a round trip per poll.
        long behind = 0;
        List<TopicPartition> unknown = new ArrayList<>();
        for (TopicPartition partition : assigned) {
            OptionalLong known = consumer.currentLag(partition);
            if (known.isPresent()) {
                behind += known.getAsLong();
            } else {
                unknown.add(partition);
            }
        }
        if (!unknown.isEmpty()) {
            Map<TopicPartition, Long> end = consumer.endOffsets(unknown);
            for (TopicPartition partition : unknown) {
                behind += Math.max(0, end.get(partition) - consumer.position(partition));
            }
        }
        return behind;
    }

    /** Makes a blocking call of the poll thread throw {@link WakeupException}; any thread may call it. */
    void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
