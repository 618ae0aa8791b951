package io.tally.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.embedded.testing.TestInfrastructure;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The Testcontainers path of the fixture: with a Docker engine, {@link TestInfrastructure} runs
 * Kafka and PostgreSQL in containers. Without one (every machine here) this class is skipped, never
 * failed, and the embedded servers carry the other tests.
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerStackIT {

    @Test
    void theFixtureRunsOnContainersWhenDockerIsThere() throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        assertThat(infra.description()).startsWith(TestInfrastructure.useContainers() ? "Testcontainers" : "embedded");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
            String topic = TestInfrastructure.uniqueName("containers");
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            assertThat(admin.listTopics().names().get()).contains(topic);
        }
        try (Connection c = PostgresServer.dataSource(infra.newDatabase("containers")).getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1")) {
            assertThat(rs.next()).isTrue();
        }
    }
}
