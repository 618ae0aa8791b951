package io.tally.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.platform.http.OpsRoutes.Readiness;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/** What each service's readiness says: a Streams client is ready only while RUNNING. */
class ReadinessTest {
    @Test
    void aStreamsClientIsReadyOnlyWhileRunning() {
        assertThat(Readiness.streams(() -> KafkaStreams.State.RUNNING).problem()).isEmpty();
        for (KafkaStreams.State state : KafkaStreams.State.values()) {
            if (state != KafkaStreams.State.RUNNING) {
                assertThat(Readiness.streams(() -> state).problem()).as(state.name()).hasValue("streams " + state);
            }
        }
    }

    @Test
    void aFlagIsReadyWhileItIsTrue() {
        assertThat(Readiness.of(() -> true).problem()).isEmpty();
        assertThat(Readiness.of(() -> false).problem()).hasValue("not ready");
    }
}
