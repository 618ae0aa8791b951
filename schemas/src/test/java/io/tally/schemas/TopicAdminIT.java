package io.tally.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.embedded.testing.TestInfrastructure;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The topic check a service runs at start, against a real broker. */
class TopicAdminIT {
    private final Map<String, Object> kafka = Map.of("bootstrap.servers", TestInfrastructure.get().bootstrapServers());
    private final Set<String> created = new HashSet<>();

    /**
     * Waits until the broker has the logs of every topic this test created. The test ends right after
     * creating topics; if the JVM then exits while the broker is still creating their logs, the
     * fixture's temporary directory can vanish under it, and a broker whose only log directory fails
     * halts the JVM with status 1 (seen once: Failsafe reported the fork as failed after green tests).
     */
    @AfterEach
    void awaitLogs() throws Exception {
        try (Admin admin = Admin.create(kafka)) {
            List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList();
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                Set<String> withLogs = new HashSet<>();
                admin.describeLogDirs(brokers).allDescriptions().get().values().forEach(dirs -> dirs.values()
                        .forEach(dir -> dir.replicaInfos().keySet().forEach(tp -> withLogs.add(tp.topic()))));
                if (withLogs.containsAll(created)) {
                    return;
                }
                Thread.sleep(100);
            }
        }
    }

    @Test
    void topicsCreatedFromTheSpecsPassTheCheck() throws Exception {
        LedgerTopics topics = TopicNames.withPrefix(TestInfrastructure.uniqueName("ok") + ".", 3).in(ValueSerdes.singleObject());
        try (Admin admin = Admin.create(kafka)) {
            assertThat(TopicAdmin.ensure(admin, topics.specs(), (short) 1)).hasSize(topics.specs().size());
            topics.specs().forEach(spec -> created.add(spec.name()));
            assertThat(TopicAdmin.verify(admin, topics.specs())).isEmpty();
            TopicAdmin.requireValid(admin, topics.specs());
        }
    }

    @Test
    void missingTopicsWrongPartitionsAndWrongCleanupPolicyAreEachNamed() throws Exception {
        LedgerTopics topics = TopicNames.withPrefix(TestInfrastructure.uniqueName("bad") + ".", 3).in(ValueSerdes.singleObject());
        try (Admin admin = Admin.create(kafka)) {
            admin.createTopics(List.of(
                    new NewTopic(topics.events().name(), 2, (short) 1).configs(Map.of("cleanup.policy", "delete")),
                    new NewTopic(topics.balances().name(), 3, (short) 1).configs(Map.of("cleanup.policy", "delete"))))
                    .all().get();
            created.addAll(List.of(topics.events().name(), topics.balances().name()));
            awaitVisible(admin, created);

            List<String> problems = TopicAdmin.verify(admin, topics.specs());
            assertThat(problems).contains(
                    "topic " + topics.events().name() + " has 2 partitions, tally expects 3",
                    "topic " + topics.balances().name() + " has cleanup.policy=delete, tally expects compact",
                    "topic " + topics.requests().name() + " is missing (create it, or start with --create-topics)");
            // The two misconfigured topics, and every other topic of the specs missing.
            assertThat(problems).hasSize(topics.specs().size());
            assertThatThrownBy(() -> TopicAdmin.requireValid(admin, topics.specs()))
                    .isInstanceOf(TopicAdmin.TopicsMisconfiguredException.class)
                    .hasMessageContaining(topics.events().name() + " has 2 partitions")
                    .hasMessageContaining("cleanup.policy=delete");
        }
    }

    /**
     * Waits until the broker answering metadata requests lists the topics. createTopics returns once the
     * controller has committed them; the broker's metadata image can lag behind it, and a check run in
     * that gap reports the topics as missing (seen once in CI).
     */
    private static void awaitVisible(Admin admin, Set<String> names) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!admin.listTopics().names().get().containsAll(names)) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("topics not listed by the broker after 30 s: " + names);
            }
            Thread.sleep(50);
        }
    }
}
