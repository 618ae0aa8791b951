package io.tally.cli.serve;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.cli.RocksDbMemoryOption;
import io.tally.platform.http.Tokens;
import io.tally.platform.metrics.ServiceMetrics;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What {@code ./tally serve ledger} and {@code ./tally serve projector} share: read the
 * configuration ({@link ServiceEnvironment}), create the topics if asked, check them, start the
 * service and its health endpoint, and run until SIGTERM (or SIGINT), then stop gracefully: the
 * health endpoint drains its requests, the Streams application closes (offsets committed, group
 * left), and only then does the shutdown hook return and the JVM exit (with 143 after SIGTERM, 130
 * after SIGINT, as the JVM does for a signal).
 *
 * <p>Exit codes: 0 stopped by {@link #requestStop}; {@value #EXIT_TOPICS} the topics are missing or
 * misconfigured (the message lists each problem); {@value #EXIT_FAILED} anything else failed
 * (configuration, start-up, a Streams client in ERROR).
 *
 * <p>Not thread-safe: picocli calls {@link #call} once; {@link #requestStop} may come from any thread.
 */
abstract class ServiceCommand implements Callable<Integer> {
    /** Exit code: topics missing or misconfigured. */
    static final int EXIT_TOPICS = 1;
    /** Exit code: any other failure. */
    static final int EXIT_FAILED = 2;
    /** Standby replicas of each store ({@code num.standby.replicas}) unless the properties file sets it. */
    static final int STANDBY_REPLICAS = 1;
    /**
     * {@code session.timeout.ms} of the Streams consumers unless the properties file sets it: a killed
     * instance's tasks move to the others after this long without a heartbeat, so it bounds how long
     * the accounts on them cannot be written (Kafka's default, 45 s, would make failover 45 s or more;
     * 6 s is the brokers' default {@code group.min.session.timeout.ms}).
     */
    static final int SESSION_TIMEOUT_MS = 6_000;
    /** {@code heartbeat.interval.ms} with {@link #SESSION_TIMEOUT_MS}: a quarter of it, four beats per timeout. */
    static final int HEARTBEAT_INTERVAL_MS = 1_500;
    /** How long a write waits for its outcome before answering 202 (as {@code ./tally serve}'s default). */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    /** How long a read with {@code ?minVersion=} waits (as {@code ./tally serve}'s default). */
    static final Duration MIN_VERSION_TIMEOUT = Duration.ofSeconds(5);
    /** How long the shutdown hook waits for the service to stop. */
    static final long STOP_TIMEOUT_S = 60;

    private static final Logger log = LoggerFactory.getLogger(ServiceCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--create-topics", description = "Create tally's topics that do not exist yet (partitions and "
            + "replication factor from TALLY_PARTITIONS, TALLY_REPLICATION_FACTOR); without it, missing topics are an error.")
    boolean createTopics;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties, passed through untouched (default: $TALLY_KAFKA_CONFIG).")
    Path kafkaConfig;

    @Mixin
    RocksDbMemoryOption rocksDbMemory = new RocksDbMemoryOption();

    /** The environment read; the process's, or a test's. */
    Map<String, String> environment = System.getenv();

    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile int healthPort = -1;
    private volatile int apiPort = -1;

    /**
     * The Kafka properties for the service's Streams application: with {@code --rocksdb-memory} if given,
     * and one standby replica of every store and a 6 s session timeout unless the properties file says
     * otherwise, so that when an instance dies another one already holds its state and takes its tasks
     * within seconds (issue 20; with a single instance Streams places no standby).
     */
    Map<String, Object> streamsKafka(ServiceEnvironment env) {
        Map<String, Object> kafka = new HashMap<>(rocksDbMemory.applyTo(env.kafka()));
        kafka.putIfAbsent(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, STANDBY_REPLICAS);
        kafka.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        kafka.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, HEARTBEAT_INTERVAL_MS);
        return kafka;
    }

    /**
     * The API's bearer tokens, from {@link ServiceEnvironment#tokensFile()}.
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if a line is not a token line (the message says which)
     */
    static Tokens tokens(ServiceEnvironment env) throws IOException {
        Path file = env.tokensFile().orElseThrow(() -> new IllegalArgumentException(ServiceEnvironment.TOKENS_FILE + " is not set"));
        return Tokens.parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /** The service's name, for logs. */
    abstract String serviceName();

    /** Starts the service (returns once it is started, not necessarily RUNNING). */
    abstract RunningService start(ServiceEnvironment env, LedgerTopics topics, PrometheusMeterRegistry metrics)
            throws Exception;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ServiceEnvironment env;
        LedgerTopics topics;
        try {
            env = ServiceEnvironment.read(environment, Optional.ofNullable(kafkaConfig));
            // Built once: the encoding (and its registry client) every client of this service shares.
            topics = env.topics();
        } catch (Exception e) {
            err.println("tally " + serviceName() + ": configuration: " + e.getMessage());
            return EXIT_FAILED;
        }
        int topicsChecked = checkTopics(env, topics, err);
        if (topicsChecked != 0) {
            return topicsChecked;
        }
        PrometheusMeterRegistry metrics = ServiceMetrics.newRegistry();
        RunningService service;
        HealthEndpoint health;
        try {
            service = start(env, topics, metrics);
        } catch (Exception e) {
            err.println("tally " + serviceName() + ": cannot start: " + e);
            return EXIT_FAILED;
        }
        try {
            health = HealthEndpoint.start(env.healthPort(), service::problem, metrics);
        } catch (Exception e) {
            service.close();
            err.println("tally " + serviceName() + ": cannot serve /health on port " + env.healthPort() + ": " + e);
            return EXIT_FAILED;
        }
        healthPort = health.port();
        apiPort = service.apiPort();
        log.info("{} started ({}, {} partitions); health on :{}{}", serviceName(), topics.serdes(), env.partitions(), healthPort,
                apiPort > 0 ? "; API on :" + apiPort : "");
        return runUntilStopped(service, health, err);
    }

    /**
     * Creates the topics if asked, then checks them all.
     *
     * @return 0 if they are as tally needs them; else the exit code, after saying why on {@code err}
     */
    private int checkTopics(ServiceEnvironment env, LedgerTopics topics, PrintWriter err) {
        try (Admin admin = Admin.create(env.kafka())) {
            if (createTopics) {
                try {
                    log.info("topics created: {}", TopicAdmin.ensure(admin, topics.specs(), (short) env.replicationFactor()));
                } catch (IllegalStateException partitionMismatch) {
                    // requireValid below reports it together with every other problem
                }
            }
            TopicAdmin.requireValid(admin, topics.specs());
            return 0;
        } catch (TopicAdmin.TopicsMisconfiguredException e) {
            err.println("tally " + serviceName() + ": " + e.getMessage());
            return EXIT_TOPICS;
        } catch (Exception e) {
            err.println("tally " + serviceName() + ": cannot check the topics on " + env.kafka().get("bootstrap.servers")
                    + ": " + e);
            return EXIT_FAILED;
        }
    }

    /**
     * Runs until a stop is requested (a signal, {@link #requestStop}) or the service fails, then closes the
     * health endpoint and the service.
     *
     * @return 0 after a requested stop, {@value #EXIT_FAILED} after a failure
     */
    private int runUntilStopped(RunningService service, HealthEndpoint health, PrintWriter err) {
        Thread hook = new Thread(this::stopFromSignal, "tally-" + serviceName() + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean failed = false;
        try {
            while (!stopRequested.await(1, TimeUnit.SECONDS)) {
                if (service.failed()) {
                    failed = true;
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            health.close();
            service.close();
            stopped.countDown();
        }
        if (failed) {
            err.println("tally " + serviceName() + ": failed: " + service.problem());
            removeHook(hook);
            return EXIT_FAILED;
        }
        log.info("{} stopped", serviceName());
        removeHook(hook);
        return 0;
    }

    /** Asks the running service to stop, as SIGTERM does; returns at once. */
    void requestStop() {
        stopRequested.countDown();
    }

    /** The health endpoint's port once started, else -1. */
    int healthPort() {
        return healthPort;
    }

    /** The HTTP API's port once started, else -1 (also when the service serves none). */
    int apiPort() {
        return apiPort;
    }

    /** Shutdown hook: the JVM exits when hooks return, so wait here until the service has stopped. */
    private void stopFromSignal() {
        log.info("{}: stop requested (signal); closing", serviceName());
        stopRequested.countDown();
        try {
            if (!stopped.await(STOP_TIMEOUT_S, TimeUnit.SECONDS)) {
                log.warn("{} did not stop within {} s", serviceName(), STOP_TIMEOUT_S);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes {@code opened} last first, logging (not throwing) what fails to close, so the rest still close. */
    static void closeAll(List<AutoCloseable> opened) {
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.warn("closing {} failed", opened.get(i).getClass().getSimpleName(), e);
            }
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook is running
        }
    }
}
