package io.tally.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.apache.kafka.server.common.TransactionVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka cluster on this machine: {@code n} KRaft nodes (each a combined broker and controller,
 * all of them voters of the metadata quorum), <b>each a JVM process of its own</b> running Kafka's own
 * server ({@code kafka.Kafka}, from the Kafka 4.3.1 jars on this process's class path), with its data
 * under {@code <directory>/node-<id>} and its ports on 127.0.0.1. What {@code ./tally cluster} runs, and
 * what fault tests use: a {@code kill -9} of one node kills a broker, not a thread of the test's JVM.
 *
 * <p>Layout of {@code directory}: {@code cluster.properties} (the number of nodes, the cluster id and
 * every node's two ports, chosen free on first start and kept, so clients' bootstrap servers stay valid
 * across restarts), and per node {@code server.properties}, {@code data/} (its log and metadata
 * directory, formatted on first start), {@code logback.xml}, {@code server.log} (its standard output and
 * error, appended) and {@code pid}.
 *
 * <p>Replication, for a cluster of three nodes or more: {@code default.replication.factor=3} and
 * {@code min.insync.replicas=2} (topics created without a replication factor get them; so do Kafka
 * Streams' internal topics, whose {@code replication.factor} defaults to the broker's), and the same
 * for the offsets, transaction state and share state topics: with producers on {@code acks=all}, a
 * write survives the loss of any one node and is refused, not lost, with two gone. With fewer nodes,
 * every node holds every partition ({@link #replicationFactor}) and {@code min.insync.replicas} is 1.
 * Formatted at transaction protocol 2 (KIP-890), as {@code kafka-storage.sh format} does on 4.x.
 *
 * <p>The nodes outlive the process that started them (their output goes to files, not pipes): a
 * {@code ./tally cluster start} returns and the cluster keeps running until {@link #stop}. Not
 * thread-safe; one caller at a time per directory.
 */
public final class LocalCluster {
    private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
    /** The file that describes the cluster, in its directory. */
    public static final String DESCRIPTOR = "cluster.properties";
    /** The most nodes a local cluster may have. */
    public static final int MAX_NODES = 9;
    /** Heap of each node's JVM, in MiB: half of {@code kafka-server-start.sh}'s 1 GiB, for a laptop. */
    public static final int NODE_HEAP_MIB = 512;
    private static final String SERVER_MAIN = "kafka.Kafka"; // Kafka's own server main, as kafka-server-start.sh runs it
    private static final String HOST = "127.0.0.1";

    private final Path directory;
    private final String clusterId;
    private final List<NodePorts> ports;

    /** A node's two listeners: clients' (and other brokers') and the controller quorum's. */
    private record NodePorts(int broker, int controller) {}

    /**
     * One node as found: its id, its client port, and the pid of its running JVM if there is one.
     *
     * @param id the node id, 0 to {@code nodes - 1}
     * @param brokerPort the port of its client listener on 127.0.0.1
     * @param controllerPort the port of its controller listener on 127.0.0.1
     * @param pid the process running it, empty if none is
     */
    public record NodeStatus(int id, int brokerPort, int controllerPort, Optional<Long> pid) {
        /** Whether the node's JVM is running. */
        public boolean running() {
            return pid.isPresent();
        }
    }

    private LocalCluster(Path directory, String clusterId, List<NodePorts> ports) {
        this.directory = directory;
        this.clusterId = clusterId;
        this.ports = ports;
    }

    /**
     * The cluster in {@code directory}: the one described there, or, if there is none yet, a new one of
     * {@code nodes} nodes with free ports and a new cluster id, described there (nothing is started).
     *
     * @param nodes the number of nodes of a new cluster, 1 to {@value #MAX_NODES}; ignored when one is
     *     described already, unless it differs, which is refused
     * @throws IllegalArgumentException if {@code nodes} is out of range, or differs from the number of
     *     nodes of the cluster already in {@code directory} (a KRaft quorum's voters are fixed at format)
     * @throws IOException if the directory cannot be read or written
     */
    public static LocalCluster open(Path directory, Optional<Integer> nodes) throws IOException {
        Path descriptor = directory.resolve(DESCRIPTOR);
        if (Files.exists(descriptor)) {
            LocalCluster existing = read(directory);
            if (nodes.isPresent() && nodes.get() != existing.ports.size()) {
                throw new IllegalArgumentException("the cluster in " + directory + " has " + existing.ports.size()
                        + " nodes, not " + nodes.get() + " (its quorum is fixed at format; stop it and remove the"
                        + " directory for another size)");
            }
            return existing;
        }
        int n = nodes.orElse(3);
        if (n < 1 || n > MAX_NODES) {
            throw new IllegalArgumentException("a local cluster has 1 to " + MAX_NODES + " nodes, not " + n);
        }
        List<NodePorts> ports = new ArrayList<>();
        List<Integer> taken = freePorts(2 * n);
        for (int i = 0; i < n; i++) {
            ports.add(new NodePorts(taken.get(2 * i), taken.get(2 * i + 1)));
        }
        LocalCluster cluster = new LocalCluster(directory, Uuid.randomUuid().toString(), ports);
        Files.createDirectories(directory);
        cluster.writeDescriptor();
        return cluster;
    }

    /** Whether {@code directory} describes a cluster ({@value #DESCRIPTOR} exists). */
    public static boolean exists(Path directory) {
        return Files.exists(directory.resolve(DESCRIPTOR));
    }

    /** The cluster's directory. */
    public Path directory() {
        return directory;
    }

    /** The cluster id, fixed at its first start. */
    public String clusterId() {
        return clusterId;
    }

    /** The number of nodes. */
    public int nodes() {
        return ports.size();
    }

    /** Replicas of a topic created without a replication factor: 3, or every node of a smaller cluster. */
    public int replicationFactor() {
        return Math.min(3, nodes());
    }

    /** {@code min.insync.replicas} of every topic: 2 with three replicas, else 1. */
    public int minInsyncReplicas() {
        return replicationFactor() >= 3 ? 2 : 1;
    }

    /** The {@code bootstrap.servers} value for clients: every node's client listener. */
    public String bootstrapServers() {
        return ports.stream().map(p -> HOST + ":" + p.broker()).collect(Collectors.joining(","));
    }

    /**
     * Starts every node that is not running (formatting its storage on first start) and waits until
     * every node answers as a broker of the cluster and transaction protocol 2 is finalized.
     *
     * @param timeout how long to wait for all nodes together
     * @return the nodes after the start
     * @throws IllegalStateException if a node's JVM exits while starting (the message holds the end of
     *     its {@code server.log}), or not every node answers within {@code timeout}
     * @throws IOException if a node's files cannot be written or its JVM cannot be launched
     */
    public List<NodeStatus> start(Duration timeout) throws IOException, InterruptedException {
        List<Process> launched = new ArrayList<>();
        for (NodeStatus node : status()) {
            if (!node.running()) {
                launched.add(launch(node.id()));
            }
        }
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                for (int i = 0; i < launched.size(); i++) {
                    Process p = launched.get(i);
                    if (!p.isAlive()) {
                        throw new IllegalStateException("a Kafka node exited with code " + p.exitValue()
                                + " while starting; the end of its log:\n" + tailOfLogOf(p.pid()));
                    }
                }
                int answering = brokersAnswering(admin);
                if (answering == nodes() && transactionVersion(admin) >= TransactionVersion.TV_2.featureLevel()) {
                    break;
                }
                if (System.nanoTime() - deadlineNs > 0) {
                    throw new IllegalStateException(answering + " of " + nodes() + " Kafka nodes answer after "
                            + timeout + "; see the server.log of each node under " + directory);
                }
                Thread.sleep(250);
            }
        }
        log.info("local Kafka cluster of {} nodes up at {}", nodes(), bootstrapServers());
        return status();
    }

    /**
     * Stops every running node: SIGTERM to all of them at once (each shuts down in order, as
     * {@code kafka-server-stop.sh} asks), then SIGKILL to any still running after {@code grace}.
     *
     * @return the ids of the nodes that had to be killed
     * @throws IOException if a node's {@code pid} file cannot be removed
     */
    public List<Integer> stop(Duration grace) throws IOException, InterruptedException {
        List<NodeStatus> running = status().stream().filter(NodeStatus::running).toList();
        List<ProcessHandle> handles = new ArrayList<>();
        for (NodeStatus node : running) {
            ProcessHandle.of(node.pid().orElseThrow()).ifPresent(h -> {
                h.destroy();
                handles.add(h);
            });
        }
        List<Integer> killed = new ArrayList<>();
        long deadlineNs = System.nanoTime() + grace.toNanos();
        for (int i = 0; i < handles.size(); i++) {
            ProcessHandle h = handles.get(i);
            long leftMs = Math.max(0, (deadlineNs - System.nanoTime()) / 1_000_000);
            try {
                h.onExit().get(leftMs, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                h.destroyForcibly();
                h.onExit().join();
                killed.add(running.get(i).id());
            }
        }
        for (NodeStatus node : running) {
            Files.deleteIfExists(nodeDirectory(node.id()).resolve("pid"));
        }
        return killed;
    }

    /**
     * Kills one node's JVM with SIGKILL ({@code kill -9}): a crash, for fault drills; {@link #start}
     * brings it back.
     *
     * @return whether the node was running
     * @throws IllegalArgumentException if there is no node {@code id}
     */
    public boolean kill(int id) throws InterruptedException {
        NodeStatus node = status().stream().filter(s -> s.id() == id).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + id + " (nodes 0 to " + (nodes() - 1) + ")"));
        Optional<ProcessHandle> handle = node.pid().flatMap(ProcessHandle::of);
        if (handle.isEmpty()) {
            return false;
        }
        handle.get().destroyForcibly();
        handle.get().onExit().join();
        return true;
    }

    /**
     * Every node and whether its JVM runs: the pid recorded in its {@code pid} file counts only while
     * that process is alive and started when the recorded one did (a pid reused by another process
     * does not).
     */
    public List<NodeStatus> status() {
        List<NodeStatus> out = new ArrayList<>();
        for (int id = 0; id < nodes(); id++) {
            out.add(new NodeStatus(id, ports.get(id).broker(), ports.get(id).controller(), livePid(id)));
        }
        return out;
    }

    /**
     * The ids of the nodes that answer as brokers of the running cluster, asked through {@code admin}
     * with a short timeout; empty if none answers.
     */
    public List<Integer> brokersAnswering() {
        try (Admin admin = admin()) {
            return admin.describeCluster(new DescribeClusterOptions().timeoutMs(3_000)).nodes().get().stream()
                    .map(Node::id).sorted().toList();
        } catch (ExecutionException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000));
    }

    private int brokersAnswering(Admin admin) throws InterruptedException {
        try {
            return admin.describeCluster(new DescribeClusterOptions().timeoutMs(3_000)).nodes().get().size();
        } catch (ExecutionException e) {
            return 0;
        }
    }

    private static short transactionVersion(Admin admin) throws InterruptedException {
        try {
            var range = admin.describeFeatures().featureMetadata().get().finalizedFeatures()
                    .get(TransactionVersion.FEATURE_NAME);
            return range == null ? 0 : range.maxVersionLevel();
        } catch (ExecutionException e) {
            return 0;
        }
    }

    private Process launch(int id) throws IOException {
        Path node = nodeDirectory(id);
        Path data = node.resolve("data");
        Files.createDirectories(node);
        Path config = node.resolve("server.properties");
        writeProperties(config, serverProperties(id, data), "node " + id + " of the local tally cluster; rewritten at each start");
        if (!Files.exists(data.resolve("meta.properties"))) {
            format(id, data);
        }
        Path logback = node.resolve("logback.xml");
        Files.writeString(logback, LOGBACK);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of(java.toString(), "-Xmx" + NODE_HEAP_MIB + "m", "-Xms" + NODE_HEAP_MIB + "m",
                "-XX:+UseG1GC", "-Djava.awt.headless=true", "-Dlogback.configurationFile=" + logback,
                "-Dlog4j2.statusLoggerLevel=OFF", "-Dtally.cluster.node=" + id,
                "-cp", System.getProperty("java.class.path"), SERVER_MAIN, config.toString());
        Path serverLog = node.resolve("server.log");
        Process process = new ProcessBuilder(command).directory(node.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(serverLog.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                .start();
        // The pid and the process's start: a pid the system has given to another process since is not ours.
        Files.writeString(node.resolve("pid"), process.pid() + " " + startMillis(process.toHandle()));
        log.info("started Kafka node {} (pid {}) on {}:{}, log {}", id, process.pid(), HOST, ports.get(id).broker(), serverLog);
        return process;
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private Properties serverProperties(int id, Path data) {
        Properties p = new Properties();
        NodePorts own = ports.get(id);
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", Integer.toString(id));
        p.setProperty("controller.quorum.voters", IntStream.range(0, nodes())
                .mapToObj(i -> i + "@" + HOST + ":" + ports.get(i).controller()).collect(Collectors.joining(",")));
        p.setProperty("listeners", "PLAINTEXT://" + HOST + ":" + own.broker() + ",CONTROLLER://" + HOST + ":" + own.controller());
        p.setProperty("advertised.listeners", "PLAINTEXT://" + HOST + ":" + own.broker());
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", data.toString());
        String rf = Integer.toString(replicationFactor());
        String minIsr = Integer.toString(minInsyncReplicas());
        p.setProperty("default.replication.factor", rf);
        p.setProperty("min.insync.replicas", minIsr);
        p.setProperty("offsets.topic.replication.factor", rf);
        p.setProperty("offsets.topic.num.partitions", "8");
        p.setProperty("transaction.state.log.replication.factor", rf);
        p.setProperty("transaction.state.log.min.isr", minIsr);
        p.setProperty("transaction.state.log.num.partitions", "8");
        p.setProperty("share.coordinator.state.topic.replication.factor", rf);
        p.setProperty("share.coordinator.state.topic.min.isr", minIsr);
        p.setProperty("unclean.leader.election.enable", "false");
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // A dead node's partitions get new leaders once the controller fences it: after 6 s without a
        // heartbeat (1 s apart) rather than Kafka's 9 s, so that a broker's death costs writes a few
        // seconds (issue 20's failover goal of 10 s; DESIGN.md, Running on a cluster).
        p.setProperty("broker.heartbeat.interval.ms", "1000");
        p.setProperty("broker.session.timeout.ms", "6000");
        // A laptop's cluster: small segments' worth of background threads, no 1 GiB preallocation.
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", "4");
        p.setProperty("log.segment.bytes", Integer.toString(256 << 20));
        return p;
    }

    /** Formats {@code data} for node {@code id} the way {@code kafka-storage.sh format} does (Kafka's own {@link Formatter}). */
    private void format(int id, Path data) throws IOException {
        Files.createDirectories(data);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(printed, true, StandardCharsets.UTF_8))
                    .setNodeId(id)
                    .setClusterId(clusterId)
                    .addDirectory(data.toString())
                    .setMetadataLogDirectory(data.toString())
                    .setControllerListenerName("CONTROLLER")
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setFeatureLevel(TransactionVersion.FEATURE_NAME, TransactionVersion.TV_2.featureLevel())
                    .run();
        } catch (IOException e) {
            throw e;
        } catch (Exception e) { // Formatter.run declares Exception
            throw new IOException("could not format node " + id + "'s storage in " + data + ": " + e.getMessage(), e);
        }
        log.info("formatted node {}: {}", id, printed.toString(StandardCharsets.UTF_8).strip());
    }

    private Optional<Long> livePid(int id) {
        Path pidFile = nodeDirectory(id).resolve("pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        long pid;
        long started;
        try {
            String[] fields = Files.readString(pidFile).strip().split(" ");
            pid = Long.parseLong(fields[0]);
            started = Long.parseLong(fields[1]);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> startMillis(h) == started)
                .map(ProcessHandle::pid);
    }

    /** When {@code process} started, in ms since the epoch; -1 where the system does not say. */
    private static long startMillis(ProcessHandle process) {
        return process.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(-1L);
    }

    private String tailOfLogOf(long pid) {
        for (int id = 0; id < nodes(); id++) {
            Path node = nodeDirectory(id);
            try {
                if (Files.readString(node.resolve("pid")).startsWith(pid + " ")) {
                    List<String> lines = Files.readAllLines(node.resolve("server.log"));
                    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
                }
            } catch (IOException e) {
                // look at the next node
            }
        }
        return "(no log found)";
    }

    private Path nodeDirectory(int id) {
        return directory.resolve("node-" + id);
    }

    private static LocalCluster read(Path directory) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(directory.resolve(DESCRIPTOR))) {
            p.load(in);
        }
        try {
            int n = Integer.parseInt(p.getProperty("nodes"));
            List<NodePorts> ports = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ports.add(new NodePorts(Integer.parseInt(p.getProperty("node." + i + ".port")),
                        Integer.parseInt(p.getProperty("node." + i + ".controller.port"))));
            }
            return new LocalCluster(directory, p.getProperty("cluster.id"), ports);
        } catch (RuntimeException e) {
            throw new IOException(directory.resolve(DESCRIPTOR) + " is not a tally cluster's descriptor: " + e.getMessage(), e);
        }
    }

    private void writeDescriptor() throws IOException {
        Properties p = new Properties();
        p.setProperty("nodes", Integer.toString(nodes()));
        p.setProperty("cluster.id", clusterId);
        for (int i = 0; i < nodes(); i++) {
            p.setProperty("node." + i + ".port", Integer.toString(ports.get(i).broker()));
            p.setProperty("node." + i + ".controller.port", Integer.toString(ports.get(i).controller()));
        }
        writeProperties(directory.resolve(DESCRIPTOR), p, "a local Kafka cluster of tally (./tally cluster); ports kept across restarts");
    }

    private static void writeProperties(Path file, Properties p, String comment) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            p.store(out, comment);
        }
    }

    private static List<Integer> freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getByName(HOST)));
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private static final String LOGBACK = """
            <configuration>
              <!-- A node of ./tally cluster: Kafka's log, on standard output, which goes to server.log. -->
              <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
                <encoder><pattern>%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level [%thread] %logger{30} - %msg%n</pattern></encoder>
              </appender>
              <logger name="org.apache.kafka.coordinator" level="WARN"/>
              <root level="INFO"><appender-ref ref="STDOUT"/></root>
            </configuration>
            """;
}
