package io.tally.core;

import java.util.Objects;

/**
 * How a hold follows the events that name it: placed, then captured and released (by request or by
 * expiry) in parts until nothing remains, when it is closed for good. The one hold evolution of the
 * ledger: {@link Ledger#evolve} applies it to the write side's holds, {@link Ledger#decide} learns
 * from it whether a capture, release or expiry fits the hold it names, and the projector applies it to
 * the holds it publishes on {@code ledger.holds}, counting an event that does not fit as an integrity
 * error. So the two sides cannot disagree about a hold.
 *
 * <p>Thread-safe: stateless.
 */
public final class HoldEvolution {
    private HoldEvolution() {}

    /** Why a hold event does not fit the hold it names; each has the rejection code decide answers with. */
    public enum Misfit {
        /** A hold is placed under an id the account already has, open or closed. */
        ALREADY_PLACED(RejectionCode.HOLD_EXISTS),
        /** A capture or release names a hold the account does not have. */
        NOT_FOUND(RejectionCode.HOLD_NOT_FOUND),
        /** A capture or release names a hold with nothing remaining. */
        CLOSED(RejectionCode.HOLD_CLOSED),
        /** The event's amount is zero or negative. */
        NOT_POSITIVE(RejectionCode.INVALID_AMOUNT),
        /** A capture or release takes more than the hold's remaining amount. */
        MORE_THAN_REMAINS(RejectionCode.AMOUNT_EXCEEDS_HOLD);

        private final RejectionCode code;

        Misfit(RejectionCode code) {
            this.code = code;
        }

        /** The code a request whose event would not fit is rejected with. */
        public RejectionCode code() {
            return code;
        }
    }

    /** The outcome of applying a hold event to a hold. */
    public sealed interface Result permits Fits, DoesNotFit {}

    /**
     * The event fits; {@code hold} is the hold after it.
     *
     * @param hold the hold after the event
     */
    public record Fits(Hold hold) implements Result {
        public Fits {
            Objects.requireNonNull(hold, "hold");
        }
    }

    /**
     * The event does not fit; the hold stays as it was.
     *
     * @param misfit why
     * @param message a human-readable explanation naming the account, the hold and the amounts
     */
    public record DoesNotFit(Misfit misfit, String message) implements Result {
        public DoesNotFit {
            Objects.requireNonNull(misfit, "misfit");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * The hold after {@code event}. The checks run in this order, the first that fails is the answer:
     * a placement must name no hold yet; a capture or release must name a hold that exists and is
     * open; the amount must be positive and, for a capture or release, at most what remains.
     *
     * @param before the hold as it is, or {@code null} if its account has none under the event's hold id
     * @param event a {@link LedgerEvent.HoldPlaced}, {@link LedgerEvent.HoldCaptured} or
     *     {@link LedgerEvent.HoldReleased}
     * @return {@link Fits} with the hold after, or {@link DoesNotFit} with the reason; never throws
     *     for an event that does not fit
     * @throws IllegalArgumentException if {@code event} is not a hold event (misuse)
     */
    public static Result apply(Hold before, LedgerEvent event) {
        String account = event.header().accountId();
        if (event instanceof LedgerEvent.HoldPlaced placed) {
            if (before != null) {
                return misfit(Misfit.ALREADY_PLACED, "account " + account + " already has hold " + placed.holdId());
            }
            if (placed.amountMinor() <= 0) {
                return misfit(Misfit.NOT_POSITIVE, "amount must be positive: " + placed.amountMinor());
            }
            return new Fits(new Hold(placed.holdId(), placed.amountMinor(), 0, 0, placed.expiresAtMs()));
        }
        long amountMinor = amountTaken(event);
        if (before == null) {
            return misfit(Misfit.NOT_FOUND, "account " + account + " has no hold " + event.holdId());
        }
        if (!before.isOpen()) {
            return misfit(Misfit.CLOSED, "hold " + before.holdId() + " is closed");
        }
        if (amountMinor <= 0) {
            return misfit(Misfit.NOT_POSITIVE, "amount must be positive: " + amountMinor);
        }
        if (amountMinor > before.remainingMinor()) {
            return misfit(Misfit.MORE_THAN_REMAINS, amountMinor + " exceeds the " + before.remainingMinor()
                    + " remaining on hold " + before.holdId());
        }
        return new Fits(event instanceof LedgerEvent.HoldCaptured
                ? before.capture(amountMinor) : before.release(amountMinor));
    }

    /** What a capture or release takes from its hold, minor units. */
    private static long amountTaken(LedgerEvent event) {
        if (event instanceof LedgerEvent.HoldCaptured captured) {
            return captured.amountMinor();
        }
        if (event instanceof LedgerEvent.HoldReleased released) {
            return released.amountMinor();
        }
        throw new IllegalArgumentException("not a hold event: " + event);
    }

    private static DoesNotFit misfit(Misfit misfit, String message) {
        return new DoesNotFit(misfit, message);
    }
}
