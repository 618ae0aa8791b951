package io.tally.core;

import io.tally.core.LedgerCommand.CaptureHold;
import io.tally.core.LedgerCommand.Charge;
import io.tally.core.LedgerCommand.Correct;
import io.tally.core.LedgerCommand.Credit;
import io.tally.core.LedgerCommand.ExpireHold;
import io.tally.core.LedgerCommand.OpenAccount;
import io.tally.core.LedgerCommand.PlaceHold;
import io.tally.core.LedgerCommand.ReceiveTransfer;
import io.tally.core.LedgerCommand.RefundCharge;
import io.tally.core.LedgerCommand.ReleaseHold;
import io.tally.core.LedgerCommand.ReturnTransfer;
import io.tally.core.LedgerCommand.Transfer;
import io.tally.core.LedgerEvent.AccountOpened;
import io.tally.core.LedgerEvent.ChargeRefunded;
import io.tally.core.LedgerEvent.Charged;
import io.tally.core.LedgerEvent.Corrected;
import io.tally.core.LedgerEvent.Credited;
import io.tally.core.LedgerEvent.HoldCaptured;
import io.tally.core.LedgerEvent.HoldPlaced;
import io.tally.core.LedgerEvent.HoldReleased;
import io.tally.core.LedgerEvent.TransferReceived;
import io.tally.core.LedgerEvent.TransferReturned;
import io.tally.core.LedgerEvent.TransferSent;

/**
 * The event a command asks for, before the balances after it are known: {@link Ledger#decide} builds
 * it, evolves it (only evolution computes a balance) and accepts it stamped with the evolved balances.
 */
@FunctionalInterface
interface ProposedEvent {
    /** The event with {@code header} and {@code balanceAfter}. */
    LedgerEvent at(EventHeader header, Balance balanceAfter);

    /**
     * The event {@code command} asks for against {@code state}. A release that names no amount, and an
     * expiry, take what remains of the hold: 0 when the state has no open hold of that id, which
     * evolving then finds (HOLD_NOT_FOUND, HOLD_CLOSED).
     *
     * @param state the account's state, or {@code null} for an opening
     */
    static ProposedEvent of(AccountState state, LedgerCommand command) {
        if (command instanceof OpenAccount c) {
            return (h, after) -> new AccountOpened(h, c.currency(), c.overdraftLimitMinor(), after);
        } else if (command instanceof Credit c) {
            return (h, after) -> new Credited(h, c.amountMinor(), after);
        } else if (command instanceof Charge c) {
            return (h, after) -> new Charged(h, c.amountMinor(), after);
        } else if (command instanceof Correct c) {
            return (h, after) -> new Corrected(h, c.field(), c.deltaMinor(), c.runId(), c.reason(), after);
        } else if (command instanceof PlaceHold c) {
            return (h, after) -> new HoldPlaced(h, c.holdId(), c.amountMinor(), c.expiresAtMs(), after);
        } else if (command instanceof CaptureHold c) {
            return (h, after) -> new HoldCaptured(h, c.holdId(), c.amountMinor(), c.payeeAccountId(), after);
        } else if (command instanceof ReleaseHold c) {
            long amountMinor = c.amountMinor() != null ? c.amountMinor() : remainingMinor(state, c.holdId());
            return (h, after) -> new HoldReleased(h, c.holdId(), amountMinor, false, after);
        } else if (command instanceof ExpireHold c) {
            long amountMinor = remainingMinor(state, c.holdId());
            return (h, after) -> new HoldReleased(h, c.holdId(), amountMinor, true, after);
        } else if (command instanceof RefundCharge c) {
            return (h, after) -> new ChargeRefunded(h, c.chargeId(), c.amountMinor(), after);
        } else if (command instanceof Transfer c) {
            return (h, after) -> new TransferSent(h, c.payeeAccountId(), c.amountMinor(), after);
        } else if (command instanceof ReceiveTransfer c) {
            return (h, after) -> new TransferReceived(h, c.transferId(), c.payerAccountId(), c.amountMinor(), after);
        } else if (command instanceof ReturnTransfer c) {
            return (h, after) -> new TransferReturned(h, c.transferId(), c.payeeAccountId(), c.amountMinor(),
                    c.reason(), after);
        }
        throw new AssertionError("unhandled command " + command.getClass());
    }

    private static long remainingMinor(AccountState state, String holdId) {
        Hold hold = state.holds().get(holdId);
        return hold == null ? 0 : hold.remainingMinor();
    }
}
