package io.tally.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.embedded.testing.TestInfrastructure;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

/** The topic check a service runs at start, against a real broker. */
class TopicAdminIT {
    private final Map<String, Object> kafka = Map.of("bootstrap.servers", TestInfrastructure.get().bootstrapServers());

    @Test
    void topicsCreatedFromTheSpecsPassTheCheck() throws Exception {
        LedgerTopics topics = LedgerTopics.withPrefix(TestInfrastructure.uniqueName("ok") + ".", 3);
        try (Admin admin = Admin.create(kafka)) {
            assertThat(TopicAdmin.ensure(admin, topics.specs(), (short) 1)).hasSize(topics.specs().size());
            assertThat(TopicAdmin.verify(admin, topics.specs())).isEmpty();
            TopicAdmin.requireValid(admin, topics.specs());
        }
    }

    @Test
    void missingTopicsWrongPartitionsAndWrongCleanupPolicyAreEachNamed() throws Exception {
        LedgerTopics topics = LedgerTopics.withPrefix(TestInfrastructure.uniqueName("bad") + ".", 3);
        try (Admin admin = Admin.create(kafka)) {
            admin.createTopics(List.of(
                    new NewTopic(topics.events(), 2, (short) 1).configs(Map.of("cleanup.policy", "delete")),
                    new NewTopic(topics.balances(), 3, (short) 1).configs(Map.of("cleanup.policy", "delete"))))
                    .all().get();

            List<String> problems = TopicAdmin.verify(admin, topics.specs());
            assertThat(problems).contains(
                    "topic " + topics.events() + " has 2 partitions, tally expects 3",
                    "topic " + topics.balances() + " has cleanup.policy=delete, tally expects compact",
                    "topic " + topics.requests() + " is missing (create it, or start with --create-topics)");
            assertThat(problems).hasSize(2 + 4);
            assertThatThrownBy(() -> TopicAdmin.requireValid(admin, topics.specs()))
                    .isInstanceOf(TopicAdmin.TopicsMisconfiguredException.class)
                    .hasMessageContaining(topics.events() + " has 2 partitions")
                    .hasMessageContaining("cleanup.policy=delete");
        }
    }
}
