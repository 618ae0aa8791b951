package io.tally.schemas.codec;

import io.tally.avro.EventType;
import io.tally.core.Balance;
import io.tally.core.BalanceField;
import io.tally.core.Currency;
import io.tally.core.EventHeader;
import io.tally.core.LedgerEvent;
import io.tally.core.LedgerEvent.AccountOpened;
import io.tally.core.LedgerEvent.Charged;
import io.tally.core.LedgerEvent.ChargeRefunded;
import io.tally.core.LedgerEvent.Corrected;
import io.tally.core.LedgerEvent.HoldCaptured;
import io.tally.core.LedgerEvent.HoldPlaced;
import io.tally.core.LedgerEvent.HoldReleased;
import io.tally.core.LedgerEvent.TransferReceived;
import io.tally.core.LedgerEvent.TransferReturned;
import io.tally.core.LedgerEvent.TransferSent;
import io.tally.core.LedgerEvent.Credited;

/**
 * Maps the core's events to and from the {@code ledger.events} wire record.
 *
 * <p>Thread-safe: stateless.
 */
public final class EventCodec {
    private EventCodec() {}

    /**
     * The wire form of {@code event}.
     *
     * @param currency the account's currency (carried on every event for consumers)
     * @param reference the request's reference, or {@code null}
     */
    public static io.tally.avro.LedgerEvent toAvro(LedgerEvent event, Currency currency, String reference) {
        EventHeader h = event.header();
        io.tally.avro.LedgerEvent.Builder b = io.tally.avro.LedgerEvent.newBuilder()
                .setEventId(h.eventId()).setAccountId(h.accountId()).setVersion(h.version())
                .setCurrency(currency.code()).setScale(currency.scale())
                .setAvailableAfterMinor(event.balanceAfter().availableMinor())
                .setLockedAfterMinor(event.balanceAfter().lockedMinor())
                .setRequestId(h.requestId()).setIdempotencyKey(h.idempotencyKey())
                .setAcceptedAtMs(h.acceptedAtMs()).setReference(reference);
        if (event instanceof AccountOpened opened) {
            b.setType(EventType.ACCOUNT_OPENED).setOverdraftLimitMinor(opened.overdraftLimitMinor());
        } else if (event instanceof Credited credited) {
            b.setType(EventType.CREDITED).setAmountMinor(credited.amountMinor());
        } else if (event instanceof Charged charged) {
            b.setType(EventType.CHARGED).setAmountMinor(charged.amountMinor());
        } else if (event instanceof HoldPlaced e) {
            b.setType(EventType.HOLD_PLACED).setHoldId(e.holdId()).setAmountMinor(e.amountMinor())
                    .setExpiresAtMs(e.expiresAtMs());
        } else if (event instanceof HoldCaptured e) {
            b.setType(EventType.HOLD_CAPTURED).setHoldId(e.holdId()).setAmountMinor(e.amountMinor())
                    .setCounterpartyAccountId(e.payeeAccountId());
        } else if (event instanceof HoldReleased e) {
            b.setType(e.expired() ? EventType.HOLD_EXPIRED : EventType.HOLD_RELEASED).setHoldId(e.holdId())
                    .setAmountMinor(e.amountMinor());
        } else if (event instanceof ChargeRefunded e) {
            b.setType(EventType.CHARGE_REFUNDED).setChargeId(e.chargeId()).setAmountMinor(e.amountMinor());
        } else if (event instanceof TransferSent e) {
            b.setType(EventType.TRANSFER_SENT).setCounterpartyAccountId(e.payeeAccountId()).setAmountMinor(e.amountMinor());
        } else if (event instanceof TransferReceived e) {
            b.setType(EventType.TRANSFER_RECEIVED).setTransferId(e.transferId())
                    .setCounterpartyAccountId(e.payerAccountId()).setAmountMinor(e.amountMinor());
        } else if (event instanceof TransferReturned e) {
            b.setType(EventType.TRANSFER_RETURNED).setTransferId(e.transferId())
                    .setCounterpartyAccountId(e.payeeAccountId()).setAmountMinor(e.amountMinor()).setReason(e.reason());
        } else if (event instanceof Corrected corrected) {
            b.setType(EventType.CORRECTED).setBalanceField(corrected.field().name())
                    .setDeltaMinor(corrected.deltaMinor()).setRunId(corrected.runId()).setReason(corrected.reason());
        } else {
            throw new AssertionError("unmapped event " + event.getClass());
        }
        return b.build();
    }

    /**
     * The core form of a wire event.
     *
     * @throws IllegalArgumentException if the event's type is unknown to this reader or a field its
     *     type needs is missing (written by a newer or broken writer)
     */
    public static LedgerEvent toCore(io.tally.avro.LedgerEvent e) {
        EventHeader header = new EventHeader(e.getEventId(), e.getAccountId(), e.getVersion(), e.getRequestId(),
                e.getIdempotencyKey(), e.getAcceptedAtMs());
        Balance after = new Balance(e.getAvailableAfterMinor(), e.getLockedAfterMinor());
        switch (e.getType()) {
            case ACCOUNT_OPENED:
                return new AccountOpened(header, new Currency(e.getCurrency(), e.getScale()),
                        require(e.getOverdraftLimitMinor(), e, "overdraftLimitMinor"), after);
            case CREDITED:
                return new Credited(header, require(e.getAmountMinor(), e, "amountMinor"), after);
            case CHARGED:
                return new Charged(header, require(e.getAmountMinor(), e, "amountMinor"), after);
            case HOLD_PLACED:
                return new HoldPlaced(header, text(e.getHoldId(), e, "holdId"), require(e.getAmountMinor(), e, "amountMinor"),
                        e.getExpiresAtMs(), after);
            case HOLD_CAPTURED:
                return new HoldCaptured(header, text(e.getHoldId(), e, "holdId"), require(e.getAmountMinor(), e, "amountMinor"),
                        e.getCounterpartyAccountId(), after);
            case HOLD_RELEASED:
            case HOLD_EXPIRED:
                return new HoldReleased(header, text(e.getHoldId(), e, "holdId"), require(e.getAmountMinor(), e, "amountMinor"),
                        e.getType() == EventType.HOLD_EXPIRED, after);
            case CHARGE_REFUNDED:
                return new ChargeRefunded(header, text(e.getChargeId(), e, "chargeId"),
                        require(e.getAmountMinor(), e, "amountMinor"), after);
            case TRANSFER_SENT:
                return new TransferSent(header, text(e.getCounterpartyAccountId(), e, "counterpartyAccountId"),
                        require(e.getAmountMinor(), e, "amountMinor"), after);
            case TRANSFER_RECEIVED:
                return new TransferReceived(header, text(e.getTransferId(), e, "transferId"),
                        text(e.getCounterpartyAccountId(), e, "counterpartyAccountId"),
                        require(e.getAmountMinor(), e, "amountMinor"), after);
            case TRANSFER_RETURNED:
                return new TransferReturned(header, text(e.getTransferId(), e, "transferId"),
                        text(e.getCounterpartyAccountId(), e, "counterpartyAccountId"),
                        require(e.getAmountMinor(), e, "amountMinor"), e.getReason() == null ? "" : e.getReason(), after);
            case CORRECTED: {
                BalanceField field = RequestCodec.balanceField(e.getBalanceField());
                if (field == null || e.getRunId() == null) {
                    throw new IllegalArgumentException("event " + e.getEventId() + " (CORRECTED) lacks balanceField or runId");
                }
                return new Corrected(header, field, require(e.getDeltaMinor(), e, "deltaMinor"), e.getRunId(),
                        e.getReason() == null ? "" : e.getReason(), after);
            }
            case UNKNOWN:
            default:
                throw new IllegalArgumentException("event " + e.getEventId() + " has a type this reader does not know");
        }
    }

    private static String text(String value, io.tally.avro.LedgerEvent e, String field) {
        if (value == null) {
            throw new IllegalArgumentException("event " + e.getEventId() + " (" + e.getType() + ") lacks " + field);
        }
        return value;
    }

    private static long require(Long value, io.tally.avro.LedgerEvent e, String field) {
        if (value == null) {
            throw new IllegalArgumentException("event " + e.getEventId() + " (" + e.getType() + ") lacks " + field);
        }
        return value;
    }
}
