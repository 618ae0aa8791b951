package io.tally.core;

import java.util.Objects;

/**
 * A currency or asset code with its scale (the number of minor-unit digits).
 *
 * @param code ISO 4217 code or an asset code such as {@code FLOW}; 1 to 12 characters, upper-case
 *     letters and digits
 * @param scale minor-unit digits, 0 to 18 (CZK has 2: 1.00 CZK is 100 minor units)
 * @throws IllegalArgumentException if the code or scale is out of range
 */
public record Currency(String code, int scale) {
    /** The largest scale: 10^18 still fits in a {@code long}. */
    public static final int MAX_SCALE = 18;

    public Currency {
        Objects.requireNonNull(code, "code");
        if (!isValidCode(code)) {
            throw new IllegalArgumentException("currency code must be 1-12 upper-case letters or digits: '" + code + "'");
        }
        if (scale < 0 || scale > MAX_SCALE) {
            throw new IllegalArgumentException("currency scale must be 0.." + MAX_SCALE + ": " + scale);
        }
    }

    /**
     * Whether {@code code} is a well-formed currency or asset code: {@code [A-Z0-9]{1,12}}. Checked
     * char by char: every request and every state read builds a currency, and {@link String#matches}
     * compiles its pattern on each call (it was 5% of the write path's time).
     */
    public static boolean isValidCode(String code) {
        if (code == null || code.isEmpty() || code.length() > 12) {
            return false;
        }
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9')) {
                return false;
            }
        }
        return true;
    }
}
