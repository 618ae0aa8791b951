package io.tally.reconciler;

import java.util.Comparator;

/**
 * The one order of account ids in which every reconciliation source streams: unsigned comparison
 * of the ids' UTF-8 bytes. It is the order in which a Kafka Streams store iterates {@code String}
 * keys (RocksDB's default bytewise comparator and the in-memory store's {@code Bytes} order, over
 * {@code StringSerializer}'s UTF-8), and PostgreSQL's {@code ORDER BY account_id COLLATE "C"} in a
 * UTF-8 database; so each source can be read sorted and merged without holding it in memory.
 *
 * <p>It is computed on the {@code char}s without encoding: for well-formed strings, UTF-8 byte
 * order equals code-point order, which is UTF-16 order except that surrogates (supplementary
 * characters) sort after U+E000..U+FFFF. Ids must be well-formed UTF-16 (no lone surrogate): a lone
 * surrogate has no UTF-8 form (Java's encoder writes {@code '?'} for it), so no source can store it
 * faithfully. It differs from {@link String#compareTo} ({@code "B" < "a"} in both, but
 * {@code "\uFF61" < "\uD83D\uDE00"} only here) and from any locale collation.
 *
 * <p>Thread-safe: stateless.
 */
public final class AccountOrder implements Comparator<String> {
    /** The comparator. */
    public static final AccountOrder INSTANCE = new AccountOrder();

    private AccountOrder() {}

    /**
     * Compares two account ids by their UTF-8 bytes, unsigned.
     *
     * @param a an account id, not {@code null}
     * @param b an account id, not {@code null}
     * @return negative, zero or positive as {@code a} sorts before, with or after {@code b}
     * @throws NullPointerException if either is {@code null}
     */
    public static int compareIds(String a, String b) {
        int length = Math.min(a.length(), b.length());
        for (int i = 0; i < length; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                if (x >= Character.MIN_SURROGATE && y >= Character.MIN_SURROGATE) {
                    return Integer.compare(codePointRank(x), codePointRank(y));
                }
                return Integer.compare(x, y);
            }
        }
        return Integer.compare(a.length(), b.length());
    }

    /** Same as {@link #compareIds}. */
    @Override
    public int compare(String a, String b) {
        return compareIds(a, b);
    }

    /** For chars at or above U+D800: moves surrogates above U+E000..U+FFFF, as their code points are. */
    private static int codePointRank(char c) {
        return c >= 0xE000 ? c - 0x800 : c + 0x2000;
    }
}
