package io.tally.cli;

import io.tally.cli.serve.ServiceEnvironment;
import io.tally.demo.DataDirectory;
import io.tally.demo.LocalStack;
import io.tally.embedded.PostgresServer;
import io.tally.schemas.ValueSerdes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options every command that runs the stack shares (a picocli mixin): where data lives, which
 * Kafka and PostgreSQL to use, the Kafka client properties passed through untouched, and RocksDB's memory
 * bound ({@link RocksDbMemoryOption}).
 */
public final class StackOptions {
    /**
     * The environment variables the commands built on the local stack ({@code demo}, {@code reconcile},
     * {@code rebuild}, {@code serve}) read: PostgreSQL, the Kafka properties file, the data directory, and
     * the value encoding.
     */
    public static final List<String> VARIABLES = List.of(PostgresServer.JDBC_URL_ENV, ServiceEnvironment.KAFKA_CONFIG,
            DataDirectory.ENV, ServiceEnvironment.SERDE, ServiceEnvironment.SCHEMA_REGISTRY_URL);

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where tally keeps its data (default: $TALLY_DATA_DIR or ~/.tally).")
    Path dataDir;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Use this Kafka cluster instead of the embedded broker.")
    String bootstrapServers;

    @Option(names = "--jdbc-url", paramLabel = "URL",
            description = "Use this PostgreSQL (default: $TALLY_JDBC_URL, else an embedded one in the data directory).")
    String jdbcUrl;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties (security, client ids), passed through untouched (default: $TALLY_KAFKA_CONFIG).")
    Path kafkaConfig;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the keyed topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--replication-factor", description = "Replicas of the topics (default: 1 embedded, 3 otherwise).")
    Integer replicationFactor;

    @Mixin
    RocksDbMemoryOption rocksDbMemory = new RocksDbMemoryOption();

    /** The data directory, absolute. */
    public Path dataDir() {
        return (dataDir != null ? dataDir : DataDirectory.defaultPath()).toAbsolutePath();
    }

    /** Replicas: as given, else 1 on the embedded broker and 3 on a real cluster. */
    public int replicationFactor() {
        return replicationFactor != null ? replicationFactor : bootstrapServers == null ? 1 : 3;
    }

    /** Whether the embedded broker is used. */
    public boolean embeddedKafka() {
        return bootstrapServers == null;
    }

    /**
     * The local stack's options: the Kafka properties file's properties passed through, but for the value
     * encoding's keys ({@link ValueSerdes#CONFIG_KEYS}), which with {@code TALLY_SERDE} and
     * {@code TALLY_SCHEMA_REGISTRY_URL} over them choose the serdes.
     *
     * @throws IOException if the Kafka properties file cannot be read
     */
    public LocalStack.Options toStackOptions() throws IOException {
        // The bound reaches every Streams application the stack starts (and the plain clients, which ignore it).
        Map<String, Object> kafka = rocksDbMemory.applyTo(kafkaProperties());
        ValueSerdes serdes = ValueSerdes.fromConfig(ServiceEnvironment.serdeConfig(kafka, System.getenv()));
        kafka.keySet().removeAll(ValueSerdes.CONFIG_KEYS);
        return new LocalStack.Options(dataDir(), Optional.ofNullable(bootstrapServers),
                Optional.ofNullable(jdbcUrl != null ? jdbcUrl : System.getenv(PostgresServer.JDBC_URL_ENV)),
                kafka, serdes, partitions, replicationFactor());
    }

    private Map<String, Object> kafkaProperties() throws IOException {
        Path file = kafkaConfig != null ? kafkaConfig
                : System.getenv("TALLY_KAFKA_CONFIG") != null ? Path.of(System.getenv("TALLY_KAFKA_CONFIG")) : null;
        Map<String, Object> props = new HashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            }
            p.forEach((k, v) -> props.put(k.toString(), v));
        }
        return props;
    }
}
