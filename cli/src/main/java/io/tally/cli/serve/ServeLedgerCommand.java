package io.tally.cli.serve;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.ledger.http.LedgerHttpApi;
import io.tally.ledger.http.PendingOutcomes;
import io.tally.ledger.kafka.LedgerServiceApp;
import io.tally.ledger.kafka.LedgerServiceConfig;
import io.tally.ledger.kafka.RequestPublisher;
import io.tally.schemas.LedgerTopics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;

/**
 * {@code ./tally serve ledger}: ledger-service alone against any Kafka cluster, and, with
 * {@value ServiceEnvironment#HTTP_PORT}, its HTTP write API (the same as {@code ./tally serve}'s: every
 * write, {@code /v1/batch}, {@code GET /v1/requests/{id}}, OpenAPI), so several instances can each take
 * any write.
 */
@Command(name = "ledger", mixinStandardHelpOptions = true,
        description = "Run ledger-service: decide requests from ledger.requests, append to ledger.events; "
                + "with TALLY_HTTP_PORT, serve the HTTP write API.")
final class ServeLedgerCommand extends ServiceCommand {
    /** Outcomes the API keeps for {@code GET /v1/requests/{id}} (as {@code ./tally serve}). */
    private static final int REMEMBERED_OUTCOMES = 100_000;

    @Override
    String serviceName() {
        return "ledger-service";
    }

    @Override
    RunningService start(ServiceEnvironment env, LedgerTopics topics, PrometheusMeterRegistry metrics) throws Exception {
        LedgerServiceApp app = new LedgerServiceApp(new LedgerServiceConfig(streamsKafka(env),
                env.applicationId().orElse(LedgerServiceConfig.DEFAULT_APPLICATION_ID),
                env.stateDir().resolve("ledger-service"), topics, env.replicationFactor()), metrics);
        // Closed in reverse order: the API drains first, then its clients, then Streams.
        List<AutoCloseable> opened = new ArrayList<>(List.of(app));
        LedgerHttpApi api = null;
        try {
            app.start();
            if (env.httpPort().isPresent()) {
                RequestPublisher publisher = new RequestPublisher(env.kafka(), topics);
                opened.add(publisher);
                PendingOutcomes outcomes = new PendingOutcomes(env.kafka(), topics, REMEMBERED_OUTCOMES);
                opened.add(outcomes);
                api = new LedgerHttpApi(publisher, outcomes, tokens(env), REQUEST_TIMEOUT,
                        () -> app.state() == KafkaStreams.State.RUNNING, metrics, Clock.systemUTC());
                opened.add(api);
                api.start("0.0.0.0", env.httpPort().get());
            }
        } catch (Exception e) {
            closeAll(opened);
            throw e;
        }
        int port = api != null ? api.port() : -1;
        return new RunningService() {
            @Override
            public String problem() {
                return StreamsHealth.problem(app.state());
            }

            @Override
            public boolean failed() {
                return StreamsHealth.failed(app.state());
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
