package io.tally.demo;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.console.ConsoleSources;
import io.tally.console.OperatorConsole;
import io.tally.embedded.EmbeddedKafka;
import io.tally.embedded.PostgresServer;
import io.tally.ledger.http.LedgerHttpApi;
import io.tally.ledger.http.PendingOutcomes;
import io.tally.ledger.kafka.LedgerServiceApp;
import io.tally.ledger.kafka.LedgerServiceConfig;
import io.tally.ledger.kafka.RequestPublisher;
import io.tally.platform.http.Tokens;
import io.tally.platform.kafka.GroupProgress;
import io.tally.projector.ProjectorTopology;
import io.tally.projector.http.ProjectorHttpApi;
import io.tally.projector.jdbc.BalanceCacheSink;
import io.tally.projector.jdbc.LiveApplicationTable;
import io.tally.projector.jdbc.ProjectorSchema;
import io.tally.projector.kafka.LiveProjector;
import io.tally.projector.kafka.ProjectorApp;
import io.tally.projector.kafka.ProjectorConfig;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a local run needs, started in order and closed in reverse: the Kafka cluster (the
 * embedded KRaft broker in {@code <data dir>/kafka}, or the one at {@code --bootstrap-servers}),
 * PostgreSQL ({@code TALLY_JDBC_URL}, or embedded in {@code <data dir>/postgres}), the topics, the
 * projector's tables, and the services: ledger-service, projector and the PostgreSQL cache sink.
 *
 * <p>Not thread-safe: start and close from one thread.
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);
    /** The projector's Streams application id (its consumer group on {@code ledger.events}). */
    public static final String PROJECTOR_APPLICATION_ID = "tally-projector";
    /**
     * The cache sink's consumer group of {@code ./tally serve projector} with its default application id
     * (the compose file's): a command beside running services waits for it.
     */
    public static final String SERVICE_SINK_GROUP = "tally-projector-balance-cache";
    /** How often the projector checks whether {@code ./tally rebuild} switched readers. */
    public static final Duration LIVE_SWITCH_CHECK = Duration.ofSeconds(5);

    /**
     * How to start.
     *
     * @param dataDir the data directory
     * @param bootstrapServers an existing cluster, or empty for the embedded broker
     * @param jdbcUrl an existing PostgreSQL, or empty for the embedded one
     * @param kafka extra Kafka client properties, passed through untouched (security, client ids);
     *     without the value encoding's keys ({@link ValueSerdes#CONFIG_KEYS}), which are not Kafka's
     * @param serdes the value encoding of the topics
     * @param partitions partitions of the keyed topics
     * @param replicationFactor replicas of tally's and Streams' topics
     */
    public record Options(Path dataDir, Optional<String> bootstrapServers, Optional<String> jdbcUrl,
            Map<String, Object> kafka, ValueSerdes serdes, int partitions, int replicationFactor) {}

    private final List<AutoCloseable> started = new ArrayList<>();
    private final Map<String, Object> kafka;
    private final LedgerTopics topics;
    private final PostgresServer postgres;
    private final String description;
    private LedgerServiceApp ledger;
    private Duration idempotencyRetention;
    private LiveProjector projector;
    private ProjectorApp ownProjection;
    private final boolean externalKafka;
    private BalanceCacheSink sink;
    private HostInfo projectorServer;
    private Optional<String> applicationSql = Optional.empty();
    private Map<String, Object> ledgerDefaults = Map.of();

    private LocalStack(Map<String, Object> kafka, LedgerTopics topics, PostgresServer postgres,
            String description, boolean externalKafka) {
        this.externalKafka = externalKafka;
        this.kafka = kafka;
        this.topics = topics;
        this.postgres = postgres;
        this.description = description;
    }

    /**
     * Starts the infrastructure (broker, database, topics, tables), not the services.
     *
     * @throws Exception if any part cannot start; what did start is closed again
     */
    public static LocalStack startInfrastructure(Options options) throws Exception {
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            String bootstrap;
            String kafkaWhere;
            if (options.bootstrapServers().isPresent()) {
                bootstrap = options.bootstrapServers().get();
                kafkaWhere = "Kafka at " + bootstrap;
            } else {
                EmbeddedKafka broker = EmbeddedKafka.start(options.dataDir().resolve("kafka"));
                opened.add(broker);
                bootstrap = broker.bootstrapServers();
                kafkaWhere = "embedded Kafka (KRaft) at " + bootstrap;
            }
            PostgresServer pg = PostgresServer.start(options.jdbcUrl(), options.dataDir().resolve("postgres"));
            opened.add(pg);
            Map<String, Object> kafka = new HashMap<>(options.kafka());
            kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            LedgerTopics topics = TopicNames.defaults(options.partitions()).in(options.serdes());
            try (Admin admin = Admin.create(kafka)) {
                List<String> created = TopicAdmin.ensure(admin, topics.specs(), (short) options.replicationFactor());
                log.info("topics created: {}", created);
            }
            ProjectorSchema.migrate(pg.dataSource());
            String pgWhere = pg.isEmbedded() ? "embedded PostgreSQL" : "PostgreSQL at " + PostgresServer.redact(pg.jdbcUrl());
            LocalStack stack = new LocalStack(kafka, topics, pg, kafkaWhere + ", " + pgWhere,
                    options.bootstrapServers().isPresent());
            stack.started.addAll(opened);
            return stack;
        } catch (Exception e) {
            closeAll(opened);
            throw e;
        }
    }

    /**
     * Starts ledger-service, the projector and the cache sink, and waits until both Streams
     * applications are RUNNING.
     *
     * @param stateDir where the Streams state stores live
     * @param replicationFactor replicas of Streams' internal topics
     * @param timeout how long a service may make no progress towards RUNNING (a long restore that moves is
     *     waited for)
     * @throws Exception if a service makes no progress for {@code timeout}
     */
    public void startServices(Path stateDir, int replicationFactor, MeterRegistry metrics, Duration timeout)
            throws Exception {
        startLedger(stateDir, replicationFactor, metrics, timeout);
        startProjection(stateDir, replicationFactor, metrics, timeout);
    }

    /**
     * Starts ledger-service alone and waits until it is RUNNING: for a run that decides first and
     * projects afterwards ({@code ./tally demo}), so that each phase has the machine to itself.
     *
     * @throws Exception if it does not reach RUNNING within {@code timeout}
     */
    public void startLedger(Path stateDir, int replicationFactor, MeterRegistry metrics, Duration timeout)
            throws Exception {
        Map<String, Object> ledgerKafka = new HashMap<>(kafka);
        ledgerDefaults.forEach(ledgerKafka::putIfAbsent);
        ledger = new LedgerServiceApp(new LedgerServiceConfig(ledgerKafka, LedgerServiceConfig.DEFAULT_APPLICATION_ID,
                stateDir.resolve("ledger-service"), topics, replicationFactor, idempotencyRetention), metrics);
        started.add(ledger);
        ledger.start();
        ledger.awaitRunning(timeout);
    }

    /**
     * Starts the projector and the cache sink (after {@link #startLedger}) and waits until the
     * projector is RUNNING.
     *
     * @throws Exception if it does not reach RUNNING within {@code timeout}
     */
    public void startProjection(Path stateDir, int replicationFactor, MeterRegistry metrics, Duration timeout)
            throws Exception {
        Map<String, Object> projectorKafka = new HashMap<>(kafka);
        if (projectorServer != null) {
            projectorKafka.put(StreamsConfig.APPLICATION_SERVER_CONFIG, projectorServer.host() + ":" + projectorServer.port());
        }
        // Runs the projection ./tally rebuild last switched readers to, and follows a later switch.
        projector = new LiveProjector(new ProjectorConfig(projectorKafka, PROJECTOR_APPLICATION_ID,
                stateDir.resolve("projector"), topics, replicationFactor), metrics, postgres.dataSource(),
                LIVE_SWITCH_CHECK, timeout);
        started.add(projector);
        sink = new BalanceCacheSink(kafka, SERVICE_SINK_GROUP, topics, postgres.dataSource(), applicationSql)
                .bindTo(metrics);
        started.add(sink);
        projector.start();
        sink.start();
        projector.get().awaitRunning(timeout);
    }

    /**
     * Streams properties for ledger-service only, where the passed-through Kafka properties do not set
     * them (a bulk load's {@code commit.interval.ms}); call before {@link #startLedger}.
     */
    public void ledgerDefaults(Map<String, Object> defaults) {
        ledgerDefaults = Map.copyOf(defaults);
    }

    /** ledger-service's application id, its consumer group on {@code ledger.requests}. */
    public String ledgerApplicationId() {
        return LedgerServiceConfig.DEFAULT_APPLICATION_ID;
    }

    /**
     * Starts ledger-service's HTTP API on {@code host:port} (0: any free port); call after
     * {@link #startServices}. It is closed first when the stack closes, draining requests in flight.
     *
     * @param timeout how long a write waits for its outcome before answering 202
     */
    public LedgerHttpApi startLedgerHttp(Tokens tokens, String host, int port, Duration timeout, MeterRegistry metrics) {
        RequestPublisher publisher = new RequestPublisher(kafka, topics);
        started.add(publisher);
        PendingOutcomes outcomes = new PendingOutcomes(kafka, topics, 100_000);
        started.add(outcomes);
        LedgerHttpApi api = new LedgerHttpApi(publisher, outcomes, tokens, timeout,
                () -> ledger.state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING, metrics,
                java.time.Clock.systemUTC());
        started.add(api);
        return api.start(host, port);
    }

    /**
     * Makes the cache sink also run {@code sql} (named parameters such as {@code :account_id},
     * {@code :available}, {@code :locked}) for each balance that moves forward, to keep an application's
     * own balance column in step; call before {@link #startServices}.
     */
    public void keepApplicationColumn(String sql) {
        applicationSql = Optional.of(sql);
    }

    /**
     * Starts a projection of this process's own under {@code applicationId}, for a command that reads
     * beside services running elsewhere on the same cluster ({@code ./tally serve ...}, compose): a
     * projector that builds its tables from {@code ledger.events} without publishing them, and no
     * ledger-service or cache sink, so that it joins none of the services' consumer groups. Its state
     * stays under {@code stateDir}, so the next run only reads what was appended since. Waits until it is
     * RUNNING.
     *
     * @throws Exception if it does not reach RUNNING within {@code timeout}
     */
    public void startProjectionOnly(String applicationId, Path stateDir, int replicationFactor, MeterRegistry metrics,
            Duration timeout) throws Exception {
        ownProjection = new ProjectorApp(new ProjectorConfig(kafka, applicationId, stateDir.resolve("projector"), topics,
                replicationFactor), metrics, ProjectorTopology.Publishing.TABLES_ONLY);
        started.add(ownProjection);
        ownProjection.start();
        ownProjection.awaitRunning(timeout);
    }

    /**
     * Whether Kafka is a cluster the user named ({@code --bootstrap-servers}), where tally's services may
     * be running, rather than the embedded broker of the data directory, which only this process uses.
     */
    public boolean externalKafka() {
        return externalKafka;
    }

    /**
     * Makes the projector answer interactive queries at {@code host:port} (its {@code application.server});
     * call before {@link #startServices}, then {@link #startProjectorHttp}.
     */
    public void serveProjectorAt(String host, int port) {
        projectorServer = new HostInfo(host, port);
    }

    /**
     * Starts the projector's read API on the address given to {@link #serveProjectorAt}; call after
     * {@link #startServices}. Reads need a token with the {@code read} scope.
     *
     * @param minVersionTimeout how long {@code ?minVersion=} waits
     */
    public ProjectorHttpApi startProjectorHttp(Tokens tokens, Duration minVersionTimeout, MeterRegistry metrics) {
        ProjectorHttpApi api = new ProjectorHttpApi(projector, projectorServer, tokens, minVersionTimeout, metrics);
        started.add(api);
        return api.start(projectorServer.host(), projectorServer.port());
    }

    /**
     * Waits until the projection {@code applicationId} has consumed the whole of {@code ledger.events}
     * as it is now (for {@code ./tally rebuild}, so both sides see the same events). On the embedded
     * broker nothing else runs it, so it is run here meanwhile, with its state in {@code stateDir}; on a
     * cluster named with {@code --bootstrap-servers} the projector services run it, and joining their
     * group would only take partitions from them, so it is waited for.
     *
     * @throws IllegalStateException if it has not caught up within {@code timeout}
     * @throws InterruptedException if interrupted while waiting
     */
    public void catchUpProjection(String applicationId, Path stateDir, int replicationFactor, Duration timeout)
            throws InterruptedException {
        try (ProjectorApp app = externalKafka ? null : new ProjectorApp(new ProjectorConfig(kafka, applicationId,
                stateDir, topics, replicationFactor), new SimpleMeterRegistry());
                Admin admin = Admin.create(kafka)) {
            if (app != null) {
                app.start();
                app.awaitRunning(timeout);
            }
            var end = GroupProgress.endOffsets(admin, topics.events().name());
            GroupProgress.await(admin, applicationId, end, timeout, progress -> { });
        } catch (TimeoutException e) {
            throw new IllegalStateException("the live projection did not catch up: " + e.getMessage()
                    + (externalKafka ? " (is a projector service running on that cluster?)" : ""), e);
        }
    }

    /**
     * The projector application id readers use: the one {@code ./tally rebuild} last switched to, else
     * {@link #PROJECTOR_APPLICATION_ID}.
     */
    public static String liveProjectorApplicationId(DataSource dataSource) {
        return LiveApplicationTable.current(dataSource).orElse(PROJECTOR_APPLICATION_ID);
    }

    /**
     * Starts the operator console on {@code host:port} (0: any free port), reading this stack: the
     * projector's read API (started by {@link #startProjectorHttp}, asked with each caller's token), the
     * reconciliation runs and the dead letters, and the lag of ledger-service's, the projector's and the
     * cache sink's groups. Closed with the stack.
     */
    public OperatorConsole startConsole(Tokens tokens, String host, int port) {
        List<ConsoleSources.Group> groups = List.of(
                new ConsoleSources.Group("ledger-service", ledgerApplicationId(),
                        List.of(topics.requests().name(), topics.transfers().name(), topics.operatorRequests().name())),
                new ConsoleSources.Group("projector", projectorApplicationId(), List.of(topics.events().name())),
                new ConsoleSources.Group("cache sink", SERVICE_SINK_GROUP, List.of(topics.balances().name())));
        URI projectorApi = URI.create("http://" + projectorServer.host() + ":" + projectorServer.port());
        OperatorConsole console = new OperatorConsole(new ConsoleSources(kafka(), topics, dataSource(), projectorApi,
                groups, () -> liveProjectorApplicationId(dataSource())), tokens);
        started.add(console);
        return console.start(host, port);
    }

    /** The projector's application id (after {@link #startServices}). */
    public String projectorApplicationId() {
        return ownProjection != null ? ownProjection.config().applicationId() : projector.applicationId();
    }

    /** Kafka client properties of this stack ({@code bootstrap.servers} and the passed-through ones). */
    public Map<String, Object> kafka() {
        return Map.copyOf(kafka);
    }

    /** The topics. */
    public LedgerTopics topics() {
        return topics;
    }

    /**
     * Forget idempotency keys this long after their request was decided (default: never); set before
     * {@link #startServices}.
     */
    public void idempotencyRetention(Duration retention) {
        this.idempotencyRetention = retention;
    }

    /** The database. */
    public DataSource dataSource() {
        return postgres.dataSource();
    }

    /** The projector readers use now (after {@link #startServices}), or the own projection ({@link #startProjectionOnly}). */
    public ProjectorApp projector() {
        return ownProjection != null ? ownProjection : projector.get();
    }

    /** The cache sink (after {@link #startServices}; {@code null} with {@link #startProjectionOnly}). */
    public BalanceCacheSink sink() {
        return sink;
    }

    /** Where Kafka and PostgreSQL are, for the user. */
    public String description() {
        return description;
    }

    /** Stops the services, then the infrastructure, in reverse order of start. */
    @Override
    public void close() {
        closeAll(started);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                log.warn("closing {} failed: {}", resources.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        resources.clear();
    }
}
