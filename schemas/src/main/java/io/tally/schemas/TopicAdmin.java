package io.tally.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates tally's topics with the partitions and configs of their {@link TopicSpec}s, and checks
 * existing ones.
 *
 * <p>Thread-safe if the given {@link Admin} is (Kafka's is).
 */
public final class TopicAdmin {
    private TopicAdmin() {}

    /**
     * Creates every topic in {@code specs} that does not exist yet; existing topics are left as they
     * are but must have the spec's partition count.
     *
     * @param replicationFactor replicas per partition (1 for the embedded broker)
     * @return the names of the topics created now
     * @throws IllegalStateException if an existing topic has another partition count (keys would
     *     move to other partitions and break per-account ordering)
     * @throws ExecutionException if the broker refuses
     */
    public static List<String> ensure(Admin admin, List<TopicSpec> specs, short replicationFactor)
            throws ExecutionException, InterruptedException {
        Set<String> existing = admin.listTopics().names().get();
        List<NewTopic> missing = new ArrayList<>();
        for (TopicSpec spec : specs) {
            if (!existing.contains(spec.name())) {
                missing.add(new NewTopic(spec.name(), spec.partitions(), replicationFactor).configs(spec.configs()));
            }
        }
        List<String> created = new ArrayList<>();
        for (var entry : admin.createTopics(missing).values().entrySet()) {
            try {
                entry.getValue().get();
                created.add(entry.getKey());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        Map<String, TopicDescription> described = describeWhenKnown(admin, specs.stream().map(TopicSpec::name).toList());
        for (TopicSpec spec : specs) {
            int partitions = described.get(spec.name()).partitions().size();
            if (partitions != spec.partitions()) {
                throw new IllegalStateException("topic " + spec.name() + " has " + partitions
                        + " partitions, tally expects " + spec.partitions());
            }
        }
        return created;
    }

    /**
     * Describes {@code names}, waiting (up to 30 s) while a just-created topic is not yet known to the
     * broker's metadata: creation returns before every broker has it, and a client that asks at once
     * is told UNKNOWN_TOPIC_OR_PARTITION.
     */
    private static Map<String, TopicDescription> describeWhenKnown(Admin admin, List<String> names)
            throws ExecutionException, InterruptedException {
        long deadlineNs = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                return admin.describeTopics(names).allTopicNames().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadlineNs) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
