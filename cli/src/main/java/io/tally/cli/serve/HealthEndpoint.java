package io.tally.cli.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * A service's HTTP endpoint for its container: {@code GET /health} answers 200 {@code UP} while the
 * service is healthy and 503 with its state otherwise (the compose file's health checks call it);
 * {@code GET /metrics} is the Prometheus exposition of the service's meters. The JDK's HTTP server:
 * two routes need no framework.
 *
 * <p>Thread-safe.
 */
final class HealthEndpoint implements AutoCloseable {
    /** How long {@link #close} lets requests in flight finish. */
    static final int DRAIN_S = 5;

    private final HttpServer server;

    private HealthEndpoint(HttpServer server) {
        this.server = server;
    }

    /**
     * Serves on all interfaces at {@code port} (0: a free one).
     *
     * @param state the service's state: {@code null} when healthy, else what is wrong
     */
    static HealthEndpoint start(int port, Supplier<String> state, PrometheusMeterRegistry metrics) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "health-endpoint");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/health", exchange -> {
            String problem = state.get();
            respond(exchange, problem == null ? 200 : 503, problem == null ? "UP" : problem, "text/plain");
        });
        server.createContext("/metrics", exchange ->
                respond(exchange, 200, metrics.scrape(), "text/plain; version=0.0.4"));
        server.start();
        return new HealthEndpoint(server);
    }

    /** The port it listens on. */
    int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int status, String body, String contentType) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", contentType + "; charset=utf-8");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Stops accepting requests and lets those in flight finish, up to {@value #DRAIN_S} s. */
    @Override
    public void close() {
        server.stop(DRAIN_S);
    }
}
