package io.tally.ledger.kafka;

import io.tally.core.AccountState;
import io.tally.core.Decision;
import io.tally.core.Ledger;
import io.tally.core.LedgerCommand;
import io.tally.core.RequestContext;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Releases the remainder of every hold whose expiry stream time has passed, with a HOLD_EXPIRED event
 * (DESIGN.md, Operations as built). Stream time comes from the records, never from the wall clock, so
 * a replay expires the same holds. Each due hold is decided as an {@link LedgerCommand.ExpireHold}
 * like any request; one captured or released in full before its time has nothing left and is dropped
 * from the index without an event.
 *
 * <p>Not thread-safe: runs on its stream task's thread, between records, in the task's transaction.
 */
final class HoldExpiryPunctuator implements Punctuator {
    /** How often stream time is checked against hold expiries. */
    static final Duration INTERVAL = Duration.ofSeconds(1);

    private final AccountStores stores;
    private final EventAppender appender;
    private final DecideMetrics metrics;
    private final LongSupplier wallClockMs;

    /**
     * @param wallClockMs the acceptance time to stamp on the events, epoch ms (the task's
     *     {@code currentSystemTimeMs}, as for any decision)
     */
    HoldExpiryPunctuator(AccountStores stores, EventAppender appender, DecideMetrics metrics, LongSupplier wallClockMs) {
        this.stores = stores;
        this.appender = appender;
        this.metrics = metrics;
        this.wallClockMs = wallClockMs;
    }

    /** Schedules this punctuator on {@code context} every {@link #INTERVAL} of stream time. */
    Cancellable schedule(ProcessorContext<?, ?> context) {
        return context.schedule(INTERVAL, PunctuationType.STREAM_TIME, this);
    }

    /** Expires the holds due at {@code streamTimeMs}, epoch ms of stream time. */
    @Override
    public void punctuate(long streamTimeMs) {
        for (AccountScopedKey due : stores.takeDueHolds(streamTimeMs)) {
            LedgerCommand.ExpireHold expire = new LedgerCommand.ExpireHold(due.accountId(), due.id(), streamTimeMs);
            AccountState state = stores.load(expire);
            String id = "expire:" + due.id();
            Decision decision = Ledger.decide(state, expire, new RequestContext(id, id, wallClockMs.getAsLong()));
            if (decision instanceof Decision.Accepted accepted) {
                appender.append(state, accepted.events(), null, streamTimeMs);
                metrics.count("hold-expired", null);
            } // else the hold was captured or released in full before it expired: nothing to do
        }
    }
}
