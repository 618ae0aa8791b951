package io.tally.cli.check;

import io.tally.cli.serve.ServiceEnvironment;
import io.tally.embedded.LocalCluster;
import io.tally.embedded.PostgresServer;
import io.tally.platform.http.Tokens;
import io.tally.schemas.TopicNames;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;

/**
 * The production shape on one machine, every part its own process, for {@link FaultsCheck}: a
 * {@link LocalCluster} of three KRaft nodes, an embedded PostgreSQL on a fixed port (so that a stop and
 * start keeps its JDBC URL, as a database restart does), and N instances each of
 * {@code ./tally serve ledger} and {@code ./tally serve projector} as JVMs of their own, each with its own
 * state directory, health port and API port, kept across restarts.
 *
 * <p>Not thread-safe: one thread (the runner's) drives it.
 */
final class FaultStack implements AutoCloseable {
    /** How many partitions the keyed topics get: enough for the instances to share, few for a short run. */
    static final int PARTITIONS = 4;
    /** Heap of each service JVM. */
    static final String SERVICE_HEAP = "-Xmx512m";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(4);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** ledger-service or projector. */
    enum Kind {
        LEDGER("ledger"), PROJECTOR("projector");

        final String command;

        Kind(String command) {
            this.command = command;
        }
    }

    /** One service instance: its ports and directories stay the same across restarts. */
    static final class Instance {
        final Kind kind;
        final int index;
        final int healthPort;
        final int apiPort;
        final Path stateDir;
        final Path log;
        Process process;

        Instance(Kind kind, int index, int healthPort, int apiPort, Path stateDir, Path log) {
            this.kind = kind;
            this.index = index;
            this.healthPort = healthPort;
            this.apiPort = apiPort;
            this.stateDir = stateDir;
            this.log = log;
        }

        String name() {
            return kind.command + "-" + index;
        }

        String apiUrl() {
            return "http://127.0.0.1:" + apiPort;
        }
    }

    private final Path directory;
    private final LocalCluster cluster;
    private final int postgresPort;
    private final String token;
    private final Path tokensFile;
    private final List<Instance> instances = new ArrayList<>();
    private PostgresServer postgres;

    private FaultStack(Path directory, LocalCluster cluster, int postgresPort, String token, Path tokensFile) {
        this.directory = directory;
        this.cluster = cluster;
        this.postgresPort = postgresPort;
        this.token = token;
        this.tokensFile = tokensFile;
    }

    /**
     * Starts the cluster, PostgreSQL and {@code perService} instances of each service under
     * {@code directory}, and returns once every instance answers its health check.
     *
     * @throws IllegalStateException if a part does not start within four minutes (the message names it
     *     and the log to read)
     */
    static FaultStack start(Path directory, int brokers, int perService) throws Exception {
        Files.createDirectories(directory);
        LocalCluster cluster = LocalCluster.open(directory.resolve("cluster"), Optional.of(brokers));
        cluster.start(START_TIMEOUT);
        String token = Tokens.generate();
        Path tokens = directory.resolve("tokens");
        Files.writeString(tokens, Tokens.hash(token) + ":write,read:faults\n", StandardCharsets.UTF_8);
        FaultStack stack = new FaultStack(directory, cluster, freePort(), token, tokens);
        try {
            stack.startPostgres();
            for (Kind kind : Kind.values()) {
                for (int i = 0; i < perService; i++) {
                    Path home = directory.resolve(kind.command + "-" + i);
                    Files.createDirectories(home);
                    Instance instance = new Instance(kind, i, freePort(), freePort(), home.resolve("state"),
                            home.resolve("service.log"));
                    stack.instances.add(instance);
                    // The first ledger-service creates the topics; the others find them.
                    stack.launch(instance, kind == Kind.LEDGER && i == 0);
                    if (i == 0) {
                        stack.awaitHealthy(instance, START_TIMEOUT);
                    }
                }
            }
            for (Instance instance : stack.instances) {
                stack.awaitHealthy(instance, START_TIMEOUT);
            }
            return stack;
        } catch (Exception | Error e) {
            stack.close();
            throw e;
        }
    }

    String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgresPort + "/postgres?user=postgres";
    }

    String token() {
        return token;
    }

    List<Instance> instances(Kind kind) {
        return instances.stream().filter(i -> i.kind == kind).toList();
    }

    /** Kills one instance's JVM with SIGKILL: no shutdown hook, no graceful close. */
    void kill(Instance instance) throws InterruptedException {
        instance.process.destroyForcibly();
        instance.process.waitFor(60, TimeUnit.SECONDS);
    }

    /**
     * Starts a killed instance again on its own state directory and ports.
     *
     * @return how long it took to answer its health check (restore included)
     */
    Duration restart(Instance instance) throws Exception {
        long startNs = System.nanoTime();
        launch(instance, false);
        awaitHealthy(instance, START_TIMEOUT);
        return Duration.ofNanos(System.nanoTime() - startNs);
    }

    /**
     * The broker that leads the most partitions of tally's topics (ties: the lowest id).
     *
     * @throws IllegalStateException if no partition has a leader
     */
    int brokerLeadingMostPartitions() throws Exception {
        TopicNames names = TopicNames.defaults(PARTITIONS);
        List<String> topics = List.of(names.requests(), names.events(), names.results(), names.balances(),
                names.transfers(), names.holds());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            Map<Integer, Long> led = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values()
                    .stream().map(TopicDescription::partitions).flatMap(List::stream)
                    .filter(p -> p.leader() != null && p.leader().id() >= 0)
                    .collect(Collectors.groupingBy(p -> p.leader().id(), Collectors.counting()));
            return led.entrySet().stream().max(Map.Entry.<Integer, Long>comparingByValue()
                            .thenComparing(Map.Entry.comparingByKey(java.util.Comparator.reverseOrder())))
                    .map(Map.Entry::getKey).orElseThrow(() -> new IllegalStateException("no partition has a leader"));
        }
    }

    /** Kills broker {@code id}'s JVM with SIGKILL. */
    void killBroker(int id) throws InterruptedException {
        cluster.kill(id);
    }

    /**
     * Starts every node that is not running.
     *
     * @return how long until all of them answered
     */
    Duration restartBrokers() throws Exception {
        long startNs = System.nanoTime();
        cluster.start(START_TIMEOUT);
        return Duration.ofNanos(System.nanoTime() - startNs);
    }

    /** Stops PostgreSQL (a fast shutdown: connections are cut). */
    void stopPostgres() throws IOException {
        postgres.close();
        postgres = null;
    }

    /**
     * Starts PostgreSQL again on the same data directory and port.
     *
     * @return how long it took
     */
    Duration startPostgres() throws IOException {
        long startNs = System.nanoTime();
        postgres = PostgresServer.startEmbedded(directory.resolve("postgres"), postgresPort);
        return Duration.ofNanos(System.nanoTime() - startNs);
    }

    private void launch(Instance instance, boolean createTopics) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                SERVICE_HEAP, "-cp", System.getProperty("java.class.path"), "io.tally.cli.Main", "serve",
                instance.kind.command));
        if (createTopics) {
            command.add("--create-topics");
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(instance.log.toFile()));
        Map<String, String> env = builder.environment();
        ServiceEnvironment.VARIABLES.forEach(env::remove);
        env.putAll(environment(instance));
        instance.process = builder.start();
    }

    private Map<String, String> environment(Instance instance) {
        Map<String, String> env = new HashMap<>();
        env.put(ServiceEnvironment.BOOTSTRAP_SERVERS, bootstrapServers());
        env.put(ServiceEnvironment.STATE_DIR, instance.stateDir.toString());
        env.put(ServiceEnvironment.HEALTH_PORT, Integer.toString(instance.healthPort));
        env.put(ServiceEnvironment.HTTP_PORT, Integer.toString(instance.apiPort));
        env.put(ServiceEnvironment.TOKENS_FILE, tokensFile.toString());
        env.put(ServiceEnvironment.PARTITIONS, Integer.toString(PARTITIONS));
        env.put(ServiceEnvironment.REPLICATION_FACTOR, Integer.toString(cluster.replicationFactor()));
        if (instance.kind == Kind.PROJECTOR) {
            env.put(ServiceEnvironment.JDBC_URL, jdbcUrl());
        }
        return env;
    }

    /**
     * Waits until {@code instance} answers {@code GET /health} with 200.
     *
     * @throws IllegalStateException if its JVM exits first or it does not within {@code timeout}
     */
    void awaitHealthy(Instance instance, Duration timeout) throws Exception {
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.healthPort + "/health"))
                .timeout(Duration.ofSeconds(2)).build();
        while (true) {
            if (!instance.process.isAlive()) {
                throw new IllegalStateException(instance.name() + " exited with code " + instance.process.exitValue()
                        + " while starting; see " + instance.log);
            }
            try {
                if (HTTP.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() - deadlineNs > 0) {
                throw new IllegalStateException(instance.name() + " not healthy after " + timeout + "; see " + instance.log);
            }
            Thread.sleep(200);
        }
    }

    /** The names of the instances whose JVM is not running. */
    List<String> notRunning() {
        return instances.stream().filter(i -> i.process == null || !i.process.isAlive()).map(Instance::name).toList();
    }

    /** The log of every instance, by name, for a report of what went wrong. */
    Map<String, Path> logs() {
        return instances.stream().collect(Collectors.toMap(Instance::name, i -> i.log, (a, b) -> a,
                java.util.LinkedHashMap::new));
    }

    /** Stops every service (SIGTERM, then SIGKILL after 30 s), PostgreSQL and the cluster. */
    @Override
    public void close() throws Exception {
        for (Instance instance : instances) {
            if (instance.process != null && instance.process.isAlive()) {
                instance.process.destroy();
            }
        }
        for (Instance instance : instances) {
            if (instance.process != null && !instance.process.waitFor(30, TimeUnit.SECONDS)) {
                instance.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        if (postgres != null) {
            postgres.close();
        }
        cluster.stop(Duration.ofSeconds(30));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
