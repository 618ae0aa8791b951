package io.tally.core;

import java.util.List;
import java.util.Objects;

/** The outcome of deciding a command: accepted with its events, or rejected with a stable code. */
public sealed interface Decision permits Decision.Accepted, Decision.Rejected {

    /**
     * The command was accepted; these events are to be appended, in order.
     *
     * @param events at least one event, versions consecutive
     */
    record Accepted(List<LedgerEvent> events) implements Decision {
        public Accepted {
            events = List.copyOf(events);
            if (events.isEmpty()) {
                throw new IllegalArgumentException("an accepted decision appends at least one event");
            }
        }
    }

    /**
     * The command was rejected; nothing is appended.
     *
     * @param code the stable reason
     * @param message a human-readable explanation naming the amounts involved
     */
    record Rejected(RejectionCode code, String message) implements Decision {
        public Rejected {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }
    }
}
