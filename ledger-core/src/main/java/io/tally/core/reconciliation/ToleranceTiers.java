package io.tally.core.reconciliation;

/**
 * A currency's drift thresholds in minor units, as data: differences up to {@code toleranceMinor}
 * are ignored, above {@code warnMinor} they warn, above {@code autoFixCeilingMinor} they are never
 * fixed automatically. Seed 000 uses 0.01 / 1 / 10 NGN; {@link #defaultsForScale} gives the same
 * steps in any currency's minor units (1 / 100 / 1000 at scale 2).
 *
 * @throws IllegalArgumentException unless {@code 0 <= tolerance <= warn <= autoFixCeiling}
 */
public record ToleranceTiers(long toleranceMinor, long warnMinor, long autoFixCeilingMinor) {
    public ToleranceTiers {
        if (toleranceMinor < 0 || warnMinor < toleranceMinor || autoFixCeilingMinor < warnMinor) {
            throw new IllegalArgumentException("tiers must satisfy 0 <= tolerance <= warn <= auto-fix ceiling: "
                    + toleranceMinor + " / " + warnMinor + " / " + autoFixCeilingMinor);
        }
    }

    /**
     * 0.01, 1 and 10 major units at {@code scale} (tolerance 0 when the scale has no hundredths).
     *
     * @param scale minor-unit digits, 0 to 17
     */
    public static ToleranceTiers defaultsForScale(int scale) {
        if (scale < 0 || scale > 17) {
            throw new IllegalArgumentException("scale must be 0..17: " + scale);
        }
        long one = 1;
        for (int i = 0; i < scale; i++) {
            one *= 10;
        }
        return new ToleranceTiers(one / 100, one, one * 10);
    }

    /**
     * The tier of a difference of {@code differenceMinor} (either sign).
     *
     * @throws ArithmeticException for {@link Long#MIN_VALUE}, whose magnitude has no {@code long}
     */
    public DriftTier classify(long differenceMinor) {
        long magnitude = Math.absExact(differenceMinor);
        if (magnitude == 0) {
            return DriftTier.NONE;
        } else if (magnitude <= toleranceMinor) {
            return DriftTier.TOLERATED;
        } else if (magnitude <= warnMinor) {
            return DriftTier.MINOR;
        } else if (magnitude <= autoFixCeilingMinor) {
            return DriftTier.WARN;
        }
        return DriftTier.CRITICAL;
    }
}
