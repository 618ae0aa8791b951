package io.tally.projector.jdbc;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets a record of {@code ledger.balances} that cannot be decoded aside in
 * {@code account_balances_quarantine} (reason {@code UNDECODABLE}, with its key and value bytes), so
 * that the cache sink can move past it. An unreachable schema registry is not such a record: the sink
 * retries that one instead (the record is good).
 *
 * <p>Thread-safe as Jdbi is; the sink calls it from its poll thread only.
 */
final class UndecodableQuarantine {
    // The sink's own logger, so that an operator's log configuration for it covers every line it writes.
    private static final Logger log = LoggerFactory.getLogger(BalanceCacheSink.class);

    private final Jdbi jdbi;
    private final SinkMeters meters;

    UndecodableQuarantine(Jdbi jdbi, SinkMeters meters) {
        this.jdbi = jdbi;
        this.meters = meters;
    }

    /**
     * Quarantines the record {@code e} could not decode (counted and logged if it is new to the table).
     *
     * @return whether it is in the quarantine now; {@code false} if the database failed (the record is to
     *     be met again after the backoff)
     */
    boolean quarantine(RecordDeserializationException e) {
        TopicPartition partition = e.topicPartition();
        QuarantinedBalance row = QuarantinedBalance.undecodable(partition.topic(), partition.partition(), e.offset(),
                bytes(e.keyBuffer()), bytes(e.valueBuffer()),
                e.getCause() == null ? String.valueOf(e.getMessage()) : e.getMessage() + " " + e.getCause().getMessage());
        boolean added;
        try {
            added = jdbi.withExtension(BalanceQuarantineTable.class, t -> t.add(List.of(row)))[0] > 0;
        } catch (JdbiException db) {
            log.error("cannot quarantine the undecodable record at {}, retrying: {}", row.source(), WriteFailure.of(db));
            return false;
        }
        if (added) {
            meters.quarantined(row);
        }
        return true;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
