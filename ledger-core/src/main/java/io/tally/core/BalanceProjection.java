package io.tally.core;

import io.tally.core.LedgerEvent.AccountOpened;

/**
 * The projector's evolution, guarded by versions so that exactness does not depend on delivery: an
 * event is applied only if it is the next version of its account. A replayed or duplicated event
 * (an old version) is reported as a duplicate and changes nothing; a missing version is reported as
 * a gap and changes nothing (DESIGN.md, Idempotency and ordering).
 *
 * <p>Thread-safe: stateless.
 */
public final class BalanceProjection {
    private BalanceProjection() {}

    /** The result of offering an event to a projected balance. */
    public sealed interface Applied permits Applied.Next, Applied.Duplicate, Applied.Gap {
        /** The event was the next version; {@code balance} is the new row. */
        record Next(ProjectedBalance balance) implements Applied {}

        /** The event's version was already applied; nothing changes. */
        record Duplicate(long projectedVersion, long eventVersion) implements Applied {}

        /**
         * The event skips versions (or arrives before the opening); nothing changes and the account is
         * an integrity error until the missing events arrive.
         */
        record Gap(long projectedVersion, long eventVersion) implements Applied {}
    }

    /**
     * Offers {@code event} to {@code current}.
     *
     * @param current the account's projected row, or {@code null} if none yet
     * @param event the next event read for that account
     * @return what happened; never throws for out-of-order input
     * @throws ArithmeticException if applying overflows (the write side rejects such requests)
     */
    public static Applied apply(ProjectedBalance current, LedgerEvent event) {
        long projectedVersion = current == null ? 0 : current.version();
        long eventVersion = event.header().version();
        if (eventVersion <= projectedVersion) {
            return new Applied.Duplicate(projectedVersion, eventVersion);
        }
        if (eventVersion != projectedVersion + 1) {
            return new Applied.Gap(projectedVersion, eventVersion);
        }
        if (current == null) {
            if (!(event instanceof AccountOpened opened)) {
                return new Applied.Gap(projectedVersion, eventVersion);
            }
            return new Applied.Next(new ProjectedBalance(event.header().accountId(), opened.currency(),
                    opened.applyTo(Balance.ZERO), eventVersion, event.header().eventId(), event.header().acceptedAtMs()));
        }
        return new Applied.Next(new ProjectedBalance(current.accountId(), current.currency(),
                event.applyTo(current.balance()), eventVersion, event.header().eventId(), event.header().acceptedAtMs()));
    }
}
