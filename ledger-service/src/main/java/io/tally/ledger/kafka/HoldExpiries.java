package io.tally.ledger.kafka;

import java.util.Locale;

/**
 * The keys of the hold-expiry index store: {@code <expiresAtMs, 20 digits>/<account id length>:<account
 * id>:<hold id>}, so that a range scan up to the current stream time finds exactly the holds due,
 * oldest first, and no two accounts' holds collide. The value is the hold's {@link AccountScopedKey}.
 *
 * <p>Thread-safe: stateless.
 */
final class HoldExpiries {
    private HoldExpiries() {}

    static String key(long expiresAtMs, String accountId, String holdId) {
        return pad(Math.max(0, expiresAtMs)) + "/" + value(accountId, holdId);
    }

    static String value(String accountId, String holdId) {
        return AccountScopedKey.of(accountId, holdId);
    }

    /** The account and hold of a {@link #value}. */
    static AccountScopedKey parseValue(String value) {
        return AccountScopedKey.parse(value);
    }

    /** The smallest key. */
    static String from() {
        return pad(0);
    }

    /** A bound above every key due at {@code streamTimeMs} and below every key due later. */
    static String until(long streamTimeMs) {
        return pad(streamTimeMs + 1);
    }

    private static String pad(long ms) {
        return String.format(Locale.ROOT, "%020d", ms);
    }
}
