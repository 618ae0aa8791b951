package io.tally.platform.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The operations routes every service's HTTP server installs, the same on each (the ledger API, the
 * projector API, and the health port of a service run alone):
 * <ul>
 *   <li>{@code GET /health/live}: 200 {@code UP} while the process answers;</li>
 *   <li>{@code GET /health/ready} and {@code GET /health}: 200 {@code UP} while the service is ready,
 *       else 503 with what is wrong (e.g. {@code streams REBALANCING}); the compose file's health
 *       checks call {@code /health};</li>
 *   <li>{@code GET /metrics}: the Prometheus text exposition (version 0.0.4) of the service's meters,
 *       empty if its registry is not a Prometheus one.</li>
 * </ul>
 * The health bodies are {@code text/plain; charset=utf-8}. None needs a token: a probe or a scraper
 * holds none, and they tell nothing about an account.
 *
 * <p>Thread-safe: stateless; the handlers read {@code readiness} and {@code metrics} on each request.
 */
public final class OpsRoutes {
    /** The body of a 200 from a health route. */
    public static final String UP = "UP";

    private OpsRoutes() {}

    /** Whether a service is ready for its work, and if not, why. */
    @FunctionalInterface
    public interface Readiness {
        /** Empty when ready; else a short description of what is wrong, for the 503's body. */
        Optional<String> problem();

        /** Ready while {@code ready} says so; {@code not ready} otherwise. */
        static Readiness of(BooleanSupplier ready) {
            return () -> ready.getAsBoolean() ? Optional.empty() : Optional.of("not ready");
        }

        /** Ready while the Kafka Streams client {@code state} gives is {@code RUNNING}; else {@code streams <state>}. */
        static Readiness streams(Supplier<KafkaStreams.State> state) {
            return () -> {
                KafkaStreams.State now = state.get();
                return now == KafkaStreams.State.RUNNING ? Optional.empty() : Optional.of("streams " + now);
            };
        }
    }

    /**
     * Adds the routes to {@code app}.
     *
     * @param readiness asked on each {@code /health/ready} and {@code /health}
     * @param metrics the registry {@code /metrics} scrapes
     */
    public static void install(Javalin app, Readiness readiness, MeterRegistry metrics) {
        Objects.requireNonNull(readiness, "readiness");
        Objects.requireNonNull(metrics, "metrics");
        app.get("/health/live", ctx -> text(ctx, 200, UP));
        app.get("/health/ready", ctx -> ready(ctx, readiness));
        app.get("/health", ctx -> ready(ctx, readiness));
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(metrics instanceof PrometheusMeterRegistry prometheus ? prometheus.scrape() : ""));
    }

    private static void ready(Context ctx, Readiness readiness) {
        Optional<String> problem = readiness.problem();
        text(ctx, problem.isEmpty() ? 200 : 503, problem.orElse(UP));
    }

    private static void text(Context ctx, int status, String body) {
        ctx.status(status).contentType("text/plain; charset=utf-8").result(body);
    }
}
