package io.tally.platform.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * How far a consumer group (a Streams application, a sink) has committed towards given end offsets:
 * the one "has it caught up" of tally's commands, benchmarks and rebuilds.
 *
 * @param groupId the group
 * @param committedOffsets the group's committed offsets summed over the partitions, each counted up
 *     to its end offset
 * @param endOffsets the end offsets summed
 * @param caughtUp whether every partition's committed offset has reached its end offset (an empty
 *     partition needs none)
 */
public record GroupProgress(String groupId, long committedOffsets, long endOffsets, boolean caughtUp) {
    /** How often {@link #await} asks the broker. */
    public static final Duration POLL = Duration.ofMillis(100);

    /** Offsets still to commit. */
    public long behind() {
        return endOffsets - committedOffsets;
    }

    /** What {@link #await} calls after each look: it may throw to stop waiting (the waited-for app failed). */
    @FunctionalInterface
    public interface Watch {
        void progress(GroupProgress progress);
    }

    /**
     * The read-committed end offsets of every partition of {@code topic}: what a group must commit up to
     * to have consumed everything committed so far.
     *
     * @throws IllegalStateException if the broker cannot say
     */
    public static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) {
        try {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                request.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<TopicPartition, Long> end = new HashMap<>();
            admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
                    .forEach((tp, info) -> end.put(tp, info.offset()));
            return end;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the end offsets of " + topic, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Where {@code groupId} stands against {@code end}.
     *
     * @throws IllegalStateException if the broker cannot say
     */
    public static GroupProgress of(Admin admin, String groupId, Map<TopicPartition, Long> end) {
        Map<TopicPartition, OffsetAndMetadata> committed = committed(admin, groupId);
        long sum = 0;
        long endSum = 0;
        boolean all = true;
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            long offset = c == null ? 0 : c.offset();
            sum += Math.min(offset, e.getValue());
            endSum += e.getValue();
            all &= e.getValue() == 0 || offset >= e.getValue();
        }
        return new GroupProgress(groupId, sum, endSum, all);
    }

    /** Whether {@code groupId} has committed any offset at all. */
    public static boolean hasOffsets(Admin admin, String groupId) {
        return !committed(admin, groupId).isEmpty();
    }

    /**
     * Waits, looking every {@link #POLL}, until {@code groupId} has committed up to {@code end}.
     *
     * @param watch called after every look, the last included; may throw to stop waiting
     * @return the progress that was caught up
     * @throws TimeoutException if it has not caught up within {@code timeout}; the message says how far it got
     * @throws InterruptedException if interrupted while waiting
     */
    public static GroupProgress await(Admin admin, String groupId, Map<TopicPartition, Long> end, Duration timeout,
            Watch watch) throws TimeoutException, InterruptedException {
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (true) {
            GroupProgress progress = of(admin, groupId, end);
            watch.progress(progress);
            if (progress.caughtUp()) {
                return progress;
            }
            if (System.nanoTime() - deadlineNs > 0) {
                throw new TimeoutException(groupId + " had committed " + progress.committedOffsets() + " of "
                        + progress.endOffsets() + " offsets after " + timeout);
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String groupId) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get().forEach((tp, o) -> {
                if (o != null) {
                    offsets.put(tp, o);
                }
            });
            return offsets;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the committed offsets of " + groupId, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
