package io.tally.platform.kafka;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * How far a Kafka Streams client has restored its state stores from their changelogs: a global
 * {@link StateRestoreListener} that sums, over every store partition being restored, the changelog
 * records to restore and those restored so far. After an unclean exit under exactly-once, Streams
 * wipes the stores of the tasks it finds corrupted ({@code TaskCorruptedException}) and restores them
 * whole, which on a large state takes minutes; this is what a waiting service reports meanwhile.
 *
 * <p>"To restore" counts changelog offsets, transaction markers included, while a store restores (so it
 * can exceed what will be restored by one per transaction), and the records restored once it is done. Thread-safe: the stream threads call it, any thread reads.
 */
public final class RestoreProgress implements StateRestoreListener {
    /**
     * A point-in-time reading.
     *
     * @param restoredRecords changelog records restored since the client started
     * @param toRestoreRecords changelog offsets to restore, summed over every restore begun
     * @param storesRestoring store partitions restoring now
     * @param storesRestored store partitions whose restore has ended
     */
    public record Reading(long restoredRecords, long toRestoreRecords, int storesRestoring, int storesRestored) {
        /** Records still to restore, never negative. */
        public long remainingRecords() {
            return Math.max(0, toRestoreRecords - restoredRecords);
        }
    }

    private final AtomicLong restored = new AtomicLong();
    private final AtomicLong toRestore = new AtomicLong();
    /** Store partitions restoring now, with the offsets each was to restore. */
    private final ConcurrentHashMap<String, Long> restoring = new ConcurrentHashMap<>();
    private final AtomicLong done = new AtomicLong();

    @Override
    public void onRestoreStart(TopicPartition partition, String storeName, long startingOffset, long endingOffset) {
        long planned = Math.max(0, endingOffset - startingOffset);
        toRestore.addAndGet(planned);
        restoring.put(storeName + "@" + partition, planned);
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String storeName, long batchEndOffset, long numRestored) {
        restored.addAndGet(numRestored);
    }

    @Override
    public void onRestoreEnd(TopicPartition partition, String storeName, long totalRestored) {
        Long planned = restoring.remove(storeName + "@" + partition);
        if (planned != null) {
            // What was planned counted the offsets of transaction markers too; a finished restore counts what it restored.
            toRestore.addAndGet(totalRestored - planned);
            done.incrementAndGet();
        }
    }

    @Override
    public void onRestoreSuspended(TopicPartition partition, String storeName, long totalRestored) {
        Long planned = restoring.remove(storeName + "@" + partition);
        if (planned != null) {
            toRestore.addAndGet(totalRestored - planned); // the task moved away: its remainder is no longer ours
        }
    }

    RestoreProgress() {}

    /** The totals now. */
    public Reading read() {
        return new Reading(restored.get(), toRestore.get(), restoring.size(), (int) done.get());
    }
}
