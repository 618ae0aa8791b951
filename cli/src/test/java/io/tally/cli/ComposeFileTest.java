package io.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tally.cli.serve.ServiceEnvironment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine: the compose file is valid
 * ({@code docker-compose config -q}, where Debian's docker-compose is installed), and the services
 * it runs are wired the way the code reads its configuration.
 */
class ComposeFileTest {
    private static final Path ROOT = DeployFiles.ROOT;
    private static final Path COMPOSE = DeployFiles.COMPOSE;
    private static final List<String> TALLY_SERVICES = List.of("ledger-service", "projector", "reconciler");
    /**
     * Subcommands the compose file runs that another issue adds ({@code reconcile --every}, issue 6);
     * remove a name once its command is merged, and the test then checks that it parses.
     */
    private static final Set<String> PENDING_COMMANDS = Set.of();

    private static JsonNode compose() throws Exception {
        return new ObjectMapper(new YAMLFactory()).readTree(COMPOSE.toFile());
    }

    @Test
    void theComposeFileIsValidForDockerCompose() throws Exception {
        assumeTrue(DeployFiles.onPath("docker-compose"), "docker-compose is not installed (apt-get install docker-compose); not validated");
        Process process = new ProcessBuilder("docker-compose", "-f", COMPOSE.toString(), "config", "-q")
                .redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isZero();
    }

    @Test
    void theServicesAreSetOnlyVariablesTheyRead() throws Exception {
        JsonNode services = compose().get("services");
        for (String name : List.of("ledger-service", "projector")) {
            List<String> tallyVariables = new ArrayList<>();
            services.get(name).get("environment").fieldNames().forEachRemaining(v -> {
                if (v.startsWith("TALLY_")) {
                    tallyVariables.add(v);
                }
            });
            assertThat(tallyVariables).as(name).isNotEmpty();
            assertThat(ServiceEnvironment.VARIABLES).as(name + " sets only variables ServiceEnvironment reads")
                    .containsAll(tallyVariables);
            assertThat(tallyVariables).as(name).contains(ServiceEnvironment.BOOTSTRAP_SERVERS, ServiceEnvironment.SERDE,
                    ServiceEnvironment.SCHEMA_REGISTRY_URL, ServiceEnvironment.PARTITIONS);
        }
        assertThat(env(services, "projector")).containsKey(ServiceEnvironment.JDBC_URL);
        // ./tally reconcile runs on the local stack: Kafka comes from its command line, the rest from these.
        assertThat(StackOptions.VARIABLES).as("reconciler sets only variables the local stack reads")
                .containsAll(env(services, "reconciler").keySet());
        assertThat(env(services, "reconciler")).containsKeys(ServiceEnvironment.JDBC_URL, ServiceEnvironment.SERDE,
                ServiceEnvironment.SCHEMA_REGISTRY_URL);
        assertThat(env(services, "ledger-service").get(ServiceEnvironment.SERDE)).isEqualTo("confluent");
    }

    @Test
    void theEnvironmentOfEachServiceIsAValidConfiguration() throws Exception {
        JsonNode services = compose().get("services");
        for (String name : List.of("ledger-service", "projector")) {
            ServiceEnvironment env = ServiceEnvironment.read(env(services, name), java.util.Optional.empty());
            assertThat(env.kafka()).as(name).containsEntry("bootstrap.servers", "kafka:9092");
            assertThat(env.serdeConfig()).as(name).containsEntry("schema.registry.url", "http://schema-registry:8081");
            assertThat(env.partitions()).as(name).isEqualTo(12);
        }
    }

    @Test
    void everyCommandIsOneTheJarHasAndHealthChecksCallTheHealthPort() throws Exception {
        JsonNode services = compose().get("services");
        for (String name : TALLY_SERVICES) {
            JsonNode service = services.get(name);
            List<String> command = new ArrayList<>();
            service.get("command").forEach(word -> command.add(word.asText()));
            if (PENDING_COMMANDS.contains(command.get(0))) {
                continue;
            }
            Main.commandLine().parseArgs(command.toArray(String[]::new));
            if (service.path("healthcheck").path("disable").asBoolean(false)) {
                continue;
            }
            String port = env(services, name).getOrDefault(ServiceEnvironment.HEALTH_PORT,
                    Integer.toString(ServiceEnvironment.DEFAULT_HEALTH_PORT));
            assertThat(service.get("healthcheck").get("test").toString()).as(name)
                    .contains("http://127.0.0.1:" + port + "/health");
        }
    }

    @Test
    void servicesStartInOrderOfHealthAndKeepStateInNamedVolumes() throws Exception {
        JsonNode compose = compose();
        JsonNode services = compose.get("services");
        assertThat(services.get("kafka").get("image").asText()).startsWith("apache/kafka:");
        for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> service = it.next();
            JsonNode dependsOn = service.getValue().get("depends_on");
            if (dependsOn != null) {
                dependsOn.fields().forEachRemaining(d -> assertThat(d.getValue().get("condition").asText())
                        .as(service.getKey() + " waits for " + d.getKey()).isEqualTo("service_healthy"));
            }
            JsonNode volumes = service.getValue().get("volumes");
            if (volumes != null) {
                // State in named volumes; configuration (deploy/) bind-mounted read-only from the repository.
                volumes.forEach(v -> {
                    String source = v.asText().split(":")[0];
                    if (source.startsWith("./")) {
                        assertThat(v.asText()).as(service.getKey() + " mounts configuration read-only").endsWith(":ro");
                        assertThat(ROOT.resolve(source)).as(service.getKey() + " mounts a file of the repository").exists();
                    } else {
                        assertThat(compose.get("volumes").has(source))
                                .as(service.getKey() + " volume " + v.asText() + " is a named volume").isTrue();
                    }
                });
            }
        }
    }

    @Test
    void theImageIsBuiltInStagesAndRunsAsAnUnprivilegedUserWithAHealthCheck() throws Exception {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        assertThat(dockerfile).contains("FROM maven:3.9-eclipse-temurin-17 AS build", "FROM eclipse-temurin:17-jre",
                "./mvnw -B -q -DskipTests package", "USER tally", "HEALTHCHECK", "ENTRYPOINT [\"java\"");
    }

    private static Map<String, String> env(JsonNode services, String name) {
        Map<String, String> env = new java.util.HashMap<>();
        services.get(name).get("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }
}
