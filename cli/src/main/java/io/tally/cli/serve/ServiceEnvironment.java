package io.tally.cli.serve;

import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * How a service started alone ({@code ./tally serve ledger|projector}, one container of the compose
 * stack) is configured: environment variables, plus a properties file.
 *
 * <p>The properties file ({@value #KAFKA_CONFIG}) holds Kafka client properties, passed to every
 * client untouched (bootstrap servers, SASL/SSL, client ids, tuning), and may hold tally's own keys:
 * those starting with {@code tally.} and the schema registry's ({@code schema.registry.url},
 * {@code basic.auth.user.info}), which are not given to Kafka. An environment variable wins over the
 * file.
 *
 * <p>The variables are listed in {@link #VARIABLES}; a test checks that the compose file sets no
 * other {@code TALLY_*} variable.
 *
 * @param kafka Kafka client properties, untouched, with {@code bootstrap.servers}
 * @param serdeConfig the keys {@link ValueSerdes#fromConfig} reads
 * @param jdbcUrl PostgreSQL, for the projector's cache (and the reconciler)
 * @param stateDir where Streams state stores live
 * @param partitions partitions of the keyed topics, expected (and created with {@code --create-topics})
 * @param replicationFactor replicas of tally's topics and of Streams' internal topics
 * @param healthPort the port of the health endpoint ({@code GET /health}); 0 picks a free one
 * @param applicationId the Streams application id (consumer group) of this service, if not the default
 * @param topicPrefix put before every topic name (e.g. {@code team-a.}); empty by default
 * @param httpPort the port of the service's own HTTP API (ledger-service: writes; projector: reads), if
 *     it serves one; 0 picks a free one (ledger-service only: a projector's port is advertised to the other
 *     instances, so it must be known before it starts)
 * @param advertisedHost how the other instances reach this one: the host of the projector's
 *     {@code application.server}; default {@value #DEFAULT_ADVERTISED_HOST}
 * @param tokensFile the bearer tokens the HTTP API accepts (lines {@code <sha-256 hex>:<scopes>[:<name>]});
 *     required with {@code httpPort}
 */
public record ServiceEnvironment(
        Map<String, Object> kafka, Map<String, String> serdeConfig, Optional<String> jdbcUrl, Path stateDir,
        int partitions, int replicationFactor, int healthPort, Optional<String> applicationId,
        String topicPrefix, Optional<Integer> httpPort, String advertisedHost, Optional<Path> tokensFile) {

    /** Kafka's {@code bootstrap.servers}, over the file's. */
    public static final String BOOTSTRAP_SERVERS = "TALLY_KAFKA_BOOTSTRAP_SERVERS";
    /** Path of the properties file of Kafka client properties (and tally's keys). */
    public static final String KAFKA_CONFIG = "TALLY_KAFKA_CONFIG";
    /** PostgreSQL's JDBC URL (same name as the embedded stack's). */
    public static final String JDBC_URL = "TALLY_JDBC_URL";
    /** {@code single-object} or {@code confluent} ({@value ValueSerdes#SERDE_CONFIG}). */
    public static final String SERDE = "TALLY_SERDE";
    /** The schema registry's address ({@value ValueSerdes#REGISTRY_URL_CONFIG}). */
    public static final String SCHEMA_REGISTRY_URL = "TALLY_SCHEMA_REGISTRY_URL";
    /** Where state stores live; default {@code state} in the working directory. */
    public static final String STATE_DIR = "TALLY_STATE_DIR";
    /** Partitions of the keyed topics; default {@value #DEFAULT_PARTITIONS}. */
    public static final String PARTITIONS = "TALLY_PARTITIONS";
    /** Replication factor; default {@value #DEFAULT_REPLICATION_FACTOR}. */
    public static final String REPLICATION_FACTOR = "TALLY_REPLICATION_FACTOR";
    /** Port of the health endpoint; default {@value #DEFAULT_HEALTH_PORT}. */
    public static final String HEALTH_PORT = "TALLY_HEALTH_PORT";
    /** The Streams application id, to run a second, independent copy of a service. */
    public static final String APPLICATION_ID = "TALLY_APPLICATION_ID";
    /** Put before every topic name, to share a cluster; default none. */
    public static final String TOPIC_PREFIX = "TALLY_TOPIC_PREFIX";

    /** Port of the service's HTTP API (issue 20); unset: no API, the health port only. */
    public static final String HTTP_PORT = "TALLY_HTTP_PORT";
    /** Host the other instances reach this one at (the projector's {@code application.server}). */
    public static final String ADVERTISED_HOST = "TALLY_ADVERTISED_HOST";
    /** The bearer tokens file of the HTTP API; required with {@value #HTTP_PORT}. */
    public static final String TOKENS_FILE = "TALLY_TOKENS_FILE";

    /** Every variable a service reads. */
    public static final List<String> VARIABLES = List.of(BOOTSTRAP_SERVERS, KAFKA_CONFIG, JDBC_URL, SERDE,
            SCHEMA_REGISTRY_URL, STATE_DIR, PARTITIONS, REPLICATION_FACTOR, HEALTH_PORT, APPLICATION_ID, TOPIC_PREFIX,
            HTTP_PORT, ADVERTISED_HOST, TOKENS_FILE);

    /** Default {@value #ADVERTISED_HOST}: this machine's loopback, for instances on one machine. */
    public static final String DEFAULT_ADVERTISED_HOST = "127.0.0.1";

    /** Default partitions of the keyed topics (DESIGN.md sizing; the README says how to choose). */
    public static final int DEFAULT_PARTITIONS = 12;
    /** Default replication factor: a production cluster has three brokers or more. */
    public static final int DEFAULT_REPLICATION_FACTOR = 3;
    /** Default health port. */
    public static final int DEFAULT_HEALTH_PORT = 8080;

    public ServiceEnvironment {
        kafka = Map.copyOf(kafka);
        serdeConfig = Map.copyOf(serdeConfig);
        Objects.requireNonNull(topicPrefix, "topicPrefix");
        if (partitions < 1 || replicationFactor < 1) {
            throw new IllegalArgumentException("partitions and replication factor must be >= 1");
        }
        if (httpPort.isPresent() && (httpPort.get() < 0 || httpPort.get() > 65_535)) {
            throw new IllegalArgumentException(HTTP_PORT + " must be a port, 0 to 65535, not " + httpPort.get());
        }
        if (httpPort.isPresent() && tokensFile.isEmpty()) {
            throw new IllegalArgumentException(HTTP_PORT + " serves an API that needs tokens: set " + TOKENS_FILE
                    + " (lines <sha-256 hex>:<scopes>[:<name>])");
        }
    }

    /**
     * Reads the configuration from {@code env} (the process environment, or a test's) and the
     * properties file it names.
     *
     * @param kafkaConfigFile a properties file given on the command line, over {@value #KAFKA_CONFIG}
     * @throws IllegalArgumentException if a value is malformed or {@code bootstrap.servers} is set
     *     nowhere; the message names the variable or key
     * @throws IOException if the properties file cannot be read
     */
    public static ServiceEnvironment read(Map<String, String> env, Optional<Path> kafkaConfigFile) throws IOException {
        Map<String, String> file = new LinkedHashMap<>();
        Optional<Path> path = kafkaConfigFile.or(() -> Optional.ofNullable(env.get(KAFKA_CONFIG)).map(Path::of));
        if (path.isPresent()) {
            Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(path.get())) {
                properties.load(in);
            }
            properties.stringPropertyNames().forEach(name -> file.put(name, properties.getProperty(name)));
        }
        Map<String, Object> kafka = new HashMap<>();
        Map<String, String> tally = new HashMap<>();
        file.forEach((key, value) -> {
            if (key.startsWith("tally.") || ValueSerdes.CONFIG_KEYS.contains(key)) {
                tally.put(key, value);
            } else {
                kafka.put(key, value);
            }
        });
        setting(env, BOOTSTRAP_SERVERS).ifPresent(v -> kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, v));
        if (!kafka.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException("no Kafka cluster: set " + BOOTSTRAP_SERVERS
                    + " or bootstrap.servers in the file named by " + KAFKA_CONFIG);
        }
        Map<String, String> serdeConfig = serdeConfig(tally, env);
        return new ServiceEnvironment(kafka, serdeConfig,
                setting(env, JDBC_URL).or(() -> Optional.ofNullable(tally.get("tally.jdbc.url"))),
                Path.of(setting(env, STATE_DIR).orElse(tally.getOrDefault("tally.state.dir", "state"))),
                integer(env, tally, PARTITIONS, "tally.partitions", DEFAULT_PARTITIONS),
                integer(env, tally, REPLICATION_FACTOR, "tally.replication.factor", DEFAULT_REPLICATION_FACTOR),
                integer(env, tally, HEALTH_PORT, "tally.health.port", DEFAULT_HEALTH_PORT),
                setting(env, APPLICATION_ID).or(() -> Optional.ofNullable(tally.get("tally.application.id"))),
                setting(env, TOPIC_PREFIX).orElse(tally.getOrDefault("tally.topic.prefix", "")),
                setting(env, HTTP_PORT).or(() -> Optional.ofNullable(tally.get("tally.http.port")))
                        .map(v -> integer(env, tally, HTTP_PORT, "tally.http.port", -1)),
                setting(env, ADVERTISED_HOST).orElse(tally.getOrDefault("tally.advertised.host", DEFAULT_ADVERTISED_HOST)),
                setting(env, TOKENS_FILE).or(() -> Optional.ofNullable(tally.get("tally.tokens.file"))).map(Path::of));
    }

    /**
     * The value-encoding keys of {@code properties} ({@link ValueSerdes#CONFIG_KEYS}), with
     * {@value #SERDE} and {@value #SCHEMA_REGISTRY_URL} from {@code env} over them: what
     * {@link ValueSerdes#fromConfig} reads.
     */
    public static Map<String, String> serdeConfig(Map<String, ?> properties, Map<String, String> env) {
        Map<String, String> config = new HashMap<>();
        for (String key : ValueSerdes.CONFIG_KEYS) {
            if (properties.get(key) != null) {
                config.put(key, properties.get(key).toString());
            }
        }
        setting(env, SERDE).ifPresent(v -> config.put(ValueSerdes.SERDE_CONFIG, v));
        setting(env, SCHEMA_REGISTRY_URL).ifPresent(v -> config.put(ValueSerdes.REGISTRY_URL_CONFIG, v));
        return config;
    }

    /** tally's topics under this configuration, values in the encoding it selects. */
    public LedgerTopics topics() {
        return TopicNames.withPrefix(topicPrefix, partitions).in(serdes());
    }

    /** The value serdes the configuration selects. */
    public ValueSerdes serdes() {
        return ValueSerdes.fromConfig(serdeConfig);
    }

    private static Optional<String> setting(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::strip).filter(v -> !v.isEmpty());
    }

    private static int integer(Map<String, String> env, Map<String, String> file, String variable, String key, int fallback) {
        Optional<String> value = setting(env, variable).or(() -> Optional.ofNullable(file.get(key)));
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.get().strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(variable + " (or " + key + ") must be a whole number, not '" + value.get() + "'");
        }
    }
}
