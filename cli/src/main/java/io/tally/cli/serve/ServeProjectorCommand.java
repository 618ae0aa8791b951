package io.tally.cli.serve;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.demo.LocalStack;
import io.tally.embedded.PostgresServer;
import io.tally.platform.http.Tokens;
import io.tally.projector.http.ProjectorHttpApi;
import io.tally.projector.jdbc.BalanceCacheSink;
import io.tally.projector.jdbc.ProjectorSchema;
import io.tally.projector.kafka.LiveProjector;
import io.tally.projector.kafka.ProjectorConfig;
import io.tally.schemas.LedgerTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import picocli.CommandLine.Command;

/**
 * {@code ./tally serve projector}: the projector and its PostgreSQL cache sink alone, against any
 * Kafka cluster and the PostgreSQL named by {@code TALLY_JDBC_URL} (required: a production projector
 * never starts an embedded database). It runs the projection {@code ./tally rebuild} last switched
 * readers to and follows a later switch ({@link LiveProjector}). With {@value ServiceEnvironment#HTTP_PORT}
 * it serves the read API (the same as {@code ./tally serve}'s), advertised to the other instances as
 * {@code TALLY_ADVERTISED_HOST:TALLY_HTTP_PORT} ({@code application.server}), so any instance answers any
 * account, forwarding to the one that owns it.
 */
@Command(name = "projector", mixinStandardHelpOptions = true,
        description = "Run the projector: ledger.events -> balances, ledger.balances and PostgreSQL account_balances.")
final class ServeProjectorCommand extends ServiceCommand {
    /** The projector's default Streams application id (as the embedded stack's). */
    static final String APPLICATION_ID = "tally-projector";

    @Override
    String serviceName() {
        return "projector";
    }

    @Override
    RunningService start(ServiceEnvironment env, LedgerTopics topics, PrometheusMeterRegistry metrics) throws Exception {
        String jdbcUrl = env.jdbcUrl().orElseThrow(() -> new IllegalArgumentException(
                ServiceEnvironment.JDBC_URL + " must name the PostgreSQL of the balance cache"));
        DataSource database = PostgresServer.dataSource(jdbcUrl);
        ProjectorSchema.migrate(database);
        // The configured id until ./tally rebuild switches readers; then the rebuilt projection, followed live.
        String applicationId = env.applicationId().orElse(APPLICATION_ID);
        Map<String, Object> kafka = streamsKafka(env);
        Optional<HostInfo> self = env.httpPort().map(port -> {
            if (port == 0) {
                throw new IllegalArgumentException(ServiceEnvironment.HTTP_PORT + " of a projector must be a port, not 0: "
                        + "it is advertised to the other instances (application.server) before the API starts");
            }
            return new HostInfo(env.advertisedHost(), port);
        });
        self.ifPresent(h -> kafka.put(StreamsConfig.APPLICATION_SERVER_CONFIG, h.host() + ":" + h.port()));
        Tokens tokens = self.isPresent() ? tokens(env) : null;
        LiveProjector app = new LiveProjector(new ProjectorConfig(kafka, applicationId,
                env.stateDir().resolve("projector"), topics, env.replicationFactor()), metrics, database,
                LocalStack.LIVE_SWITCH_CHECK, Duration.ofMinutes(10));
        // The sink's group stays with the configured id: ledger.balances is the same topic whichever projection writes it.
        BalanceCacheSink sink = new BalanceCacheSink(env.kafka(), applicationId + "-balance-cache", topics, database);
        // Closed in reverse order: the API drains first, then the sink, then Streams.
        List<AutoCloseable> opened = new ArrayList<>(List.of(app, sink));
        ProjectorHttpApi api = null;
        try {
            app.start();
            sink.start();
            if (self.isPresent()) {
                api = new ProjectorHttpApi(app, self.get(), tokens, MIN_VERSION_TIMEOUT, metrics);
                opened.add(api);
                api.start("0.0.0.0", self.get().port());
            }
        } catch (Exception e) {
            closeAll(opened);
            throw e;
        }
        int port = api != null ? api.port() : -1;
        return new RunningService() {
            @Override
            public String problem() {
                return sink.failure().map(e -> "the PostgreSQL cache sink stopped: " + e)
                        .orElseGet(() -> StreamsHealth.problem(app.get().state()));
            }

            @Override
            public boolean failed() {
                return sink.failure().isPresent() || StreamsHealth.failed(app.get().state());
            }

            @Override
            public int apiPort() {
                return port;
            }

            @Override
            public void close() {
                closeAll(opened);
            }
        };
    }
}
