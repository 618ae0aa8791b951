package io.tally.ledger.kafka;

import io.tally.avro.internal.IdempotencyRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forgets the idempotency keys decided more than the retention ago, when a retention is set (keys are
 * kept forever by default; DESIGN.md, Operations as built). Wall-clock time: a retention is a promise
 * to callers in real time, not in the time of the records. A full scan of the task's store, which is
 * fine for the key counts a retention is meant to bound.
 *
 * <p>Not thread-safe: runs on its stream task's thread, between records, in the task's transaction.
 */
final class IdempotencyRetentionPunctuator implements Punctuator {
    private static final Logger log = LoggerFactory.getLogger(IdempotencyRetentionPunctuator.class);
    /** The longest wait between two scans. */
    static final Duration MAX_INTERVAL = Duration.ofMinutes(1);

    private final KeyValueStore<String, IdempotencyRecord> store;
    private final Duration retention;

    /**
     * @param store the task's idempotency store ({@value DecideTopology#IDEMPOTENCY_STORE})
     * @param retention how long a key is remembered after its request was decided
     */
    IdempotencyRetentionPunctuator(KeyValueStore<String, IdempotencyRecord> store, Duration retention) {
        this.store = store;
        this.retention = Objects.requireNonNull(retention, "retention");
    }

    /**
     * How often the store is scanned: a tenth of the retention, so a key outlives it by at most a tenth,
     * but at least every {@link #MAX_INTERVAL} and at most every millisecond (the shortest interval Kafka
     * Streams schedules; a retention under 10 ms once asked for less, which it refuses).
     */
    static Duration interval(Duration retention) {
        Duration tenth = retention.dividedBy(10);
        Duration every = tenth.compareTo(MAX_INTERVAL) < 0 ? tenth : MAX_INTERVAL;
        return every.toMillis() < 1 ? Duration.ofMillis(1) : every;
    }

    /** Schedules this punctuator on {@code context} every {@link #interval} of wall-clock time. */
    Cancellable schedule(ProcessorContext<?, ?> context) {
        return context.schedule(interval(retention), PunctuationType.WALL_CLOCK_TIME, this);
    }

    /** Deletes every key whose outcome was decided before {@code nowMs} minus the retention (epoch ms). */
    @Override
    public void punctuate(long nowMs) {
        long cutoffMs = nowMs - retention.toMillis();
        List<String> old = new ArrayList<>();
        try (KeyValueIterator<String, IdempotencyRecord> it = store.all()) {
            it.forEachRemaining(kv -> {
                if (kv.value.getOutcome().getDecidedAtMs() < cutoffMs) {
                    old.add(kv.key);
                }
            });
        }
        old.forEach(store::delete);
        if (!old.isEmpty()) {
            log.info("forgot {} idempotency keys decided before {}", old.size(), cutoffMs);
        }
    }
}
