package io.tally.core;

import java.util.Optional;

/**
 * The one grammar for every identifier the ledger takes from outside: account, hold, charge and
 * transfer ids, request ids and idempotency keys (DESIGN.md, Identifiers). Checked at every intake
 * (HTTP and Kafka) before anything is decided, so no id that breaks a path, a log line, a composite
 * key or a PostgreSQL {@code text} column (NUL) ever reaches state.
 *
 * <ul>
 *   <li>A <b>name</b> (account id, hold id): 1 to {@value #MAX_NAME_LENGTH} characters of the
 *       alphabet {@code A-Z a-z 0-9 . _ ~ @ + -}, the first a letter or digit. The alphabet is RFC
 *       3986's unreserved characters plus {@code @} and {@code +} (e-mail-like and tagged ids), so a
 *       name is a URL path segment as it stands; the first character rules out {@code .},
 *       {@code ..} and ids that read as command-line options. No {@code :}, so a name joined to
 *       another by {@code :} (the hold key {@code accountId:holdId}) cannot be read two ways.</li>
 *   <li>A <b>key</b> (idempotency key, request id): 1 to {@value #MAX_KEY_LENGTH} characters of the
 *       same alphabet plus {@code :}, the first a letter or digit: names joined by {@code :}, as the
 *       ledger derives its own ({@code receive:<transfer id>}, {@code reconcile:<source>:<account>@v7})
 *       and as callers namespace theirs ({@code order:A-17}). 255 is Stripe's limit for an
 *       idempotency key, and what this API accepted before.</li>
 *   <li>An <b>event id</b> (charge id, transfer id): {@code <account id>:<version>}, the version a
 *       positive decimal without leading zeros, as the ledger makes them ({@code accountId:version},
 *       DESIGN.md, Idempotency and ordering).</li>
 * </ul>
 *
 * <p>Each check returns the problem in words ({@link Optional#empty()} when the id is well formed),
 * for an HTTP field error or a dead letter's reason. Pure and thread-safe.
 */
public final class Ids {
    /** The longest name (account id, hold id), in characters. */
    public static final int MAX_NAME_LENGTH = 128;
    /** The longest key (idempotency key, request id), in characters. */
    public static final int MAX_KEY_LENGTH = 255;
    /** The alphabet of a name, for messages. */
    public static final String NAME_ALPHABET = "A-Z a-z 0-9 . _ ~ @ + -";

    private Ids() {}

    /** Why {@code id} is not a name (account id, hold id), or empty if it is one. */
    public static Optional<String> nameProblem(String id) {
        return problem(id, MAX_NAME_LENGTH, false);
    }

    /** Why {@code key} is not a key (idempotency key, request id), or empty if it is one. */
    public static Optional<String> keyProblem(String key) {
        return problem(key, MAX_KEY_LENGTH, true);
    }

    /** Whether {@code id} is a name (account id, hold id). */
    public static boolean isName(String id) {
        return nameProblem(id).isEmpty();
    }

    /** Whether {@code key} is a key (idempotency key, request id). */
    public static boolean isKey(String key) {
        return keyProblem(key).isEmpty();
    }

    /**
     * Why {@code id} is not an event id {@code <account id>:<version>}, or empty if it is one.
     */
    public static Optional<String> eventIdProblem(String id) {
        if (id == null || id.isEmpty()) {
            return Optional.of("must not be empty");
        }
        int colon = id.lastIndexOf(':');
        if (colon < 0) {
            return Optional.of("must be an event id, <account id>:<version>");
        }
        Optional<String> account = nameProblem(id.substring(0, colon));
        if (account.isPresent()) {
            return Optional.of("must be an event id, <account id>:<version>; its account id " + account.get());
        }
        String version = id.substring(colon + 1);
        if (!isPositiveDecimal(version)) {
            return Optional.of("must be an event id, <account id>:<version>, with a positive version without leading zeros");
        }
        return Optional.empty();
    }

    /**
     * The account id of a well-formed event id.
     *
     * @throws IllegalArgumentException if {@code eventId} is not one ({@link #eventIdProblem})
     */
    public static String accountOfEventId(String eventId) {
        eventIdProblem(eventId).ifPresent(p -> {
            throw new IllegalArgumentException("'" + printable(eventId) + "' " + p);
        });
        return eventId.substring(0, eventId.lastIndexOf(':'));
    }

    /** Whether {@code c} is in a name's alphabet. */
    public static boolean isNameChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '~' || c == '@' || c == '+' || c == '-';
    }

    /**
     * {@code text} made safe to quote in a message or a log line: characters outside printable
     * ASCII as {@code \}{@code uXXXX}, cut to 64 characters. For echoing a rejected id back without
     * echoing what made it bad (a newline, a NUL, 5,000 characters).
     */
    public static String printable(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < 64; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
            }
        }
        if (out.length() >= 64 && text.length() > 64) {
            out.append("...");
        }
        return out.toString();
    }

    private static Optional<String> problem(String id, int maxLength, boolean colonAllowed) {
        if (id == null || id.isEmpty()) {
            return Optional.of("must not be empty");
        }
        if (id.length() > maxLength) {
            return Optional.of("must be at most " + maxLength + " characters, was " + id.length());
        }
        if (!isLetterOrDigit(id.charAt(0))) {
            return Optional.of("must start with a letter or digit (A-Z a-z 0-9)");
        }
        for (int i = 1; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!isNameChar(c) && !(colonAllowed && c == ':')) {
                return Optional.of("must use only " + NAME_ALPHABET + (colonAllowed ? " :" : "")
                        + "; character " + (i + 1) + " is " + describe(c));
            }
        }
        return Optional.empty();
    }

    private static boolean isLetterOrDigit(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    private static boolean isPositiveDecimal(String s) {
        if (s.isEmpty() || s.length() > 19 || s.charAt(0) == '0') {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return s.length() < 19 || s.compareTo(Long.toString(Long.MAX_VALUE)) <= 0;
    }

    private static String describe(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format(java.util.Locale.ROOT, "U+%04X", (int) c);
    }
}
