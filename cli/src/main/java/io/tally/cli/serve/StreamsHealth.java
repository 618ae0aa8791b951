package io.tally.cli.serve;

import io.tally.platform.http.OpsRoutes;
import org.apache.kafka.streams.KafkaStreams;

/** What a Kafka Streams client's state means for a service's health. */
final class StreamsHealth {
    private StreamsHealth() {}

    /** {@code null} when RUNNING; else the state, as every health route says it ({@link OpsRoutes.Readiness#streams}). */
    static String problem(KafkaStreams.State state) {
        return OpsRoutes.Readiness.streams(() -> state).problem().orElse(null);
    }

    /** Whether the client has stopped for good without being asked to. */
    static boolean failed(KafkaStreams.State state) {
        return state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR;
    }
}
