package io.tally.projector;

import io.tally.avro.HoldState;
import io.tally.core.LedgerEvent;
import io.tally.core.ProjectedBalance;

/**
 * How a hold's projected state follows the hold events of its account: placed, then captured and
 * released (by request or expiry) in parts until nothing remains.
 *
 * <p>Thread-safe: stateless.
 */
final class HoldEvolution {
    private HoldEvolution() {}

    /**
     * The hold after {@code event}.
     *
     * @param current the hold as projected, or {@code null} if the projection has none under that id
     * @param event a {@link LedgerEvent.HoldPlaced}, {@link LedgerEvent.HoldCaptured} or
     *     {@link LedgerEvent.HoldReleased} of the hold's account, already applied to the balance
     * @param balance the account's balance after {@code event} (currency, version, time)
     * @return the new state, or {@code null} if the event does not fit: placing an id already in use,
     *     capturing or releasing an unknown hold, or more than remains
     */
    static HoldState apply(HoldState current, LedgerEvent event, ProjectedBalance balance) {
        if (event instanceof LedgerEvent.HoldPlaced placed) {
            if (current != null || placed.amountMinor() <= 0) {
                return null;
            }
            return touched(HoldState.newBuilder()
                    .setAccountId(balance.accountId()).setHoldId(placed.holdId())
                    .setCurrency(balance.currency().code()).setScale(balance.currency().scale())
                    .setAmountMinor(placed.amountMinor()).setCapturedMinor(0).setReleasedMinor(0)
                    .setRemainingMinor(placed.amountMinor()).setOpen(true).setExpired(false)
                    .setExpiresAtMs(placed.expiresAtMs()).setPlacedAtMs(balance.updatedAtMs()), balance);
        }
        if (current == null || !current.getOpen()) {
            return null;
        }
        long capturedMinor = current.getCapturedMinor();
        long releasedMinor = current.getReleasedMinor();
        boolean expired = false;
        long amountMinor;
        if (event instanceof LedgerEvent.HoldCaptured captured) {
            amountMinor = captured.amountMinor();
            capturedMinor = Math.addExact(capturedMinor, amountMinor);
        } else if (event instanceof LedgerEvent.HoldReleased released) {
            amountMinor = released.amountMinor();
            releasedMinor = Math.addExact(releasedMinor, amountMinor);
            expired = released.expired();
        } else {
            throw new IllegalArgumentException("not a hold event: " + event);
        }
        if (amountMinor <= 0 || amountMinor > current.getRemainingMinor()) {
            return null;
        }
        long remainingMinor = current.getRemainingMinor() - amountMinor;
        return touched(HoldState.newBuilder(current).setCapturedMinor(capturedMinor).setReleasedMinor(releasedMinor)
                .setRemainingMinor(remainingMinor).setOpen(remainingMinor > 0).setExpired(expired), balance);
    }

    private static HoldState touched(HoldState.Builder hold, ProjectedBalance balance) {
        return hold.setVersion(balance.version()).setLastEventId(balance.lastEventId())
                .setUpdatedAtMs(balance.updatedAtMs()).build();
    }
}
