package io.tally.cli.serve;

import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.platform.http.HttpErrors;
import io.tally.platform.http.OpsRoutes;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A service's HTTP endpoint for its container: the operations routes every service's HTTP server has
 * ({@link OpsRoutes}: {@code GET /health}, {@code /health/ready} and {@code /health/live}, 200 {@code UP}
 * while the service is healthy and 503 with its state otherwise, which the compose file's health checks
 * call; {@code GET /metrics}, the Prometheus exposition of the service's meters), and nothing else.
 *
 * <p>Thread-safe.
 */
public final class HealthEndpoint implements AutoCloseable {
    /** How long {@link #close} lets requests in flight finish. */
    static final int DRAIN_S = 5;

    private final Javalin app;

    private HealthEndpoint(Javalin app) {
        this.app = app;
    }

    /**
     * Serves on all interfaces at {@code port} (0: a free one).
     *
     * @param state the service's state: {@code null} when healthy, else what is wrong
     * @throws io.javalin.util.JavalinBindException if the port is taken
     */
    public static HealthEndpoint start(int port, Supplier<String> state, PrometheusMeterRegistry metrics) {
        Javalin app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            HttpErrors.configure(config);
            config.jetty.modifyServer(server -> server.setStopTimeout(DRAIN_S * 1_000L));
        });
        OpsRoutes.install(app, () -> Optional.ofNullable(state.get()), metrics);
        app.start(port);
        return new HealthEndpoint(app);
    }

    /** The port it listens on. */
    public int port() {
        return app.port();
    }

    /** Stops accepting requests and lets those in flight finish, up to {@value #DRAIN_S} s. */
    @Override
    public void close() {
        app.stop();
    }
}
