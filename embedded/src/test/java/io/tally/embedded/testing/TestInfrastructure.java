package io.tally.embedded.testing;

import io.tally.embedded.EmbeddedKafka;
import io.tally.embedded.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.utils.Exit;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The integration-test fixture: one Kafka broker and one PostgreSQL server per test JVM, shared by
 * all tests, each test isolating itself with its own database ({@link #newDatabase}) and topic
 * names ({@link #uniqueName}).
 *
 * <p>Which servers: with a Docker engine, Testcontainers' Kafka ({@code apache/kafka}) and
 * PostgreSQL containers; without one (every machine here), the in-JVM KRaft broker and, for
 * PostgreSQL, the server named by {@code TALLY_JDBC_URL} or else the embedded binaries. Set
 * {@code TALLY_TEST_CONTAINERS=false} to use the embedded servers even where Docker runs.
 *
 * <p>Thread-safe: start-up is synchronized; the servers stop when the JVM exits.
 */
public final class TestInfrastructure {
    private static TestInfrastructure instance;
    private static final AtomicInteger counter = new AtomicInteger();

    private final String bootstrapServers;
    private final PostgresServer postgres;
    private final String description;
    private final List<String> created = new ArrayList<>();

    private TestInfrastructure(String bootstrapServers, PostgresServer postgres, String description) {
        this.bootstrapServers = bootstrapServers;
        this.postgres = postgres;
        this.description = description;
    }

    /** The shared fixture, started on first call. */
    public static synchronized TestInfrastructure get() {
        if (instance == null) {
            try {
                instance = useContainers() ? startContainers() : startEmbedded();
                TestInfrastructure started = instance;
                if (!started.postgres.isEmbedded()) {
                    Runtime.getRuntime().addShutdownHook(new Thread(started::dropCreatedDatabases));
                }
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the test infrastructure", e);
            }
        }
        return instance;
    }

    /** Whether a Docker engine is reachable and containers are not turned off. */
    public static boolean useContainers() {
        if ("false".equalsIgnoreCase(System.getenv("TALLY_TEST_CONTAINERS"))) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static TestInfrastructure startContainers() throws Exception {
        KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.1");
        kafka.start();
        PostgreSQLContainer pg = new PostgreSQLContainer("postgres:17-alpine");
        pg.start();
        String url = pg.getJdbcUrl() + (pg.getJdbcUrl().contains("?") ? "&" : "?")
                + "user=" + pg.getUsername() + "&password=" + pg.getPassword();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.stop();
            pg.stop();
        }));
        return new TestInfrastructure(kafka.getBootstrapServers(), PostgresServer.start(Optional.of(url), null),
                "Testcontainers (Kafka, PostgreSQL)");
    }

    private static TestInfrastructure startEmbedded() throws Exception {
        // The broker shares the test JVM: a fatal path while the JVM shuts down (say, its temporary log
        // directory already gone) must not halt the JVM with a non-zero code after the tests passed,
        // which the test runner reports as a crashed fork. Kafka's own tests do the same.
        Exit.setExitProcedure((code, message) -> System.err.println("embedded Kafka asked to exit " + code + ": " + message));
        Exit.setHaltProcedure((code, message) -> System.err.println("embedded Kafka asked to halt " + code + ": " + message));
        EmbeddedKafka kafka = EmbeddedKafka.start(null);
        PostgresServer pg = PostgresServer.start(Optional.ofNullable(System.getenv(PostgresServer.JDBC_URL_ENV)), null);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                kafka.close();
                pg.close();
            } catch (Exception ignored) {
                // the JVM is exiting
            }
        }));
        return new TestInfrastructure(kafka.bootstrapServers(), pg,
                "embedded KRaft broker, " + (pg.isEmbedded() ? "embedded PostgreSQL" : "PostgreSQL at " + PostgresServer.JDBC_URL_ENV));
    }

    /** The brokers' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The PostgreSQL server. */
    public PostgresServer postgres() {
        return postgres;
    }

    /** What was started, for test logs. */
    public String description() {
        return description;
    }

    /**
     * A fresh database for one test; returns its JDBC URL. Databases made on a server named by
     * {@code TALLY_JDBC_URL} are dropped when the JVM exits, so test runs leave nothing behind.
     */
    public String newDatabase(String prefix) {
        String name = uniqueName(prefix).replace('-', '_').replace('.', '_');
        try {
            String url = postgres.createDatabase(name);
            synchronized (created) {
                created.add(name);
            }
            return url;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a test database", e);
        }
    }

    private void dropCreatedDatabases() {
        synchronized (created) {
            for (String name : created) {
                try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement()) {
                    s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                } catch (SQLException e) {
                    // best effort at exit
                }
            }
            created.clear();
        }
    }

    /** A name no other test in this JVM (or an earlier run) uses: {@code prefix-N-xxxxxx}, lower case. */
    public static String uniqueName(String prefix) {
        return (prefix + "-" + counter.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8))
                .toLowerCase(Locale.ROOT);
    }
}
