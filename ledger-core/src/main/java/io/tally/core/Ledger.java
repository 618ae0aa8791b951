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
     * Applies {@code event} to {@code state}: the single evolution of the write side, and the only
     * code that changes an account's state; {@link #decide} proposes its events and checks them by
     * evolving them. The balance moves by {@link LedgerEvent#applyTo} (the projector's evolution too)
     * and a hold by {@link HoldEvolution} (the projector's too).
     *
     * @param state the state before, or {@code null} before the account's opening
     * @return the state after
     * @throws IllegalStateException if the event does not follow the state (wrong account, not the
     *     next version, a non-opening event on an unopened account, a hold or charge it does not fit)
     * @throws ArithmeticException if a balance after it would overflow a {@code long}
     */
    public static AccountState evolve(AccountState state, LedgerEvent event) {
        Step step = step(state, event);
        if (step instanceof Step.Misfit misfit) {
            if (misfit.code() == RejectionCode.AMOUNT_OVERFLOW) {
                throw new ArithmeticException(misfit.message());
            }
            throw new IllegalStateException("event " + event.header().eventId() + " does not fit: " + misfit.message());
        }
        return ((Step.Next) step).state();
    }

    /**
     * What {@code event} does to {@code state}: the state after, or why the event does not fit, with
     * the code a request proposing it is rejected with. The hold or charge the event names is evolved
     * before the balance, so a misfit there is found before an overflow.
     *
     * @throws IllegalStateException if the event does not follow the state's account and version
     */
    private static Step step(AccountState state, LedgerEvent event) {
        EventHeader header = event.header();
        if (event instanceof AccountOpened opened) {
            if (state != null) {
                throw new IllegalStateException("account " + header.accountId() + " opened twice");
            }
            if (header.version() != 1) {
                throw new IllegalStateException("opening must be version 1, was " + header.version());
            }
            return new Step.Next(new AccountState(header.accountId(), opened.currency(), opened.overdraftLimitMinor(),
                    Balance.ZERO, 1));
        }
        if (state == null) {
            throw new IllegalStateException("event " + header.eventId() + " before the account was opened");
        }
        if (!state.accountId().equals(header.accountId()) || header.version() != state.version() + 1) {
            throw new IllegalStateException("event " + header.eventId() + " does not follow version "
                    + state.version() + " of " + state.accountId());
        }
        Map<String, Hold> holds = state.holds();
        if (event.holdId() != null) {
            HoldEvolution.Result hold = HoldEvolution.apply(holds.get(event.holdId()), event);
            if (hold instanceof HoldEvolution.DoesNotFit misfit) {
                return new Step.Misfit(misfit.misfit().code(), misfit.message());
            }
            holds = with(holds, event.holdId(), ((HoldEvolution.Fits) hold).hold());
        }
        Map<String, Long> refundable = state.refundableByCharge();
        if (event instanceof Charged charged) {
            refundable = with(refundable, header.eventId(), charged.amountMinor());
        } else if (event instanceof ChargeRefunded refund) {
            Long remaining = refundable.get(refund.chargeId());
            if (remaining == null) {
                return new Step.Misfit(RejectionCode.CHARGE_NOT_FOUND,
                        "account " + state.accountId() + " has no charge " + refund.chargeId());
            }
            if (refund.amountMinor() > remaining) {
                return new Step.Misfit(RejectionCode.AMOUNT_EXCEEDS_REFUNDABLE, "refunding " + refund.amountMinor()
                        + " of charge " + refund.chargeId() + ", of which " + remaining + " is refundable");
            }
            refundable = with(refundable, refund.chargeId(), remaining - refund.amountMinor());
        }
        Balance after;
        try {
            after = event.applyTo(state.balance());
            after.totalMinor();
        } catch (ArithmeticException overflow) {
            return new Step.Misfit(RejectionCode.AMOUNT_OVERFLOW, event.getClass().getSimpleName()
                    + " overflows a 64-bit count of minor units from " + state.balance());
        }
        return new Step.Next(new AccountState(state.accountId(), state.currency(), state.overdraftLimitMinor(),
                after, header.version(), holds, refundable));
    }

    private static Decision decideOpen(AccountState state, OpenAccount open, RequestContext context) {
        if (state != null) {
            return reject(RejectionCode.ACCOUNT_EXISTS, "account " + open.accountId() + " already exists");
        }
        if (open.overdraftLimitMinor() < 0) {
            return reject(RejectionCode.INVALID_AMOUNT, "overdraft limit must not be negative: " + open.overdraftLimitMinor());
        }
        return proposed(null, header(open.accountId(), 1, context),
                (h, after) -> new AccountOpened(h, open.currency(), open.overdraftLimitMinor(), after));
    }

    /** A movement that adds {@code amountMinor} to available. */
    private static Decision credit(AccountState state, String currency, long amountMinor, RequestContext context,
            EventFactory factory) {
        Decision.Rejected invalid = checkMovement(state, currency, amountMinor);
        return invalid != null ? invalid : proposed(state, next(state, context), factory);
    }

    /** A movement that takes {@code amountMinor} from available, down to the overdraft limit. */
    private static Decision debit(AccountState state, String currency, long amountMinor, RequestContext context,
            EventFactory factory) {
        return credit(state, currency, amountMinor, context, factory);
    }

    /**
     * Accepts the event {@code factory} makes if it fits: it is evolved from {@code state} (an
     * overflow, or a hold or charge it does not fit, is a rejection), then the state after is held to
     * its bounds. The accepted event carries the evolved balance.
     *
     * @param state the state before, or {@code null} for an opening
     */
    private static Decision proposed(AccountState state, EventHeader header, EventFactory factory) {
        LedgerEvent draft = factory.create(header, state == null ? Balance.ZERO : state.balance());
        Step step = step(state, draft);
        if (step instanceof Step.Misfit misfit) {
            return reject(misfit.code(), misfit.message());
        }
        AccountState after = ((Step.Next) step).state();
        Decision.Rejected outOfBounds = state == null ? null : checkBounds(state, after, draft);
        return outOfBounds != null ? outOfBounds : accepted(factory.create(header, after.balance()));
    }

    /**
     * The bounds a state after an event must keep: a correction may not leave locked negative (it is
     * exempt from the overdraft limit); any other event that lowers available may not take it below
     * the overdraft limit. {@code -overdraftLimit} cannot overflow since the limit is {@code >= 0}.
     */
    private static Decision.Rejected checkBounds(AccountState before, AccountState after, LedgerEvent event) {
        if (event instanceof Corrected corrected) {
            return after.balance().lockedMinor() >= 0 ? null : reject(RejectionCode.INVALID_AMOUNT, "correcting locked by "
                    + corrected.deltaMinor() + " leaves it negative: " + after.balance().lockedMinor());
        }
        long availableAfter = after.balance().availableMinor();
        if (availableAfter < before.balance().availableMinor() && availableAfter < -before.overdraftLimitMinor()) {
            return reject(RejectionCode.INSUFFICIENT_FUNDS, "available would go from " + before.balance().availableMinor()
                    + " to " + availableAfter + " minor units, below the overdraft limit of -" + before.overdraftLimitMinor());
        }
        return null;
    }

    private static Decision decideCorrect(AccountState state, Correct correct, RequestContext context) {
        // A correction's delta is signed; what must hold of it is that it moves something.
        Decision.Rejected invalid = checkMovement(state, correct.currencyCode(), correct.deltaMinor() == 0 ? 0 : 1);
        return invalid != null ? invalid : proposed(state, next(state, context), (h, after) -> new Corrected(h,
                correct.field(), correct.deltaMinor(), correct.runId(), correct.reason(), after));
    }

    private static Decision decidePlaceHold(AccountState state, PlaceHold hold, RequestContext context) {
        Decision.Rejected invalid = checkMovement(state, hold.currencyCode(), hold.amountMinor());
        if (invalid != null) {
            return invalid;
        }
        if (hold.holdId().isBlank()) {
            return reject(RejectionCode.INVALID_REQUEST, "hold id must not be blank");
        }
        return proposed(state, next(state, context),
                (h, after) -> new HoldPlaced(h, hold.holdId(), hold.amountMinor(), hold.expiresAtMs(), after));
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
        return proposed(state, next(state, context), (h, after) -> new HoldCaptured(h, capture.holdId(),
                capture.amountMinor(), capture.payeeAccountId(), after));
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
        return invalid != null ? invalid : proposed(state, next(state, context),
                (h, after) -> new HoldReleased(h, release.holdId(), amount, false, after));
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
        return proposed(state, next(state, context),
                (h, after) -> new HoldReleased(h, hold.holdId(), hold.remainingMinor(), true, after));
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

    /** Builds the event of an accepted request from its header and the balances after it. */
    @FunctionalInterface
    private interface EventFactory {
        LedgerEvent create(EventHeader header, Balance after);
    }

    /** What an event does to a state: the state after, or why it does not fit and the code a request proposing it gets. */
    private sealed interface Step permits Step.Next, Step.Misfit {
        /** The event fits; {@code state} is the state after it. */
        record Next(AccountState state) implements Step {}

        /** The event does not fit the state: an overflow, or a hold or charge it does not fit. */
        record Misfit(RejectionCode code, String message) implements Step {}
    }
}
