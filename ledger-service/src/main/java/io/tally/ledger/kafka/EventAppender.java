package io.tally.ledger.kafka;

import io.tally.avro.LedgerRequest;
import io.tally.core.AccountState;
import io.tally.core.Ledger;
import io.tally.core.LedgerEvent;
import io.tally.schemas.codec.RequestCodec;
import java.util.List;

/**
 * Appends the events of an accepted decision: evolves the account's state by each, appends it to
 * {@code ledger.events}, writes back what it changed ({@link AccountStores}), and sends the payee's
 * side of money that leaves to another account on {@code ledger.transfers}, all in the stream task's
 * transaction (DESIGN.md, Idempotency and ordering).
 *
 * <p>Not thread-safe: one per stream task.
 */
final class EventAppender {
    private final AccountStores stores;
    private final DecideOutputs outputs;

    EventAppender(AccountStores stores, DecideOutputs outputs) {
        this.stores = stores;
        this.outputs = outputs;
    }

    /**
     * Appends {@code events}, accepted against {@code state}.
     *
     * @param reference the request's free-text reference, carried on the events, or {@code null}
     * @param timestampMs the Kafka timestamp of the records written (the cause's)
     * @return the account's state after the events
     */
    AccountState append(AccountState state, List<LedgerEvent> events, String reference, long timestampMs) {
        for (LedgerEvent event : events) {
            state = Ledger.evolve(state, event);
            outputs.event(event, state.currency(), reference, timestampMs);
            stores.saveEntry(state, event);
            LedgerRequest payeeSide = payeeSide(state, event);
            if (payeeSide != null) {
                outputs.transfer(payeeSide, timestampMs);
            }
        }
        stores.saveSnapshot(state);
        return state;
    }

    /** The payee's credit of a transfer or a paying capture, or {@code null} for an event that pays no one. */
    private static LedgerRequest payeeSide(AccountState payer, LedgerEvent event) {
        String transferId = event.header().eventId();
        long nowMs = event.header().acceptedAtMs();
        if (event instanceof LedgerEvent.TransferSent sent) {
            return RequestCodec.receiveTransfer(transferId, sent.payeeAccountId(), payer.currency().code(),
                    payer.accountId(), sent.amountMinor(), nowMs);
        }
        if (event instanceof LedgerEvent.HoldCaptured captured && captured.payeeAccountId() != null) {
            return RequestCodec.receiveTransfer(transferId, captured.payeeAccountId(), payer.currency().code(),
                    payer.accountId(), captured.amountMinor(), nowMs);
        }
        return null;
    }
}
