package io.tally.ledger.kafka;

import java.util.Objects;

/**
 * An entry that belongs to one account in a write-side store (an idempotency key, a hold, a charge),
 * and its store key: {@code <account id length>:<account id>:<id>}. The length prefix makes the key
 * collision-free for any pair of ids (neither may be trusted not to contain {@code ':'}), and keeps
 * one account's entries together under the prefix {@code <length>:<account id>:}.
 *
 * @param accountId the account
 * @param id the entry's id within the account
 */
record AccountScopedKey(String accountId, String id) {
    AccountScopedKey {
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(id, "id");
    }

    /** The store key of {@code id} within {@code accountId}. Thread-safe: stateless. */
    static String of(String accountId, String id) {
        return accountId.length() + ":" + accountId + ":" + id;
    }

    /** This entry's store key. */
    String key() {
        return of(accountId, id);
    }

    /**
     * The entry a store key names.
     *
     * @throws IllegalArgumentException if {@code key} was not made by {@link #of}
     */
    static AccountScopedKey parse(String key) {
        int colon = key.indexOf(':');
        try {
            int length = Integer.parseInt(key.substring(0, colon));
            return new AccountScopedKey(key.substring(colon + 1, colon + 1 + length), key.substring(colon + 2 + length));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not an account-scoped key: " + key, e);
        }
    }
}
