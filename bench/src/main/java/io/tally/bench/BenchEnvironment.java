package io.tally.bench;

import io.tally.embedded.EmbeddedKafka;
import io.tally.embedded.PostgresServer;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;

/**
 * What the workloads run on: a Kafka cluster (an embedded KRaft broker in a JVM of its own, or in this
 * JVM with {@code --in-one-jvm}, or {@code --bootstrap-servers}) and PostgreSQL ({@code --jdbc-url}/{@code TALLY_JDBC_URL}, or embedded),
 * with fresh topic names, databases and state directories on demand so rounds never share state.
 *
 * <p>Not thread-safe: used from the runner's thread.
 */
public final class BenchEnvironment implements AutoCloseable {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final EmbeddedKafka broker;
    private final ChildJvm brokerProcess;
    private final PostgresServer postgres;
    private final Map<String, Object> kafka;
    private final Path dir;
    private final BenchOptions options;
    private final PrintStream log;
    private final String where;

    private BenchEnvironment(EmbeddedKafka broker, ChildJvm brokerProcess, PostgresServer postgres,
            Map<String, Object> kafka, Path dir, BenchOptions options, PrintStream log, String where) {
        this.broker = broker;
        this.brokerProcess = brokerProcess;
        this.postgres = postgres;
        this.kafka = Map.copyOf(kafka);
        this.dir = dir;
        this.options = options;
        this.log = log;
        this.where = where;
    }

    /**
     * Starts (or connects to) Kafka and PostgreSQL.
     *
     * @param bootstrapServers an existing cluster, or empty for an embedded broker under {@code dir}
     * @param jdbcUrl an existing PostgreSQL, or empty for {@code TALLY_JDBC_URL}, else an embedded one
     * @param dir scratch space (broker logs, state stores); deleted by nobody, so use a temporary one
     * @param log where progress lines go
     */
    public static BenchEnvironment start(Optional<String> bootstrapServers, Optional<String> jdbcUrl, Path dir,
            BenchOptions options, PrintStream log) throws Exception {
        Files.createDirectories(dir);
        EmbeddedKafka broker = null;
        ChildJvm brokerProcess = null;
        String bootstrap;
        if (bootstrapServers.isPresent()) {
            bootstrap = bootstrapServers.get();
        } else if (options.separateProcesses()) {
            brokerProcess = ChildJvm.start("broker", 2048, List.of(dir.resolve("kafka").toString()));
            bootstrap = brokerProcess.awaitLine("READY", Duration.ofMinutes(2));
        } else {
            broker = EmbeddedKafka.start(dir.resolve("kafka"));
            bootstrap = broker.bootstrapServers();
        }
        Optional<String> url = jdbcUrl.or(() -> Optional.ofNullable(System.getenv(PostgresServer.JDBC_URL_ENV)));
        PostgresServer pg = PostgresServer.start(url, dir.resolve("postgres"));
        Map<String, Object> kafka = new HashMap<>();
        kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        String where = (broker != null ? "embedded Kafka (KRaft, in this JVM)"
                : brokerProcess != null ? "embedded Kafka (KRaft) in a JVM of its own at " + bootstrap
                : "Kafka at " + bootstrap) + ", "
                + (pg.isEmbedded() ? "embedded PostgreSQL" : "PostgreSQL at " + PostgresServer.redact(pg.jdbcUrl()));
        return new BenchEnvironment(broker, brokerProcess, pg, kafka, dir, options, log, where);
    }

    /** Kafka client properties ({@code bootstrap.servers}). */
    public Map<String, Object> kafka() {
        return kafka;
    }

    /** The run's sizes and rates. */
    public BenchOptions options() {
        return options;
    }

    /** Where Kafka and PostgreSQL are, in words. */
    public String where() {
        return where;
    }

    /** Whether the broker runs in this JVM (then heap figures include it, and so does CPU). */
    public boolean embeddedKafka() {
        return broker != null;
    }

    /** The CPU time so far of the broker's own JVM, nanoseconds, or -1 when the broker runs elsewhere or here. */
    public long brokerProcessCpuNs() {
        return brokerProcess == null ? -1 : brokerProcess.cpuNs();
    }

    /** A unique name with {@code stem}, usable as a topic prefix, application id or database name. */
    public static String unique(String stem) {
        return String.format(Locale.ROOT, "%s_%d_%d", stem, ProcessHandle.current().pid(), SEQUENCE.incrementAndGet());
    }

    /** A new set of tally's topics under a unique prefix, created with {@link BenchOptions#partitions}. */
    public LedgerTopics newTopics(String stem) throws Exception {
        // The embedded default encoding: the rows measure tally against raw Kafka, not the registry.
        LedgerTopics topics = TopicNames.withPrefix(unique(stem) + ".", options.partitions()).in(ValueSerdes.singleObject());
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        return topics;
    }

    /** A new, empty database. */
    public DataSource newDatabase(String stem) throws SQLException {
        return PostgresServer.dataSource(postgres.createDatabase(unique(stem).toLowerCase(Locale.ROOT)));
    }

    /** A new state directory for one Streams application. */
    public Path newStateDir(String stem) throws IOException {
        return Files.createDirectories(dir.resolve("state").resolve(unique(stem)));
    }

    /** Prints a progress line (not a result). */
    public void progress(String format, Object... args) {
        log.printf(Locale.ROOT, format + "%n", args);
    }

    /** Closes PostgreSQL, then the broker (if they were started here). */
    @Override
    public void close() throws Exception {
        try {
            postgres.close();
        } finally {
            if (broker != null) {
                broker.close();
            }
            if (brokerProcess != null) {
                brokerProcess.close();
            }
        }
    }
}
