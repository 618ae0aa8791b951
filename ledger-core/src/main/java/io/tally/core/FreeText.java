package io.tally.core;

import java.util.Optional;

/**
 * The rule for the free-text fields a request may carry (a reference, a correction's reason): at
 * most {@value #MAX_LENGTH} characters, no control characters (C0, DEL, C1: a NUL cannot be stored in
 * PostgreSQL {@code text}, a newline forges log lines) and no unpaired UTF-16 surrogate (it has no
 * UTF-8 encoding, so the bytes on the topic would not be the text that was checked). Bounded so that
 * an event carrying it stays far below Kafka's record size limit. Pure and thread-safe.
 */
public final class FreeText {
    /** The longest free text, in characters. */
    public static final int MAX_LENGTH = 1024;

    private FreeText() {}

    /** Why {@code text} may not be carried, or empty if it may ({@code null}, absent, may). */
    public static Optional<String> problem(String text) {
        if (text == null) {
            return Optional.empty();
        }
        if (text.length() > MAX_LENGTH) {
            return Optional.of("must be at most " + MAX_LENGTH + " characters, was " + text.length());
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c)) {
                return Optional.of(String.format(java.util.Locale.ROOT,
                        "must not contain control characters; character %d is U+%04X", i + 1, (int) c));
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return Optional.of("must be valid Unicode; character " + (i + 1) + " is an unpaired surrogate");
            }
        }
        return Optional.empty();
    }
}
