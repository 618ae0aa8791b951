package io.tally.core;

import java.util.Objects;

/**
 * What the ledger accepted: immutable facts about one account, in the past tense. Every event
 * carries the account's balances after it, so a consumer can read a balance without replaying,
 * and the projector can check its own evolution against the writer's.
 *
 * <p>Each permitted record implements {@link #applyTo}, so adding an event type without saying how
 * it moves a balance does not compile (STYLE.md, sealed families on Java 17).
 */
public sealed interface LedgerEvent permits LedgerEvent.AccountOpened, LedgerEvent.Credited, LedgerEvent.Charged,
        LedgerEvent.Corrected, LedgerEvent.HoldPlaced, LedgerEvent.HoldCaptured, LedgerEvent.HoldReleased,
        LedgerEvent.ChargeRefunded, LedgerEvent.TransferSent, LedgerEvent.TransferReceived,
        LedgerEvent.TransferReturned {

    /** Identity, version and provenance of the event. */
    EventHeader header();

    /** The account's balances after this event, as the writer computed them. */
    Balance balanceAfter();

    /**
     * The balance evolution: the balances after this event, given those before it. Shared by the
     * write side and the projector so that the two cannot disagree.
     *
     * @throws ArithmeticException if the result overflows (decide rejects such requests first)
     */
    Balance applyTo(Balance before);

    /** The hold the event places, captures from or releases, or {@code null}. */
    default String holdId() {
        return null;
    }

    /**
     * The charge whose refundable remainder the event sets (a charge: its own event id; a refund: the
     * refunded charge's), or {@code null}.
     */
    default String chargeId() {
        return null;
    }

    /** The account was opened with a currency and an overdraft limit; balances start at zero. */
    record AccountOpened(EventHeader header, Currency currency, long overdraftLimitMinor, Balance balanceAfter)
            implements LedgerEvent {
        public AccountOpened {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(currency, "currency");
            Objects.requireNonNull(balanceAfter, "balanceAfter");
        }

        @Override
        public Balance applyTo(Balance before) {
            return Balance.ZERO;
        }
    }

    /** Money came in: available += amount. */
    record Credited(EventHeader header, long amountMinor, Balance balanceAfter) implements LedgerEvent {
        public Credited {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(balanceAfter, "balanceAfter");
        }

        @Override
        public Balance applyTo(Balance before) {
            return new Balance(Math.addExact(before.availableMinor(), amountMinor), before.lockedMinor());
        }
    }

    /** Money went out: available -= amount. */
    record Charged(EventHeader header, long amountMinor, Balance balanceAfter) implements LedgerEvent {
        @Override
        public String chargeId() {
            return header.eventId();
        }

        public Charged {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(balanceAfter, "balanceAfter");
        }

        @Override
        public Balance applyTo(Balance before) {
            return new Balance(Math.subtractExact(before.availableMinor(), amountMinor), before.lockedMinor());
        }
    }

    /** A reconciliation run adjusted available or locked by a signed delta. */
    record Corrected(EventHeader header, BalanceField field, long deltaMinor, String runId, String reason,
            Balance balanceAfter) implements LedgerEvent {
        public Corrected {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(runId, "runId");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(balanceAfter, "balanceAfter");
        }

        @Override
        public Balance applyTo(Balance before) {
            return field == BalanceField.AVAILABLE
                    ? new Balance(Math.addExact(before.availableMinor(), deltaMinor), before.lockedMinor())
                    : new Balance(before.availableMinor(), Math.addExact(before.lockedMinor(), deltaMinor));
        }
    }

    /** Money was locked under a hold: available -= amount, locked += amount. */
    record HoldPlaced(EventHeader header, String holdId, long amountMinor, Long expiresAtMs, Balance balanceAfter)
            implements LedgerEvent {
        public HoldPlaced {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(holdId, "holdId");
            Objects.requireNonNull(balanceAfter, "balanceAfter");
        }

        @Override
        public Balance applyTo(Balance before) {
            return new Balance(Math.subtractExact(before.availableMinor(), amountMinor),
                    Math.addExact(before.lockedMinor(), amountMinor));
        }
    }

    /**
     * Part of a hold was captured: locked -= amount. With a payee, {@code transferId} (this event's
     * id) names the payee's credit.
     */
    record HoldCaptured(EventHeader header, String holdId, long amountMinor, String payeeAccountId,
            Balance balanceAfter) implements LedgerEvent {
        public HoldCaptured {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(holdId, "holdId");
            Objects.requireNonNull(balanceAfter, "balanceAfter");
        }

        @Override
        public Balance applyTo(Balance before) {
            return new Balance(before.availableMinor(), Math.subtractExact(before.lockedMinor(), amountMinor));
        }
    }

    /** Part of a hold was released back to available, by request or because it expired. */
    record HoldReleased(EventHeader header, String holdId, long amountMinor, boolean expired, Balance balanceAfter)
            implements LedgerEvent {
        public HoldReleased {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(holdId, "holdId");
            Objects.requireNonNull(balanceAfter, "balanceAfter");
        }

        @Override
        public Balance applyTo(Balance before) {
            return new Balance(Math.addExact(before.availableMinor(), amountMinor),
                    Math.subtractExact(before.lockedMinor(), amountMinor));
        }
    }

    /** Part of a charge was refunded: available += amount. */
    record ChargeRefunded(EventHeader header, String chargeId, long amountMinor, Balance balanceAfter)
            implements LedgerEvent {
        public ChargeRefunded {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(chargeId, "chargeId");
            Objects.requireNonNull(balanceAfter, "balanceAfter");
        }

        @Override
        public Balance applyTo(Balance before) {
            return new Balance(Math.addExact(before.availableMinor(), amountMinor), before.lockedMinor());
        }
    }

    /** The payer sent money to another account: available -= amount. This event's id is the transfer id. */
    record TransferSent(EventHeader header, String payeeAccountId, long amountMinor, Balance balanceAfter)
            implements LedgerEvent {
        public TransferSent {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(payeeAccountId, "payeeAccountId");
            Objects.requireNonNull(balanceAfter, "balanceAfter");
        }

        @Override
        public Balance applyTo(Balance before) {
            return new Balance(Math.subtractExact(before.availableMinor(), amountMinor), before.lockedMinor());
        }
    }

    /** The payee received a transfer (or a paying capture): available += amount. */
    record TransferReceived(EventHeader header, String transferId, String payerAccountId, long amountMinor,
            Balance balanceAfter) implements LedgerEvent {
        public TransferReceived {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(transferId, "transferId");
            Objects.requireNonNull(payerAccountId, "payerAccountId");
            Objects.requireNonNull(balanceAfter, "balanceAfter");
        }

        @Override
        public Balance applyTo(Balance before) {
            return new Balance(Math.addExact(before.availableMinor(), amountMinor), before.lockedMinor());
        }
    }

    /** The payee refused a transfer; the payer got the amount back: available += amount. */
    record TransferReturned(EventHeader header, String transferId, String payeeAccountId, long amountMinor,
            String reason, Balance balanceAfter) implements LedgerEvent {
        public TransferReturned {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(transferId, "transferId");
            Objects.requireNonNull(payeeAccountId, "payeeAccountId");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(balanceAfter, "balanceAfter");
        }

        @Override
        public Balance applyTo(Balance before) {
            return new Balance(Math.addExact(before.availableMinor(), amountMinor), before.lockedMinor());
        }
    }
}
