package io.tally.reconciler;

import io.tally.core.reconciliation.ToleranceTiers;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The drift thresholds of each currency, as data: explicit tiers where configured, otherwise
 * {@link ToleranceTiers#defaultsForScale} of the currency's scale (seed 000's 0.01 / 1 / 10 in the
 * currency's minor units), and nothing for a currency with neither.
 *
 * <p>The scale comes from a map by currency rather than from the compared rows, because a
 * {@link io.tally.core.reconciliation.BalanceView} does not carry one.
 *
 * <p>Thread-safe: immutable.
 */
public final class TierPolicy {
    private final Map<String, ToleranceTiers> tiersByCurrency;
    private final ToleranceTiers fallback;

    private TierPolicy(Map<String, ToleranceTiers> tiersByCurrency, ToleranceTiers fallback) {
        this.tiersByCurrency = Map.copyOf(tiersByCurrency);
        this.fallback = fallback;
    }

    /**
     * A policy from currency scales and explicit tiers.
     *
     * @param scaleByCurrency minor-unit digits (0..17) by currency code; each currency gets
     *     {@code ToleranceTiers.defaultsForScale(scale)}
     * @param overrides tiers by currency code that replace the defaults (may name currencies absent
     *     from {@code scaleByCurrency})
     * @return the policy; a currency in neither map has no tiers
     * @throws IllegalArgumentException if a scale is outside 0..17
     */
    public static TierPolicy of(Map<String, Integer> scaleByCurrency, Map<String, ToleranceTiers> overrides) {
        Map<String, ToleranceTiers> tiers = new HashMap<>();
        scaleByCurrency.forEach((currency, scale) ->
                tiers.put(Objects.requireNonNull(currency, "currency"), ToleranceTiers.defaultsForScale(scale)));
        tiers.putAll(overrides);
        return new TierPolicy(tiers, null);
    }

    /**
     * A policy with the default tiers of each currency's scale and no overrides.
     *
     * @param scaleByCurrency minor-unit digits (0..17) by currency code
     */
    public static TierPolicy byScale(Map<String, Integer> scaleByCurrency) {
        return of(scaleByCurrency, Map.of());
    }

    /**
     * The same tiers for every currency, including an unknown or absent one; for tests and for a
     * single-currency ledger.
     *
     * @param tiers the tiers, in minor units
     */
    public static TierPolicy uniform(ToleranceTiers tiers) {
        return new TierPolicy(Map.of(), Objects.requireNonNull(tiers, "tiers"));
    }

    /**
     * This policy, with {@code tiers} for any currency it does not know (and for an account whose
     * currency neither side names).
     *
     * @param tiers the fallback tiers, in minor units
     */
    public TierPolicy withFallback(ToleranceTiers tiers) {
        return new TierPolicy(tiersByCurrency, Objects.requireNonNull(tiers, "tiers"));
    }

    /**
     * The tiers of one currency.
     *
     * @param currencyCode the currency, or {@code null} when no side names one
     * @return the tiers, in that currency's minor units
     * @throws IllegalArgumentException if the policy has no tiers for it and no fallback; the
     *     {@link Reconciler} records that as an error of the account
     */
    public ToleranceTiers tiersFor(String currencyCode) {
        ToleranceTiers tiers = currencyCode == null ? null : tiersByCurrency.get(currencyCode);
        if (tiers != null) {
            return tiers;
        }
        if (fallback != null) {
            return fallback;
        }
        throw new IllegalArgumentException(currencyCode == null
                ? "no currency on either side, and no fallback tolerance tiers"
                : "no tolerance tiers for currency " + currencyCode + ": configure its scale");
    }
}
