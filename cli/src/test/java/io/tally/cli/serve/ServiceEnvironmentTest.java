package io.tally.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.schemas.ValueSerdes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceEnvironmentTest {
    @TempDir
    Path dir;

    @Test
    void kafkaPropertiesPassThroughUntouchedAndTallysKeysStayOut() throws Exception {
        Path file = dir.resolve("kafka.properties");
        Files.writeString(file, String.join("\n",
                "bootstrap.servers=file:9092",
                "security.protocol=SASL_SSL",
                "sasl.mechanism=SCRAM-SHA-512",
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";",
                "client.id=tally-a",
                "tally.serde=confluent",
                "schema.registry.url=http://file:8081",
                "basic.auth.user.info=u:p",
                "tally.partitions=6"));
        ServiceEnvironment env = ServiceEnvironment.read(Map.of(ServiceEnvironment.KAFKA_CONFIG, file.toString()), Optional.empty());
        assertThat(env.kafka()).containsOnly(
                Map.entry("bootstrap.servers", "file:9092"),
                Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.mechanism", "SCRAM-SHA-512"),
                Map.entry("sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";"),
                Map.entry("client.id", "tally-a"));
        assertThat(env.serdeConfig()).containsOnly(Map.entry(ValueSerdes.SERDE_CONFIG, "confluent"),
                Map.entry(ValueSerdes.REGISTRY_URL_CONFIG, "http://file:8081"),
                Map.entry(ValueSerdes.REGISTRY_USER_INFO_CONFIG, "u:p"));
        assertThat(env.partitions()).isEqualTo(6);
    }

    @Test
    void environmentVariablesWinOverTheFileAndDefaultsFillTheRest() throws Exception {
        Path file = dir.resolve("kafka.properties");
        Files.writeString(file, "bootstrap.servers=file:9092\ntally.partitions=6\n");
        ServiceEnvironment env = ServiceEnvironment.read(Map.of(
                ServiceEnvironment.BOOTSTRAP_SERVERS, "env:9092",
                ServiceEnvironment.PARTITIONS, "24",
                ServiceEnvironment.SERDE, "confluent",
                ServiceEnvironment.SCHEMA_REGISTRY_URL, "http://registry:8081",
                ServiceEnvironment.JDBC_URL, "jdbc:postgresql://db/tally"), Optional.of(file));
        assertThat(env.kafka()).containsEntry("bootstrap.servers", "env:9092");
        assertThat(env.partitions()).isEqualTo(24);
        assertThat(env.replicationFactor()).isEqualTo(ServiceEnvironment.DEFAULT_REPLICATION_FACTOR);
        assertThat(env.healthPort()).isEqualTo(ServiceEnvironment.DEFAULT_HEALTH_PORT);
        assertThat(env.jdbcUrl()).contains("jdbc:postgresql://db/tally");
        assertThat(env.serdes().encoding()).isEqualTo(ValueSerdes.Encoding.CONFLUENT);
        assertThat(env.topics().requests().name()).isEqualTo("ledger.requests");
    }

    @Test
    void theEncodingVariablesOverrideTheFileForTheLocalStackToo() {
        Map<String, String> config = ServiceEnvironment.serdeConfig(
                Map.of("tally.serde", "single-object", "schema.registry.url", "http://file:8081", "acks", "all"),
                Map.of(ServiceEnvironment.SERDE, "confluent"));
        assertThat(config).containsOnly(Map.entry(ValueSerdes.SERDE_CONFIG, "confluent"),
                Map.entry(ValueSerdes.REGISTRY_URL_CONFIG, "http://file:8081"));
    }

    @Test
    void withoutAClusterOrWithAMalformedNumberItSaysWhichSetting() {
        assertThatThrownBy(() -> ServiceEnvironment.read(Map.of(), Optional.empty()))
                .hasMessageContaining(ServiceEnvironment.BOOTSTRAP_SERVERS);
        assertThatThrownBy(() -> ServiceEnvironment.read(Map.of(ServiceEnvironment.BOOTSTRAP_SERVERS, "k:9092",
                ServiceEnvironment.PARTITIONS, "many"), Optional.empty()))
                .hasMessageContaining(ServiceEnvironment.PARTITIONS).hasMessageContaining("many");
    }
}
