package io.tally.schemas.registry;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real Confluent-compatible Schema Registry for integration tests: Apicurio Registry (version in
 * the root pom's {@code apicurio-registry.version}), unpacked by the schemas module's build into
 * {@code target/apicurio-registry} (system property {@code tally.apicurio.home}; without it this
 * module's {@code target/apicurio-registry}, else the schemas module's) and started as a
 * subprocess with in-memory storage on {@code 127.0.0.1} and a free port. Its Confluent API is under
 * {@link #url()} ({@code /apis/ccompat/v7}); the global compatibility is set to {@code BACKWARD}
 * (Confluent's default; Apicurio's is {@code NONE}) through that API's {@code PUT /config}.
 *
 * <p>Apicurio 3 needs Java 21+: the JDK is {@code TALLY_JAVA21_HOME}, else {@code JAVA_HOME}, else
 * the running JVM, else the newest under {@code /usr/lib/jvm}, whichever first is 21 or newer.
 * {@link #start()} skips the calling test (a JUnit assumption saying why) only when no such JDK
 * exists or the registry was not unpacked; a registry that is there but does not come up fails it.
 *
 * <p>{@link #close()} kills the process. Not thread-safe; one per test class.
 */
public final class ApicurioRegistry implements AutoCloseable {
    /** Longest wait for the registry to answer (it starts in a few seconds on an idle machine). */
    private static final Duration STARTUP = Duration.ofMinutes(3);
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final Process process;
    private final String url;
    private final Path log;

    private ApicurioRegistry(Process process, String url, Path log) {
        this.process = process;
        this.url = url;
        this.log = log;
    }

    /**
     * Starts a registry and waits until its Confluent API answers with compatibility BACKWARD.
     *
     * @throws org.opentest4j.TestAbortedException (an assumption) if no Java 21+ or no unpacked
     *     registry exists here
     * @throws IllegalStateException if the registry does not come up within 3 minutes (its log is
     *     named in the message)
     */
    public static ApicurioRegistry start() {
        Optional<Path> java = java21();
        assumeTrue(java.isPresent(), "Apicurio Registry needs Java 21+; none found in TALLY_JAVA21_HOME,"
                + " JAVA_HOME, the running JVM or /usr/lib/jvm, so this registry IT is skipped");
        // A module without its own unpack step uses the schemas module's (built before it in the reactor).
        Path home = Optional.ofNullable(System.getProperty("tally.apicurio.home")).map(Path::of)
                .orElseGet(() -> Stream.of("target/apicurio-registry", "../schemas/target/apicurio-registry")
                        .map(Path::of).filter(Files::isDirectory).findFirst().orElse(Path.of("target/apicurio-registry")));
        Path jar;
        try (Stream<Path> found = Files.exists(home) ? Files.walk(home, 3) : Stream.empty()) {
            jar = found.filter(p -> p.getFileName().toString().equals("quarkus-run.jar")).findFirst()
                    .map(Path::toAbsolutePath).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assumeTrue(jar != null, "Apicurio Registry is not unpacked under " + home.toAbsolutePath()
                + " (the schemas module's pre-integration-test phase does it; run the IT through ./mvnw verify)");
        int port = freePort();
        try {
            Path log = Files.createTempFile("apicurio-registry-", ".log");
            List<String> command = new ArrayList<>(List.of(java.get().toString(),
                    "-Xmx512m",
                    "-Dquarkus.http.host=127.0.0.1",
                    "-Dquarkus.http.port=" + port,
                    "-Dquarkus.management.port=" + freePort(),
                    "-Dquarkus.management.host=127.0.0.1",
                    "-jar", jar.toString()));
            Process process = new ProcessBuilder(command).directory(jar.getParent().toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            ApicurioRegistry registry = new ApicurioRegistry(process, "http://127.0.0.1:" + port + "/apis/ccompat/v7", log);
            try {
                registry.awaitReady();
                registry.setGlobalCompatibility("BACKWARD");
            } catch (RuntimeException e) {
                registry.close();
                throw e;
            }
            return registry;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Apicurio Registry from " + jar, e);
        }
    }

    /** The Confluent-compatible API's base URL, e.g. {@code http://127.0.0.1:41234/apis/ccompat/v7}. */
    public String url() {
        return url;
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Apicurio Registry exited with " + process.exitValue()
                        + " before answering; its log: " + log);
            }
            try {
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(url + "/subjects"))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Apicurio Registry", e);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Apicurio Registry", e);
            }
        }
        throw new IllegalStateException("Apicurio Registry did not answer within " + STARTUP + "; its log: " + log);
    }

    private void setGlobalCompatibility(String level) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/config"))
                .header("Content-Type", CONTENT_TYPE)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"" + level + "\"}", StandardCharsets.UTF_8))
                .build();
        try {
            HttpResponse<String> answer = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                throw new IllegalStateException("Apicurio Registry refused compatibility " + level + ": "
                        + answer.statusCode() + " " + answer.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills the registry process and waits for it to go. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(java.util.concurrent.TimeUnit.SECONDS.toMillis(30), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code bin/java} of the first JDK 21+ found, in the order the class comment gives. */
    static Optional<Path> java21() {
        List<Path> candidates = new ArrayList<>();
        Stream.of(System.getenv("TALLY_JAVA21_HOME"), System.getenv("JAVA_HOME"), System.getProperty("java.home"))
                .filter(h -> h != null && !h.isBlank()).map(Path::of).forEach(candidates::add);
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> dirs = Files.list(jvms)) {
                dirs.filter(Files::isDirectory)
                        .sorted((a, b) -> Integer.compare(majorVersion(b), majorVersion(a)))
                        .forEach(candidates::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return candidates.stream()
                .filter(h -> majorVersion(h) >= 21 && Files.isExecutable(h.resolve("bin/java")))
                .map(h -> h.resolve("bin/java"))
                .findFirst();
    }

    /** A JDK's major version from its {@code release} file, 0 if unknown. */
    private static int majorVersion(Path home) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) {
            return 0;
        }
        try {
            Matcher m = Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(Files.readString(release));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
