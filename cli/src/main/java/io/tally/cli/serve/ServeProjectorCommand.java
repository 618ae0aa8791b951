package io.tally.cli.serve;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.demo.LocalStack;
import io.tally.embedded.PostgresServer;
import io.tally.projector.jdbc.BalanceCacheSink;
import io.tally.projector.jdbc.ProjectorSchema;
import io.tally.projector.kafka.LiveProjector;
import io.tally.projector.kafka.ProjectorConfig;
import io.tally.schemas.LedgerTopics;
import java.time.Duration;
import javax.sql.DataSource;
import picocli.CommandLine.Command;

/**
 * {@code ./tally serve projector}: the projector and its PostgreSQL cache sink alone, against any
 * Kafka cluster and the PostgreSQL named by {@code TALLY_JDBC_URL} (required: a production projector
 * never starts an embedded database). It runs the projection {@code ./tally rebuild} last switched
 * readers to and follows a later switch ({@link LiveProjector}).
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
    RunningService start(ServiceEnvironment env, LedgerTopics topics, PrometheusMeterRegistry metrics) {
        String jdbcUrl = env.jdbcUrl().orElseThrow(() -> new IllegalArgumentException(
                ServiceEnvironment.JDBC_URL + " must name the PostgreSQL of the balance cache"));
        DataSource database = PostgresServer.dataSource(jdbcUrl);
        ProjectorSchema.migrate(database);
        // The configured id until ./tally rebuild switches readers; then the rebuilt projection, followed live.
        String applicationId = env.applicationId().orElse(APPLICATION_ID);
        LiveProjector app = new LiveProjector(new ProjectorConfig(env.kafka(), applicationId,
                env.stateDir().resolve("projector"), topics, env.replicationFactor()), metrics, database,
                LocalStack.LIVE_SWITCH_CHECK, Duration.ofMinutes(10));
        // The sink's group stays with the configured id: ledger.balances is the same topic whichever projection writes it.
        BalanceCacheSink sink = new BalanceCacheSink(env.kafka(), applicationId + "-balance-cache", topics, database);
        app.start();
        sink.start();
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
            public void close() {
                sink.close();
                app.close();
            }
        };
    }
}
