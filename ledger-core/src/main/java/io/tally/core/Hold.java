package io.tally.core;

import java.util.Objects;

/**
 * Money moved from available to locked under a hold id (an escrow, an activation's budget): placed
 * with an amount, then captured (paid out) and released (returned) in parts until nothing remains,
 * when it closes. Seed 000: the locked balance is the sum of the open holds' remaining amounts.
 *
 * @param holdId the hold's id, unique within its account
 * @param amountMinor the amount placed, minor units
 * @param capturedMinor captured so far, minor units
 * @param releasedMinor released so far (by request or expiry), minor units
 * @param expiresAtMs when the remainder is released automatically, epoch ms, or {@code null} for never
 */
public record Hold(String holdId, long amountMinor, long capturedMinor, long releasedMinor, Long expiresAtMs) {
    public Hold {
        Objects.requireNonNull(holdId, "holdId");
        if (amountMinor <= 0 || capturedMinor < 0 || releasedMinor < 0
                || capturedMinor + releasedMinor > amountMinor) {
            throw new IllegalArgumentException("inconsistent hold " + holdId + ": amount " + amountMinor
                    + ", captured " + capturedMinor + ", released " + releasedMinor);
        }
    }

    /** What is still locked under the hold, minor units. */
    public long remainingMinor() {
        return amountMinor - capturedMinor - releasedMinor;
    }

    /** Whether anything remains; a hold with nothing remaining is closed for good. */
    public boolean isOpen() {
        return remainingMinor() > 0;
    }

    Hold capture(long minor) {
        return new Hold(holdId, amountMinor, capturedMinor + minor, releasedMinor, expiresAtMs);
    }

    Hold release(long minor) {
        return new Hold(holdId, amountMinor, capturedMinor, releasedMinor + minor, expiresAtMs);
    }
}
