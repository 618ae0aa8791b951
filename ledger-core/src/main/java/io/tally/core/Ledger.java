package io.tally.core;

import io.tally.core.LedgerCommand.ExpireHold;
import io.tally.core.LedgerCommand.OpenAccount;
import io.tally.core.LedgerEvent.AccountOpened;
import io.tally.core.LedgerEvent.ChargeRefunded;
import io.tally.core.LedgerEvent.Charged;
import io.tally.core.LedgerEvent.Corrected;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ledger's rules as two pure functions (the decide/evolve shape of event sourcing):
 * {@link #decide} accepts or rejects a command against an account's state and returns the events
 * to append; {@link #evolve} applies one event to the state, and is the only code that changes it:
 * decide proposes its event and checks it by evolving it. No clock, randomness or I/O: time and
 * ids come in through {@link RequestContext}. Rules: DESIGN.md, Operations; the order in which they
 * are checked: DESIGN.md, Rejections.
 *
 * <p>Thread-safe: stateless.
 */
public final class Ledger {
    private Ledger() {}

    /**
     * Decides {@code command} against {@code state}. When the command breaks several rules, the
     * answer is the first in the one precedence every operation shares (DESIGN.md, Rejections):
     * the request by itself (1 blank id, 2 paying itself, 3 amount), the account (4 existence,
     * 5 currency), then what evolving the proposed event finds (6 the hold or charge named, 7 the
     * amount against it, 8 overflow), then the bounds of the state after (9 funds; a correction's
     * locked).
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
        Decision.Rejected broken = RequestChecks.firstBroken(command);
        if (broken == null) {
            broken = checkAccount(state, command);
        }
        if (broken == null) {
            broken = checkExpiry(state, command);
        }
        if (broken != null) {
            return broken;
        }
        EventHeader header = state == null
                ? header(command.accountId(), 1, context) : header(state.accountId(), state.version() + 1, context);
        ProposedEvent proposed = ProposedEvent.of(state, command);
        LedgerEvent draft = proposed.at(header, state == null ? Balance.ZERO : state.balance());
        Step step = step(state, draft);
        if (step instanceof Step.Misfit misfit) {
            return reject(misfit.code(), misfit.message());
        }
        AccountState after = ((Step.Next) step).state();
        broken = state == null ? null : checkBounds(state, after, draft);
        return broken != null ? broken : new Decision.Accepted(List.of(proposed.at(header, after.balance())));
    }

    /**
     * Applies {@code event} to {@code state}: the single evolution of the write side, and the only
     * code that changes an account's state. The balance moves by {@link LedgerEvent#applyTo} and a
     * hold by {@link HoldEvolution}, both the projector's evolution too.
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

    /** Rows 4 and 5: the account exists (or, for an opening, does not), in the request's currency. */
    private static Decision.Rejected checkAccount(AccountState state, LedgerCommand command) {
        if (command instanceof OpenAccount) {
            return state == null ? null
                    : reject(RejectionCode.ACCOUNT_EXISTS, "account " + command.accountId() + " already exists");
        }
        if (state == null) {
            return reject(RejectionCode.ACCOUNT_NOT_FOUND, "account " + command.accountId() + " does not exist");
        }
        String currencyCode = command.currencyCode();
        if (currencyCode != null && !currencyCode.equals(state.currency().code())) {
            return reject(RejectionCode.CURRENCY_MISMATCH,
                    "account " + state.accountId() + " holds " + state.currency().code() + ", not " + currencyCode);
        }
        return null;
    }

    /**
     * Row 7 for an expiry: the hold's time has come. Asked only of an open hold the state has, so a
     * hold that is not there or closed is still answered by row 6 (HOLD_NOT_FOUND, HOLD_CLOSED).
     */
    private static Decision.Rejected checkExpiry(AccountState state, LedgerCommand command) {
        if (!(command instanceof ExpireHold expire)) {
            return null;
        }
        Hold hold = state.holds().get(expire.holdId());
        if (hold != null && hold.isOpen() && (hold.expiresAtMs() == null || hold.expiresAtMs() > expire.nowMs())) {
            return reject(RejectionCode.INVALID_REQUEST, "hold " + hold.holdId() + " has not expired at " + expire.nowMs());
        }
        return null;
    }

    /**
     * Row 9, the bounds a state after an event must keep: a correction may not leave locked negative
     * (and is exempt from the overdraft limit); any other event that lowers available may not take it
     * below the overdraft limit. {@code -overdraftLimit} cannot overflow since the limit is {@code >= 0}.
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

    /**
     * What {@code event} does to {@code state}: the state after, or why the event does not fit, with
     * the code a request proposing it is rejected with. The hold or charge the event names is evolved
     * before the balance, so a misfit there (rows 6 and 7) is found before an overflow (row 8).
     *
     * @throws IllegalStateException if the event does not follow the state's account and version
     */
    private static Step step(AccountState state, LedgerEvent event) {
        if (event instanceof AccountOpened opened) {
            return new Step.Next(open(state, opened));
        }
        requireFollows(state, event.header());
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
            refundable = with(refundable, event.header().eventId(), charged.amountMinor());
        } else if (event instanceof ChargeRefunded refund) {
            Long remainingMinor = refundable.get(refund.chargeId());
            if (remainingMinor == null) {
                return new Step.Misfit(RejectionCode.CHARGE_NOT_FOUND,
                        "account " + state.accountId() + " has no charge " + refund.chargeId());
            }
            if (refund.amountMinor() > remainingMinor) {
                return new Step.Misfit(RejectionCode.AMOUNT_EXCEEDS_REFUNDABLE, "refunding " + refund.amountMinor()
                        + " of charge " + refund.chargeId() + ", of which " + remainingMinor + " is refundable");
            }
            refundable = with(refundable, refund.chargeId(), remainingMinor - refund.amountMinor());
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
                after, event.header().version(), holds, refundable));
    }

    private static AccountState open(AccountState state, AccountOpened opened) {
        EventHeader header = opened.header();
        if (state != null) {
            throw new IllegalStateException("account " + header.accountId() + " opened twice");
        }
        if (header.version() != 1) {
            throw new IllegalStateException("opening must be version 1, was " + header.version());
        }
        return new AccountState(header.accountId(), opened.currency(), opened.overdraftLimitMinor(), Balance.ZERO, 1);
    }

    private static void requireFollows(AccountState state, EventHeader header) {
        if (state == null) {
            throw new IllegalStateException("event " + header.eventId() + " before the account was opened");
        }
        if (!state.accountId().equals(header.accountId()) || header.version() != state.version() + 1) {
            throw new IllegalStateException("event " + header.eventId() + " does not follow version "
                    + state.version() + " of " + state.accountId());
        }
    }

    private static Decision.Rejected reject(RejectionCode code, String message) {
        return new Decision.Rejected(code, message);
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

    /** What an event does to a state: the state after, or why it does not fit and the code a request proposing it gets. */
    private sealed interface Step permits Step.Next, Step.Misfit {
        /** The event fits; {@code state} is the state after it. */
        record Next(AccountState state) implements Step {}

        /** The event does not fit the state: an overflow, or a hold or charge it does not fit. */
        record Misfit(RejectionCode code, String message) implements Step {}
    }
}
