package io.tally.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates tally's topics with the partitions and configs of their {@link TopicSpec}s, and checks
 * existing ones.
 *
 * <p>Thread-safe if the given {@link Admin} is (Kafka's is).
 */
public final class TopicAdmin {
    private static final long METADATA_WAIT_NS = 30_000_000_000L;

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
        Map<String, TopicDescription> described = untilMetadataPropagates(() ->
                admin.describeTopics(specs.stream().map(TopicSpec::name).toList()).allTopicNames().get());
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
     * What is wrong with the existing topics, compared with {@code specs}: a topic that is missing,
     * has another partition count (keys would hash to other partitions and break per-account
     * ordering) or another {@code cleanup.policy} (a compacted event log loses history; a deleting
     * balances topic loses accounts). Retention is left to the operator. Creates nothing.
     *
     * @return one line per problem, naming the topic, what tally expects and what it found; empty
     *     if every topic is as specified
     * @throws ExecutionException if the cluster refuses to describe the topics (e.g. not authorized)
     */
    public static List<String> verify(Admin admin, List<TopicSpec> specs) throws ExecutionException, InterruptedException {
        Set<String> existing = admin.listTopics().names().get();
        List<String> problems = new ArrayList<>();
        List<TopicSpec> present = new ArrayList<>();
        for (TopicSpec spec : specs) {
            if (existing.contains(spec.name())) {
                present.add(spec);
            } else {
                problems.add("topic " + spec.name() + " is missing (create it, or start with --create-topics)");
            }
        }
        if (present.isEmpty()) {
            return problems;
        }
        Map<String, TopicDescription> described = untilMetadataPropagates(() ->
                admin.describeTopics(present.stream().map(TopicSpec::name).toList()).allTopicNames().get());
        Map<ConfigResource, Config> configs = untilMetadataPropagates(() -> admin.describeConfigs(present.stream()
                .map(spec -> new ConfigResource(ConfigResource.Type.TOPIC, spec.name())).toList()).all().get());
        for (TopicSpec spec : present) {
            int partitions = described.get(spec.name()).partitions().size();
            if (partitions != spec.partitions()) {
                problems.add("topic " + spec.name() + " has " + partitions + " partitions, tally expects "
                        + spec.partitions());
            }
            String expectedPolicy = spec.configs().get(TopicConfig.CLEANUP_POLICY_CONFIG);
            ConfigEntry policy = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()))
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG);
            String actualPolicy = policy == null ? null : policy.value();
            if (expectedPolicy != null && !expectedPolicy.equals(actualPolicy)) {
                problems.add("topic " + spec.name() + " has cleanup.policy=" + actualPolicy + ", tally expects "
                        + expectedPolicy);
            }
        }
        return problems;
    }

    /**
     * Checks the topics as {@link #verify} does and fails if anything is wrong.
     *
     * @throws TopicsMisconfiguredException listing every problem
     * @throws ExecutionException if the cluster refuses to describe the topics
     */
    public static void requireValid(Admin admin, List<TopicSpec> specs) throws ExecutionException, InterruptedException {
        List<String> problems = verify(admin, specs);
        if (!problems.isEmpty()) {
            throw new TopicsMisconfiguredException(problems);
        }
    }

    /** Tally's topics are missing or not as specified; the message lists each problem on its own line. */
    public static final class TopicsMisconfiguredException extends IllegalStateException {
        private static final long serialVersionUID = 1L;
        private final List<String> problems;

        /** @param problems one line per problem, as {@link #verify} returns them */
        public TopicsMisconfiguredException(List<String> problems) {
            super("tally's topics are not as required:\n  " + String.join("\n  ", problems));
            this.problems = List.copyOf(problems);
        }

        /** One line per problem. */
        public List<String> problems() {
            return problems;
        }
    }

    /** A call to the Admin client. */
    @FunctionalInterface
    private interface AdminCall<T> {
        T call() throws ExecutionException, InterruptedException;
    }

    /**
     * Runs {@code call}, again while the broker answers "unknown topic" for up to 30 s: a topic just
     * created (here or by another instance) is listed before every broker's metadata has it.
     */
    private static <T> T untilMetadataPropagates(AdminCall<T> call) throws ExecutionException, InterruptedException {
        long deadlineNs = System.nanoTime() + METADATA_WAIT_NS;
        while (true) {
            try {
                return call.call();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() - deadlineNs > 0) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
