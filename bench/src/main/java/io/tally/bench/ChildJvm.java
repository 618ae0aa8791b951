package io.tally.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A part of a bench run in a JVM of its own (issue 15, item 2: measure as a user deploys it): the same
 * class path as this one, {@link BenchProcess#main} with a role and its arguments. The child answers on
 * its standard output with lines {@code READY ...} and {@code RESULT ...}; everything else it prints is
 * passed on to this process's standard error, prefixed with the role. The child stops when its standard
 * input closes ({@link #close}), so it cannot outlive the bench.
 *
 * <p>Thread-safe for {@link #awaitLine} from one thread; a reader thread drains the child's output.
 */
final class ChildJvm implements AutoCloseable {
    private static final Duration STOP = Duration.ofSeconds(30);

    private final String role;
    private final Process process;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();

    private ChildJvm(String role, Process process) {
        this.role = role;
        this.process = process;
        Thread reader = new Thread(this::drain, "bench-child-" + role);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@link BenchProcess} as {@code role} with {@code args}, with a heap of {@code heapMb} MiB.
     *
     * @throws IOException if the JVM cannot be started
     */
    static ChildJvm start(String role, int heapMb, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heapMb + "m", "-cp", System.getProperty("java.class.path"), BenchProcess.class.getName(), role));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new ChildJvm(role, process);
    }

    /**
     * The rest of the next line the child starts with {@code prefix} and a space.
     *
     * @throws IllegalStateException if the child ends first or says nothing of the kind within {@code timeout}
     */
    String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (true) {
            long leftNs = deadlineNs - System.nanoTime();
            String line = answers.poll(Math.max(0, leftNs), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new IllegalStateException("the bench's " + role + " process "
                        + (process.isAlive() ? "said no " + prefix + " within " + timeout.toSeconds() + " s"
                                : "ended with exit code " + process.exitValue()));
            }
            if (line.startsWith(prefix + " ")) {
                return line.substring(prefix.length() + 1);
            }
        }
    }

    /** The child's CPU time so far, nanoseconds (user and system, as the OS counts it), or -1 if unknown. */
    long cpuNs() {
        return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /** The child's process id. */
    long pid() {
        return process.pid();
    }

    private void drain() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("READY ") || line.startsWith("RESULT ")) {
                    answers.add(line);
                } else {
                    System.err.println("[" + role + "] " + line);
                }
            }
        } catch (IOException e) {
            // the child ended
        }
    }

    /** Closes the child's standard input, which stops it; kills it if it has not ended within 30 s. */
    @Override
    public void close() throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already gone
        }
        if (!process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
