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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ledger's rules as two pure functions (the decide/evolve shape of event sourcing):
 * {@link #decide} accepts or rejects a command against an account's state and returns the events
 * to append; {@link #evolve} applies one event to the state. No clock, randomness or I/O: time and
 * ids come in through {@link RequestContext}. Rules: DESIGN.md, Operations.
 *
 * <p>Thread-safe: stateless.
 */
public final class Ledger {
    private Ledger() {}

    /**
     * Decides {@code command} against {@code state}.
     *
     * @param state the account's current state, or {@code null} if it has never been opened
     * @param command what is asked; its account id must be the state's
     * @param context ids and time to stamp on the events
     * @return {@link Decision.Accepted} with the events (versions continuing from the state's), or
     *     {@link Decision.Rejected} with a stable code; never throws for a bad command
     * @throws IllegalArgumentException if the state belongs to another account (misuse, not input)
     */
    public static Decision decide(AccountState state, LedgerCommand command, RequestContext context) {
        if (state != null && !state.accountId().equals(command.accountId())) {
            throw new IllegalArgumentException(
                    "state of " + state.accountId() + " used to decide for " + command.accountId());
        }
        if (command.accountId().isBlank()) {
            return reject(RejectionCode.INVALID_REQUEST, "account id must not be blank");
        }
        if (command instanceof OpenAccount open) {
            return decideOpen(state, open, context);
        } else if (command instanceof Credit c) {
            return credit(state, c.currencyCode(), c.amountMinor(), context,
                    (h, after) -> new Credited(h, c.amountMinor(), after));
        } else if (command instanceof Charge c) {
            return debit(state, c.currencyCode(), c.amountMinor(), context,
                    (h, after) -> new Charged(h, c.amountMinor(), after));
        } else if (command instanceof Correct correct) {
            return decideCorrect(state, correct, context);
        } else if (command instanceof PlaceHold hold) {
            return decidePlaceHold(state, hold, context);
        } else if (command instanceof CaptureHold capture) {
            return decideCapture(state, capture, context);
        } else if (command instanceof ReleaseHold release) {
            return decideRelease(state, release, context);
        } else if (command instanceof ExpireHold expire) {
            return decideExpire(state, expire, context);
        } else if (command instanceof RefundCharge refund) {
            return decideRefund(state, refund, context);
        } else if (command instanceof Transfer t) {
            if (t.payeeAccountId().isBlank() || t.payeeAccountId().equals(t.accountId())) {
                return reject(t.payeeAccountId().isBlank() ? RejectionCode.INVALID_REQUEST : RejectionCode.SAME_ACCOUNT,
                        "a transfer needs a payee other than the payer");
            }
            return debit(state, t.currencyCode(), t.amountMinor(), context,
                    (h, after) -> new TransferSent(h, t.payeeAccountId(), t.amountMinor(), after));
        } else if (command instanceof ReceiveTransfer r) {
            return credit(state, r.currencyCode(), r.amountMinor(), context,
                    (h, after) -> new TransferReceived(h, r.transferId(), r.payerAccountId(), r.amountMinor(), after));
        } else if (command instanceof ReturnTransfer r) {
            return credit(state, r.currencyCode(), r.amountMinor(), context,
                    (h, after) -> new TransferReturned(h, r.transferId(), r.payeeAccountId(), r.amountMinor(),
                            r.reason(), after));
        }
        throw new AssertionError("unhandled command " + command.getClass());
    }

    /**
     * Applies {@code event} to {@code state}: the single evolution used by the write side (the
     * projector uses the same {@link LedgerEvent#applyTo} for balances).
     *
     * @param state the state before, or {@code null} before the account's opening
     * @return the state after
     * @throws IllegalStateException if the event does not follow the state (wrong account, not the
     *     next version, a non-opening event on an unopened account, a hold or charge it does not know)
     */
    public static AccountState evolve(AccountState state, LedgerEvent event) {
        EventHeader header = event.header();
        if (event instanceof AccountOpened opened) {
            if (state != null) {
                throw new IllegalStateException("account " + header.accountId() + " opened twice");
            }
            if (header.version() != 1) {
                throw new IllegalStateException("opening must be version 1, was " + header.version());
            }
            return new AccountState(header.accountId(), opened.currency(), opened.overdraftLimitMinor(), Balance.ZERO, 1);
        }
        if (state == null) {
            throw new IllegalStateException("event " + header.eventId() + " before the account was opened");
        }
        if (!state.accountId().equals(header.accountId()) || header.version() != state.version() + 1) {
            throw new IllegalStateException("event " + header.eventId() + " does not follow version "
                    + state.version() + " of " + state.accountId());
        }
        Map<String, Hold> holds = state.holds();
        Map<String, Long> refundable = state.refundableByCharge();
        if (event instanceof Charged charged) {
            refundable = with(refundable, header.eventId(), charged.amountMinor());
        } else if (event instanceof ChargeRefunded refund) {
            refundable = with(refundable, refund.chargeId(), known(refundable, refund.chargeId(), header) - refund.amountMinor());
        } else if (event.holdId() != null) {
            HoldEvolution.Result hold = HoldEvolution.apply(holds.get(event.holdId()), event);
            if (hold instanceof HoldEvolution.DoesNotFit misfit) {
                throw new IllegalStateException("event " + header.eventId() + " does not fit: " + misfit.message());
            }
            holds = with(holds, event.holdId(), ((HoldEvolution.Fits) hold).hold());
        }
        return new AccountState(state.accountId(), state.currency(), state.overdraftLimitMinor(),
                event.applyTo(state.balance()), header.version(), holds, refundable);
    }

    private static Decision decideOpen(AccountState state, OpenAccount open, RequestContext context) {
        if (state != null) {
            return reject(RejectionCode.ACCOUNT_EXISTS, "account " + open.accountId() + " already exists");
        }
        if (open.overdraftLimitMinor() < 0) {
            return reject(RejectionCode.INVALID_AMOUNT, "overdraft limit must not be negative: " + open.overdraftLimitMinor());
        }
        return accepted(new AccountOpened(header(open.accountId(), 1, context), open.currency(),
                open.overdraftLimitMinor(), Balance.ZERO));
    }

    /** A movement that adds {@code amountMinor} to available. */
    private static Decision credit(AccountState state, String currency, long amountMinor, RequestContext context,
            EventFactory factory) {
        Decision.Rejected invalid = checkMovement(state, currency, amountMinor);
        if (invalid != null) {
            return invalid;
        }
        Balance before = state.balance();
        try {
            Balance after = new Balance(Math.addExact(before.availableMinor(), amountMinor), before.lockedMinor());
            after.totalMinor();
            return accepted(factory.create(next(state, context), after));
        } catch (ArithmeticException overflow) {
            return reject(RejectionCode.AMOUNT_OVERFLOW,
                    "crediting " + amountMinor + " to " + before.availableMinor() + " overflows");
        }
    }

    /** A movement that takes {@code amountMinor} from available, down to the overdraft limit. */
    private static Decision debit(AccountState state, String currency, long amountMinor, RequestContext context,
            EventFactory factory) {
        Decision.Rejected invalid = checkMovement(state, currency, amountMinor);
        if (invalid != null) {
            return invalid;
        }
        Balance before = state.balance();
        long availableAfter;
        try {
            availableAfter = Math.subtractExact(before.availableMinor(), amountMinor);
        } catch (ArithmeticException overflow) {
            return reject(RejectionCode.AMOUNT_OVERFLOW,
                    "taking " + amountMinor + " from " + before.availableMinor() + " overflows");
        }
        Decision.Rejected insufficient = checkOverdraft(state, amountMinor, availableAfter);
        if (insufficient != null) {
            return insufficient;
        }
        return accepted(factory.create(next(state, context), new Balance(availableAfter, before.lockedMinor())));
    }

    private static Decision decideCorrect(AccountState state, Correct correct, RequestContext context) {
        // A correction's delta is signed; what must hold of it is that it moves something.
        Decision.Rejected invalid = checkMovement(state, correct.currencyCode(), correct.deltaMinor() == 0 ? 0 : 1);
        if (invalid != null) {
            return invalid;
        }
        Balance before = state.balance();
        Balance after;
        try {
            after = correct.field() == BalanceField.AVAILABLE
                    ? new Balance(Math.addExact(before.availableMinor(), correct.deltaMinor()), before.lockedMinor())
                    : new Balance(before.availableMinor(), Math.addExact(before.lockedMinor(), correct.deltaMinor()));
            after.totalMinor();
        } catch (ArithmeticException overflow) {
            return reject(RejectionCode.AMOUNT_OVERFLOW, "correcting " + correct.field() + " by " + correct.deltaMinor() + " overflows");
        }
        if (after.lockedMinor() < 0) {
            return reject(RejectionCode.INVALID_AMOUNT,
                    "correcting locked by " + correct.deltaMinor() + " leaves it negative: " + after.lockedMinor());
        }
        return accepted(new Corrected(next(state, context), correct.field(), correct.deltaMinor(), correct.runId(),
                correct.reason(), after));
    }

    private static Decision decidePlaceHold(AccountState state, PlaceHold hold, RequestContext context) {
        Decision.Rejected invalid = checkMovement(state, hold.currencyCode(), hold.amountMinor());
        if (invalid != null) {
            return invalid;
        }
        if (hold.holdId().isBlank()) {
            return reject(RejectionCode.INVALID_REQUEST, "hold id must not be blank");
        }
        if (state.holds().containsKey(hold.holdId())) {
            return reject(RejectionCode.HOLD_EXISTS, "account " + state.accountId() + " already has hold " + hold.holdId());
        }
        Balance before = state.balance();
        long availableAfter;
        long lockedAfter;
        try {
            availableAfter = Math.subtractExact(before.availableMinor(), hold.amountMinor());
            lockedAfter = Math.addExact(before.lockedMinor(), hold.amountMinor());
        } catch (ArithmeticException overflow) {
            return reject(RejectionCode.AMOUNT_OVERFLOW, "holding " + hold.amountMinor() + " overflows");
        }
        Decision.Rejected insufficient = checkOverdraft(state, hold.amountMinor(), availableAfter);
        if (insufficient != null) {
            return insufficient;
        }
        return accepted(new HoldPlaced(next(state, context), hold.holdId(), hold.amountMinor(), hold.expiresAtMs(),
                new Balance(availableAfter, lockedAfter)));
    }

    private static Decision decideCapture(AccountState state, CaptureHold capture, RequestContext context) {
        Decision.Rejected invalid = checkMovement(state, capture.currencyCode(), capture.amountMinor());
        if (invalid == null) {
            invalid = checkHold(state, capture.holdId(), capture.amountMinor());
        }
        if (invalid != null) {
            return invalid;
        }
        if (capture.payeeAccountId() != null
                && (capture.payeeAccountId().isBlank() || capture.payeeAccountId().equals(capture.accountId()))) {
            return reject(capture.payeeAccountId().isBlank() ? RejectionCode.INVALID_REQUEST : RejectionCode.SAME_ACCOUNT,
                    "a capture's payee must be another account");
        }
        Balance before = state.balance();
        return accepted(new HoldCaptured(next(state, context), capture.holdId(), capture.amountMinor(),
                capture.payeeAccountId(), new Balance(before.availableMinor(), before.lockedMinor() - capture.amountMinor())));
    }

    private static Decision decideRelease(AccountState state, ReleaseHold release, RequestContext context) {
        if (state == null) {
            return reject(RejectionCode.ACCOUNT_NOT_FOUND, "account " + release.accountId() + " does not exist");
        }
        if (!state.currency().code().equals(release.currencyCode())) {
            return currencyMismatch(state, release.currencyCode());
        }
        Hold hold = state.holds().get(release.holdId());
        long amount = release.amountMinor() != null ? release.amountMinor() : hold == null ? 0 : hold.remainingMinor();
        if (release.amountMinor() != null && amount <= 0) {
            return reject(RejectionCode.INVALID_AMOUNT, "amount must be positive: " + amount);
        }
        Decision.Rejected invalid = checkHold(state, release.holdId(), amount);
        if (invalid != null) {
            return invalid;
        }
        return accepted(release(state, release.holdId(), amount, false, context));
    }

    private static Decision decideExpire(AccountState state, ExpireHold expire, RequestContext context) {
        if (state == null) {
            return reject(RejectionCode.ACCOUNT_NOT_FOUND, "account " + expire.accountId() + " does not exist");
        }
        Hold hold = state.holds().get(expire.holdId());
        Decision.Rejected invalid = checkHold(state, expire.holdId(), hold == null ? 0 : hold.remainingMinor());
        if (invalid != null) {
            return invalid;
        }
        if (hold.expiresAtMs() == null || hold.expiresAtMs() > expire.nowMs()) {
            return reject(RejectionCode.INVALID_REQUEST, "hold " + hold.holdId() + " has not expired at " + expire.nowMs());
        }
        return accepted(release(state, hold.holdId(), hold.remainingMinor(), true, context));
    }

    private static LedgerEvent release(AccountState state, String holdId, long amountMinor, boolean expired,
            RequestContext context) {
        Balance before = state.balance();
        // Cannot overflow: total is unchanged and available + locked already fits.
        return new HoldReleased(next(state, context), holdId, amountMinor, expired,
                new Balance(before.availableMinor() + amountMinor, before.lockedMinor() - amountMinor));
    }

    private static Decision decideRefund(AccountState state, RefundCharge refund, RequestContext context) {
        Decision.Rejected invalid = checkMovement(state, refund.currencyCode(), refund.amountMinor());
        if (invalid != null) {
            return invalid;
        }
        Long refundable = state.refundableByCharge().get(refund.chargeId());
        if (refundable == null) {
            return reject(RejectionCode.CHARGE_NOT_FOUND, "account " + state.accountId() + " has no charge " + refund.chargeId());
        }
        if (refund.amountMinor() > refundable) {
            return reject(RejectionCode.AMOUNT_EXCEEDS_REFUNDABLE, "refunding " + refund.amountMinor() + " of charge "
                    + refund.chargeId() + ", of which " + refundable + " is refundable");
        }
        return credit(state, refund.currencyCode(), refund.amountMinor(), context,
                (h, after) -> new ChargeRefunded(h, refund.chargeId(), refund.amountMinor(), after));
    }

    /** The checks every money movement shares; {@code null} when the movement may be decided. */
    private static Decision.Rejected checkMovement(AccountState state, String currencyCode, long amountMinor) {
        if (state == null) {
            return reject(RejectionCode.ACCOUNT_NOT_FOUND, "the account does not exist");
        }
        if (amountMinor <= 0) {
            return reject(RejectionCode.INVALID_AMOUNT, "amount must be positive: " + amountMinor);
        }
        if (!state.currency().code().equals(currencyCode)) {
            return currencyMismatch(state, currencyCode);
        }
        return null;
    }

    private static Decision.Rejected checkHold(AccountState state, String holdId, long amountMinor) {
        Hold hold = state.holds().get(holdId);
        if (hold == null) {
            return reject(RejectionCode.HOLD_NOT_FOUND, "account " + state.accountId() + " has no hold " + holdId);
        }
        if (!hold.isOpen()) {
            return reject(RejectionCode.HOLD_CLOSED, "hold " + holdId + " is closed");
        }
        if (amountMinor > hold.remainingMinor()) {
            return reject(RejectionCode.AMOUNT_EXCEEDS_HOLD,
                    amountMinor + " exceeds the " + hold.remainingMinor() + " remaining on hold " + holdId);
        }
        return null;
    }

    /** available - amount >= -overdraftLimit; -overdraftLimit cannot overflow since the limit is >= 0. */
    private static Decision.Rejected checkOverdraft(AccountState state, long amountMinor, long availableAfter) {
        if (availableAfter < -state.overdraftLimitMinor()) {
            return reject(RejectionCode.INSUFFICIENT_FUNDS, "taking " + amountMinor + " leaves " + availableAfter
                    + " minor units, below the overdraft limit of -" + state.overdraftLimitMinor());
        }
        return null;
    }

    private static Decision.Rejected currencyMismatch(AccountState state, String currencyCode) {
        return reject(RejectionCode.CURRENCY_MISMATCH,
                "account " + state.accountId() + " holds " + state.currency().code() + ", not " + currencyCode);
    }

    private static Decision.Rejected reject(RejectionCode code, String message) {
        return new Decision.Rejected(code, message);
    }

    private static Decision accepted(LedgerEvent event) {
        return new Decision.Accepted(List.of(event));
    }

    private static EventHeader next(AccountState state, RequestContext context) {
        return header(state.accountId(), state.version() + 1, context);
    }

    private static EventHeader header(String accountId, long version, RequestContext context) {
        return new EventHeader(EventHeader.eventIdOf(accountId, version), accountId, version,
                context.requestId(), context.idempotencyKey(), context.acceptedAtMs());
    }

    private static <V> Map<String, V> with(Map<String, V> map, String key, V value) {
        Map<String, V> copy = new HashMap<>(map);
        copy.put(key, value);
        return copy;
    }

    private static <V> V known(Map<String, V> map, String key, EventHeader header) {
        V value = map.get(key);
        if (value == null) {
            throw new IllegalStateException("event " + header.eventId() + " names unknown " + key);
        }
        return value;
    }

    /** Builds the event of an accepted movement from its header and the balances after it. */
    @FunctionalInterface
    private interface EventFactory {
        LedgerEvent create(EventHeader header, Balance after);
    }
}
