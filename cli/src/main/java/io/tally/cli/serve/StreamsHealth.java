package io.tally.cli.serve;

import org.apache.kafka.streams.KafkaStreams;

/** What a Kafka Streams client's state means for a service's health. */
final class StreamsHealth {
    private StreamsHealth() {}

    /** {@code null} when RUNNING; else the state (REBALANCING and CREATED are not yet serving). */
    static String problem(KafkaStreams.State state) {
        return state == KafkaStreams.State.RUNNING ? null : "streams " + state;
    }

    /** Whether the client has stopped for good without being asked to. */
    static boolean failed(KafkaStreams.State state) {
        return state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR;
    }
}
