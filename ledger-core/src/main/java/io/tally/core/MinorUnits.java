package io.tally.core;

import java.util.Objects;

/**
 * Exact conversion between decimal text and {@code long} minor units. Used at the edges only
 * (file import, HTTP, reports); the ledger itself never sees a decimal.
 *
 * <p>Thread-safe: stateless.
 */
public final class MinorUnits {
    private MinorUnits() {}

    /**
     * Parses a plain decimal such as {@code "-1234.50"} into minor units at {@code scale}, with no
     * floating point. Fewer fraction digits than the scale are padded ({@code "12.5"} at scale 2 is
     * 1250); more are an error, never rounded.
     *
     * @param text an optional sign, digits, and optionally a dot followed by at most {@code scale}
     *     digits
     * @param scale minor-unit digits, 0 to {@link Currency#MAX_SCALE}
     * @return the amount in minor units
     * @throws IllegalArgumentException if the text is not such a decimal
     * @throws ArithmeticException if the value does not fit in a {@code long}
     */
    public static long parse(String text, int scale) {
        Objects.requireNonNull(text, "text");
        if (scale < 0 || scale > Currency.MAX_SCALE) {
            throw new IllegalArgumentException("scale must be 0.." + Currency.MAX_SCALE + ": " + scale);
        }
        String s = text.strip();
        boolean negative = false;
        int i = 0;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            negative = s.charAt(0) == '-';
            i = 1;
        }
        int dot = s.indexOf('.', i);
        String whole = dot < 0 ? s.substring(i) : s.substring(i, dot);
        String fraction = dot < 0 ? "" : s.substring(dot + 1);
        if (whole.isEmpty() || !isDigits(whole) || (dot >= 0 && (fraction.isEmpty() || !isDigits(fraction)))) {
            throw new IllegalArgumentException("not a decimal number: '" + text + "'");
        }
        if (fraction.length() > scale) {
            throw new IllegalArgumentException(
                    "'" + text + "' has more than " + scale + " fraction digits");
        }
        // Accumulate towards negative, as Long.parseLong does, so Long.MIN_VALUE is reachable.
        long value = 0;
        for (int k = 0; k < whole.length(); k++) {
            value = Math.subtractExact(Math.multiplyExact(value, 10), whole.charAt(k) - '0');
        }
        for (int k = 0; k < scale; k++) {
            int digit = k < fraction.length() ? fraction.charAt(k) - '0' : 0;
            value = Math.subtractExact(Math.multiplyExact(value, 10), digit);
        }
        return negative ? value : Math.negateExact(value);
    }

    /**
     * Formats minor units as a plain decimal with exactly {@code scale} fraction digits, e.g. 1250
     * at scale 2 is {@code "12.50"}; locale-independent.
     */
    public static String format(long minor, int scale) {
        if (scale == 0) {
            return Long.toString(minor);
        }
        String digits = Long.toString(minor);
        boolean negative = minor < 0;
        if (negative) {
            digits = digits.substring(1);
        }
        if (digits.length() <= scale) {
            digits = "0".repeat(scale - digits.length() + 1) + digits;
        }
        int split = digits.length() - scale;
        return (negative ? "-" : "") + digits.substring(0, split) + "." + digits.substring(split);
    }

    private static boolean isDigits(String s) {
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
