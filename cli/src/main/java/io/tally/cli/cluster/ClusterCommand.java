package io.tally.cli.cluster;

import io.tally.cli.serve.ServiceEnvironment;
import io.tally.demo.DataDirectory;
import io.tally.embedded.LocalCluster;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ./tally cluster start|stop|status|kill}: a real Kafka cluster on this machine, each node a
 * JVM of its own ({@link LocalCluster}), under {@code <data dir>/cluster}. What a user trying tally on
 * a cluster from a laptop, and the fault drills, run; the services join it with
 * {@code --bootstrap-servers} (or {@code TALLY_KAFKA_BOOTSTRAP_SERVERS}).
 *
 * <p>Exit codes: 0 done (for {@code status}: every node runs and answers), 1 {@code status} found a
 * node down or not answering, 2 the command failed (the message says why).
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "A local Kafka cluster: KRaft nodes (combined broker and controller), each its own JVM.",
        subcommands = {ClusterCommand.Start.class, ClusterCommand.Stop.class, ClusterCommand.Status.class,
                ClusterCommand.Kill.class})
public final class ClusterCommand implements Runnable {
    @Option(names = "--data-dir", paramLabel = "DIR", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Where tally keeps its data; the cluster lives in DIR/cluster (default: $TALLY_DATA_DIR or ~/.tally).")
    Path dataDir;

    private final PrintStream out = System.out;

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(out);
    }

    Path clusterDirectory() {
        return (dataDir != null ? dataDir : DataDirectory.defaultPath()).toAbsolutePath().resolve("cluster");
    }

    /** What a subcommand does with the cluster; its exit code. */
    @FunctionalInterface
    interface Action {
        int on(LocalCluster cluster) throws Exception;
    }

    /**
     * Runs {@code action} on the cluster of the data directory, or, with none there, says so (on standard
     * error when that is a failure) and exits {@code exitIfNone}. A refused argument is exit 2 with its
     * message; any other failure exit 2 with what failed.
     */
    int onExisting(String command, int exitIfNone, Action action) {
        Path directory = clusterDirectory();
        if (!LocalCluster.exists(directory)) {
            (exitIfNone == 2 ? System.err : out).println("tally cluster " + command + ": no cluster in " + directory
                    + " (./tally cluster start makes one)");
            return exitIfNone;
        }
        return run(command, () -> action.on(LocalCluster.open(directory, Optional.empty())));
    }

    /** Runs {@code action}: a refused argument is exit 2 with its message, any other failure exit 2 saying what failed. */
    static int run(String command, Callable<Integer> action) {
        try {
            return action.call();
        } catch (IllegalArgumentException e) {
            System.err.println("tally cluster " + command + ": " + e.getMessage());
            return 2;
        } catch (Exception e) {
            System.err.println("tally cluster " + command + " failed: " + e.getMessage());
            return 2;
        }
    }

    /** Prints every node and whether it runs, and what the cluster answers; returns whether all is well. */
    boolean printStatus(LocalCluster cluster) {
        List<Integer> answering = cluster.brokersAnswering();
        out.printf(Locale.ROOT, "tally cluster: %d Kafka nodes (broker and controller each, every node its own JVM), data in %s%n",
                cluster.nodes(), cluster.directory());
        boolean allWell = true;
        for (LocalCluster.NodeStatus node : cluster.status()) {
            boolean answers = answering.contains(node.id());
            allWell &= node.running() && answers;
            out.printf(Locale.ROOT, "  node %d  127.0.0.1:%-5d  %-12s  %s%n", node.id(), node.brokerPort(),
                    node.pid().map(pid -> "pid " + pid).orElse("-"),
                    node.running() ? (answers ? "running" : "running, not answering") : "down");
        }
        out.printf(Locale.ROOT, "bootstrap servers: %s%n", cluster.bootstrapServers());
        out.printf(Locale.ROOT, "topics: %d replicas, min.insync.replicas=%d (producers use acks=all)%n",
                cluster.replicationFactor(), cluster.minInsyncReplicas());
        return allWell;
    }

    /** {@code ./tally cluster start}: starts the nodes that are not running, formatting a new cluster on first use. */
    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start the local cluster's nodes that are not running (a new cluster on first use) and wait until all answer.")
    static final class Start implements Callable<Integer> {
        @ParentCommand
        ClusterCommand parent;

        @Option(names = "--brokers", paramLabel = "N",
                description = "Nodes of a new cluster, 1 to 9 (default: 3); an existing cluster keeps its own.")
        Integer brokers;

        @Option(names = "--timeout", defaultValue = "PT3M", description = "How long to wait for every node (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        public Integer call() {
            return run("start", () -> {
                LocalCluster cluster = LocalCluster.open(parent.clusterDirectory(), Optional.ofNullable(brokers));
                cluster.start(timeout);
                parent.printStatus(cluster);
                parent.out.println("use it: ./tally serve --bootstrap-servers " + cluster.bootstrapServers()
                        + "   (or " + ServiceEnvironment.BOOTSTRAP_SERVERS + "=" + cluster.bootstrapServers()
                        + " for ./tally serve ledger|projector)");
                parent.out.println("stop it: ./tally cluster stop");
                return 0;
            });
        }
    }

    /** {@code ./tally cluster stop}: stops every node, in order, killing any that does not stop within the grace. */
    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop every node of the local cluster (its data stays).")
    static final class Stop implements Callable<Integer> {
        @ParentCommand
        ClusterCommand parent;

        @Option(names = "--grace", defaultValue = "PT60S",
                description = "How long nodes may take to shut down before they are killed (default: ${DEFAULT-VALUE}).")
        Duration grace;

        @Override
        public Integer call() {
            return parent.onExisting("stop", 0, cluster -> {
                long running = cluster.status().stream().filter(LocalCluster.NodeStatus::running).count();
                List<Integer> killed = cluster.stop(grace);
                parent.out.printf(Locale.ROOT, "tally cluster: stopped %d of %d nodes%s; data kept in %s%n", running,
                        cluster.nodes(), killed.isEmpty() ? "" : " (killed after " + grace + ": nodes " + killed + ")",
                        cluster.directory());
                return 0;
            });
        }
    }

    /** {@code ./tally cluster status}: every node, its pid, and whether it answers. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show each node, whether it runs and answers, and the bootstrap servers; exit 1 if any is down.")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        ClusterCommand parent;

        @Override
        public Integer call() {
            return parent.onExisting("status", 1, cluster -> parent.printStatus(cluster) ? 0 : 1);
        }
    }

    /** {@code ./tally cluster kill N}: kill -9 of one node, a crash for fault drills. */
    @Command(name = "kill", mixinStandardHelpOptions = true,
            description = "Kill one node with SIGKILL, as a crash (fault drills); ./tally cluster start brings it back.")
    static final class Kill implements Callable<Integer> {
        @ParentCommand
        ClusterCommand parent;

        @Parameters(paramLabel = "NODE", description = "The node id, 0 to N-1.")
        int node;

        @Override
        public Integer call() {
            return parent.onExisting("kill", 2, cluster -> {
                parent.out.println(cluster.kill(node) ? "tally cluster: node " + node + " killed"
                        : "tally cluster: node " + node + " was not running");
                return 0;
            });
        }
    }
}
