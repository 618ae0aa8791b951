package io.tally.core;

import io.tally.core.LedgerCommand.Charge;
import io.tally.core.LedgerCommand.Correct;
import io.tally.core.LedgerCommand.Credit;
import io.tally.core.LedgerCommand.OpenAccount;
import io.tally.core.LedgerEvent.AccountOpened;
import io.tally.core.LedgerEvent.Charged;
import io.tally.core.LedgerEvent.Corrected;
import io.tally.core.LedgerEvent.Credited;
import java.util.List;

/**
 * The ledger's rules as two pure functions (the decide/evolve shape of event sourcing):
 * {@link #decide} accepts or rejects a command against an account's state and returns the events
 * to append; {@link #evolve} applies one event to the state. No clock, randomness or I/O: time and
 * ids come in through {@link RequestContext}.
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
            return new Decision.Rejected(RejectionCode.INVALID_REQUEST, "account id must not be blank");
        }
        if (command instanceof OpenAccount open) {
            return decideOpen(state, open, context);
        } else if (command instanceof Credit credit) {
            return decideCredit(state, credit, context);
        } else if (command instanceof Charge charge) {
            return decideCharge(state, charge, context);
        } else if (command instanceof Correct correct) {
            return decideCorrect(state, correct, context);
        }
        throw new AssertionError("unhandled command " + command.getClass());
    }

    /**
     * Applies {@code event} to {@code state}: the single evolution used by the write side (the
     * projector uses the same {@link LedgerEvent#applyTo}).
     *
     * @param state the state before, or {@code null} before the account's opening
     * @return the state after
     * @throws IllegalStateException if the event does not follow the state (wrong account, not the
     *     next version, or a non-opening event on an unopened account)
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
            return new AccountState(
                    header.accountId(), opened.currency(), opened.overdraftLimitMinor(), Balance.ZERO, 1);
        }
        if (state == null) {
            throw new IllegalStateException("event " + header.eventId() + " before the account was opened");
        }
        if (!state.accountId().equals(header.accountId()) || header.version() != state.version() + 1) {
            throw new IllegalStateException("event " + header.eventId() + " does not follow version "
                    + state.version() + " of " + state.accountId());
        }
        return new AccountState(state.accountId(), state.currency(), state.overdraftLimitMinor(),
                event.applyTo(state.balance()), header.version());
    }

    private static Decision decideOpen(AccountState state, OpenAccount open, RequestContext context) {
        if (state != null) {
            return new Decision.Rejected(RejectionCode.ACCOUNT_EXISTS, "account " + open.accountId() + " already exists");
        }
        if (open.overdraftLimitMinor() < 0) {
            return new Decision.Rejected(RejectionCode.INVALID_AMOUNT,
                    "overdraft limit must not be negative: " + open.overdraftLimitMinor());
        }
        EventHeader header = header(open.accountId(), 1, context);
        return new Decision.Accepted(List.of(
                new AccountOpened(header, open.currency(), open.overdraftLimitMinor(), Balance.ZERO)));
    }

    private static Decision decideCredit(AccountState state, Credit credit, RequestContext context) {
        Decision.Rejected invalid = checkMovement(state, credit.accountId(), credit.currencyCode(), credit.amountMinor());
        if (invalid != null) {
            return invalid;
        }
        Balance before = state.balance();
        long availableAfter;
        try {
            availableAfter = Math.addExact(before.availableMinor(), credit.amountMinor());
            Math.addExact(availableAfter, before.lockedMinor());
        } catch (ArithmeticException overflow) {
            return new Decision.Rejected(RejectionCode.AMOUNT_OVERFLOW,
                    "crediting " + credit.amountMinor() + " to " + before.availableMinor() + " overflows");
        }
        EventHeader header = header(state.accountId(), state.version() + 1, context);
        return new Decision.Accepted(List.of(
                new Credited(header, credit.amountMinor(), new Balance(availableAfter, before.lockedMinor()))));
    }

    private static Decision decideCharge(AccountState state, Charge charge, RequestContext context) {
        Decision.Rejected invalid = checkMovement(state, charge.accountId(), charge.currencyCode(), charge.amountMinor());
        if (invalid != null) {
            return invalid;
        }
        Balance before = state.balance();
        long availableAfter;
        try {
            availableAfter = Math.subtractExact(before.availableMinor(), charge.amountMinor());
        } catch (ArithmeticException overflow) {
            return new Decision.Rejected(RejectionCode.AMOUNT_OVERFLOW,
                    "charging " + charge.amountMinor() + " from " + before.availableMinor() + " overflows");
        }
        // available - amount >= -overdraftLimit; -overdraftLimit cannot overflow since the limit is >= 0.
        if (availableAfter < -state.overdraftLimitMinor()) {
            return new Decision.Rejected(RejectionCode.INSUFFICIENT_FUNDS,
                    "charging " + charge.amountMinor() + " leaves " + availableAfter
                            + " minor units, below the overdraft limit of -" + state.overdraftLimitMinor());
        }
        EventHeader header = header(state.accountId(), state.version() + 1, context);
        return new Decision.Accepted(List.of(
                new Charged(header, charge.amountMinor(), new Balance(availableAfter, before.lockedMinor()))));
    }

    private static Decision decideCorrect(AccountState state, Correct correct, RequestContext context) {
        // A correction's delta is signed; what must hold of it is that it moves something.
        long magnitude = correct.deltaMinor() == 0 ? 0 : 1;
        Decision.Rejected invalid = checkMovement(state, correct.accountId(), correct.currencyCode(), magnitude);
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
            return new Decision.Rejected(RejectionCode.AMOUNT_OVERFLOW,
                    "correcting " + correct.field() + " by " + correct.deltaMinor() + " overflows");
        }
        if (after.lockedMinor() < 0) {
            return new Decision.Rejected(RejectionCode.INVALID_AMOUNT,
                    "correcting locked by " + correct.deltaMinor() + " leaves it negative: " + after.lockedMinor());
        }
        EventHeader header = header(state.accountId(), state.version() + 1, context);
        return new Decision.Accepted(List.of(new Corrected(header, correct.field(), correct.deltaMinor(),
                correct.runId(), correct.reason(), after)));
    }

    /** The checks every money movement shares; {@code null} when the movement may be decided. */
    private static Decision.Rejected checkMovement(
            AccountState state, String accountId, String currencyCode, long amountMinor) {
        if (state == null) {
            return new Decision.Rejected(RejectionCode.ACCOUNT_NOT_FOUND, "account " + accountId + " does not exist");
        }
        if (amountMinor <= 0) {
            return new Decision.Rejected(RejectionCode.INVALID_AMOUNT, "amount must be positive: " + amountMinor);
        }
        if (!state.currency().code().equals(currencyCode)) {
            return new Decision.Rejected(RejectionCode.CURRENCY_MISMATCH,
                    "account " + accountId + " holds " + state.currency().code() + ", not " + currencyCode);
        }
        return null;
    }

    private static EventHeader header(String accountId, long version, RequestContext context) {
        return new EventHeader(EventHeader.eventIdOf(accountId, version), accountId, version,
                context.requestId(), context.idempotencyKey(), context.acceptedAtMs());
    }
}
