package io.tally.cli.serve;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.ledger.kafka.LedgerServiceApp;
import io.tally.ledger.kafka.LedgerServiceConfig;
import io.tally.schemas.LedgerTopics;
import picocli.CommandLine.Command;

/** {@code ./tally serve ledger}: ledger-service alone against any Kafka cluster. */
@Command(name = "ledger", mixinStandardHelpOptions = true,
        description = "Run ledger-service: decide requests from ledger.requests, append to ledger.events.")
final class ServeLedgerCommand extends ServiceCommand {
    @Override
    String serviceName() {
        return "ledger-service";
    }

    @Override
    RunningService start(ServiceEnvironment env, LedgerTopics topics, PrometheusMeterRegistry metrics) {
        LedgerServiceApp app = new LedgerServiceApp(new LedgerServiceConfig(env.kafka(),
                env.applicationId().orElse(LedgerServiceConfig.DEFAULT_APPLICATION_ID),
                env.stateDir().resolve("ledger-service"), topics, env.replicationFactor()), metrics);
        app.start();
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
            public void close() {
                app.close();
            }
        };
    }
}
