package io.tally.ledger.kafka;

/**
 * The key of an entry that belongs to one account in a write-side store (an idempotency key, a hold,
 * a charge): {@code <account id length>:<account id>:<id>}. The length prefix makes the key
 * collision-free for any pair of ids (neither may be trusted not to contain {@code ':'}), and keeps
 * one account's entries together under the prefix {@code <length>:<account id>:}.
 *
 * <p>Thread-safe: stateless.
 */
final class AccountScopedKey {
    private AccountScopedKey() {}

    /** The key of {@code id} within {@code accountId}. */
    static String of(String accountId, String id) {
        return accountId.length() + ":" + accountId + ":" + id;
    }

    /**
     * {account id, id} of a key made by {@link #of}.
     *
     * @throws IllegalArgumentException if {@code key} was not made by {@link #of}
     */
    static String[] parse(String key) {
        int colon = key.indexOf(':');
        try {
            int length = Integer.parseInt(key.substring(0, colon));
            return new String[] {key.substring(colon + 1, colon + 1 + length), key.substring(colon + 2 + length)};
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not an account-scoped key: " + key, e);
        }
    }
}
