package io.tally.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.cli.Main;
import io.tally.embedded.LocalCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./tally cluster} where there is no cluster yet, and with a size it refuses: clear words and
 * the documented exit codes, and nothing written. (Starting, killing and stopping real nodes:
 * {@code LocalClusterIT} in the embedded module.)
 */
class ClusterCommandTest {
    private record Run(int exit, String out, String err) {}

    @Test
    void statusWithoutAClusterSaysHowToMakeOneAndExits1(@TempDir Path data) {
        Run run = run("cluster", "status", "--data-dir", data.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("no cluster in " + data.resolve("cluster")).contains("./tally cluster start");
        assertThat(LocalCluster.exists(data.resolve("cluster"))).as("status creates nothing").isFalse();
    }

    @Test
    void killWithoutAClusterIsAnErrorAndStopIsNothingToDo(@TempDir Path data) {
        Run kill = run("cluster", "kill", "1", "--data-dir", data.toString());
        assertThat(kill.exit()).isEqualTo(2);
        assertThat(kill.err()).contains("no cluster in");
        Run stop = run("cluster", "stop", "--data-dir", data.toString());
        assertThat(stop.exit()).isZero();
        assertThat(stop.out()).contains("no cluster in");
        assertThat(LocalCluster.exists(data.resolve("cluster"))).isFalse();
    }

    @Test
    void aClusterOfTenIsRefusedBeforeAnythingIsWritten(@TempDir Path data) {
        Run run = run("cluster", "start", "--brokers", "10", "--data-dir", data.toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("1 to 9 nodes, not 10");
        assertThat(LocalCluster.exists(data.resolve("cluster"))).isFalse();
    }

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = Main.commandLine().execute(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
