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

/**
 * The rules a command keeps or breaks by itself, whatever the account's state: rows 1 to 3 of the
 * rejection precedence (DESIGN.md, Rejections). An id it names must not be blank (INVALID_REQUEST),
 * its payee must be another account than the payer (SAME_ACCOUNT), its amount must be positive
 * (INVALID_AMOUNT: a correction's delta non-zero, an opening's overdraft limit not negative). They come
 * before every rule that reads the state, so a request that is wrong in itself gets the same answer
 * whatever the ledger holds and whichever request got there first (TigerBeetle's create_transfers
 * orders its results the same way).
 *
 * <p>Thread-safe: stateless.
 */
final class RequestChecks {
    private RequestChecks() {}

    /** The first of rows 1 to 3 that {@code command} breaks, or {@code null} if it keeps them all. */
    static Decision.Rejected firstBroken(LedgerCommand command) {
        Decision.Rejected broken = blankId(command);
        if (broken == null) {
            broken = paysItself(command);
        }
        return broken != null ? broken : amountProblem(command);
    }

    /** Row 1: the account, hold, charge and payee ids a command names are not blank. */
    private static Decision.Rejected blankId(LedgerCommand command) {
        if (command.accountId().isBlank()) {
            return invalid("account id must not be blank");
        }
        if (command.holdId() != null && command.holdId().isBlank()) {
            return invalid("hold id must not be blank");
        }
        if (command.chargeId() != null && command.chargeId().isBlank()) {
            return invalid("charge id must not be blank");
        }
        if (command.payee() != null && command.payee().isBlank()) {
            return invalid("payee account id must not be blank");
        }
        return null;
    }

    /** Row 2: money paid to another account is not paid to the payer. */
    private static Decision.Rejected paysItself(LedgerCommand command) {
        if (command.accountId().equals(command.payee())) {
            return new Decision.Rejected(RejectionCode.SAME_ACCOUNT,
                    "account " + command.accountId() + " cannot pay itself: the payee must be another account");
        }
        return null;
    }

    /** Row 3: an amount is positive, a correction moves something, an overdraft limit is not negative. */
    private static Decision.Rejected amountProblem(LedgerCommand command) {
        if (command instanceof OpenAccount open) {
            return open.overdraftLimitMinor() >= 0 ? null
                    : invalidAmount("overdraft limit must not be negative: " + open.overdraftLimitMinor());
        }
        if (command instanceof Correct correct) {
            return correct.deltaMinor() != 0 ? null : invalidAmount("a correction must move something: its delta is 0");
        }
        Long amountMinor = amountMinor(command);
        return amountMinor == null || amountMinor > 0 ? null : invalidAmount("amount must be positive: " + amountMinor);
    }

    /**
     * The amount {@code command} moves, minor units, or {@code null} when it moves what remains of a
     * hold (a release that names no amount, an expiry). Not for openings and corrections.
     */
    private static Long amountMinor(LedgerCommand command) {
        if (command instanceof Credit c) {
            return c.amountMinor();
        } else if (command instanceof Charge c) {
            return c.amountMinor();
        } else if (command instanceof PlaceHold c) {
            return c.amountMinor();
        } else if (command instanceof CaptureHold c) {
            return c.amountMinor();
        } else if (command instanceof ReleaseHold c) {
            return c.amountMinor();
        } else if (command instanceof ExpireHold) {
            return null;
        } else if (command instanceof RefundCharge c) {
            return c.amountMinor();
        } else if (command instanceof Transfer c) {
            return c.amountMinor();
        } else if (command instanceof ReceiveTransfer c) {
            return c.amountMinor();
        } else if (command instanceof ReturnTransfer c) {
            return c.amountMinor();
        }
        throw new AssertionError("unhandled command " + command.getClass());
    }

    private static Decision.Rejected invalid(String message) {
        return new Decision.Rejected(RejectionCode.INVALID_REQUEST, message);
    }

    private static Decision.Rejected invalidAmount(String message) {
        return new Decision.Rejected(RejectionCode.INVALID_AMOUNT, message);
    }
}
