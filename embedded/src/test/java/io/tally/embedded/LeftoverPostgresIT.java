package io.tally.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded PostgreSQL after {@code kill -9} of the JVM that started it (issue 20): the server
 * survives its parent, and the next start on the same data directory stops it and comes up on the
 * same data, while a directory that a live process still uses is refused, its server untouched.
 */
class LeftoverPostgresIT {
    @TempDir
    Path dir;

    @Test
    void aStartAfterKillNineStopsTheLeftoverServerAndKeepsTheData() throws Exception {
        Path data = dir.resolve("postgres");
        Process earlierRun = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), PostgresHolder.class.getName(), data.toString())
                .redirectError(dir.resolve("holder.err").toFile()).start();
        try {
            awaitReady(earlierRun);
            ProcessHandle postmaster = LeftoverPostgres.leftover(data).orElseThrow();

            assertThatThrownBy(() -> PostgresServer.start(Optional.empty(), data))
                    .as("a directory a live run uses is refused")
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("in use by a running tally");
            assertThat(postmaster.isAlive()).as("the live run's server is left alone").isTrue();

            earlierRun.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertThat(earlierRun.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(postmaster.isAlive()).as("the server outlives the killed JVM (the failure issue 20 saw)").isTrue();

            try (PostgresServer restarted = PostgresServer.start(Optional.empty(), data);
                    Connection c = restarted.dataSource().getConnection();
                    Statement s = c.createStatement();
                    ResultSet rows = s.executeQuery("SELECT note FROM survivor")) {
                assertThat(postmaster.isAlive()).as("the leftover server was stopped").isFalse();
                assertThat(rows.next()).as("the data written before the kill is there").isTrue();
                assertThat(rows.getString(1)).isEqualTo("written before the kill");
            }
        } finally {
            earlierRun.destroyForcibly();
            LeftoverPostgres.leftover(data).ifPresent(ProcessHandle::destroy);
        }
    }

    private static void awaitReady(Process process) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.equals("READY")) {
                return;
            }
        }
        throw new AssertionError("the holder exited before READY");
    }
}
