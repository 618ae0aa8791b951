package io.tally.ledger.kafka;

import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.avro.internal.IdempotencyRecord;
import io.tally.core.LedgerCommand;
import io.tally.schemas.codec.RequestCodec;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The idempotency store ({@value DecideTopology#IDEMPOTENCY_STORE}) as decide uses it (DESIGN.md,
 * Idempotency and ordering; Trust boundaries): per request, the key it is stored under, the hash of
 * what it asks for, and the outcome decided before under that key, if any.
 *
 * <p>Not thread-safe: one per stream task, over that task's store.
 */
final class IdempotencyKeys {
    /**
     * What the store holds for a request's idempotency key.
     *
     * @param storeKey where the request's outcome is stored ({@link #storeKey})
     * @param requestHash SHA-256 of what the request asks for ({@link RequestCodec#requestHash})
     * @param stored the outcome decided before under the key, or {@code null} if none was
     */
    record Lookup(String storeKey, byte[] requestHash, IdempotencyRecord stored) {
        /** The same request was decided before: its stored outcome is the answer again. */
        boolean isReplay() {
            return stored != null && Arrays.equals(bytes(stored.getRequestHash()), requestHash);
        }

        /** Another request was decided under the key: IDEMPOTENCY_KEY_REUSED. */
        boolean isReuse() {
            return stored != null && !isReplay();
        }
    }

    private final KeyValueStore<String, IdempotencyRecord> store;

    IdempotencyKeys(KeyValueStore<String, IdempotencyRecord> store) {
        this.store = store;
    }

    /**
     * What the store holds for {@code request}'s key. An internal or operator key decided before keys
     * had namespaces is looked up under its plain form too, but honoured only for the same request: a
     * public request can no longer occupy such a key, and one that did before must not block the
     * internal request it imitates.
     *
     * @param origin who may send the request ({@link LedgerCommand#origin()}), which scopes its key
     */
    Lookup lookup(LedgerRequest request, LedgerCommand.Origin origin) {
        String storeKey = storeKey(request.getAccountId(), request.getIdempotencyKey(), origin);
        byte[] hash = RequestCodec.requestHash(request);
        IdempotencyRecord stored = store.get(storeKey);
        if (stored == null && origin != LedgerCommand.Origin.PUBLIC) {
            IdempotencyRecord legacy = store.get(AccountScopedKey.of(request.getAccountId(), request.getIdempotencyKey()));
            stored = legacy != null && Arrays.equals(bytes(legacy.getRequestHash()), hash) ? legacy : null;
        }
        return new Lookup(storeKey, hash, stored);
    }

    /** Stores {@code outcome} under the looked-up key, with the request's hash. */
    void remember(Lookup lookup, LedgerResult outcome) {
        store.put(lookup.storeKey(), IdempotencyRecord.newBuilder()
                .setRequestHash(ByteBuffer.wrap(lookup.requestHash())).setOutcome(outcome).build());
    }

    /**
     * The idempotency store's key: scoped to the account (requests are partitioned by account, so
     * the store of one task sees all keys of its accounts), length-prefixed so that no pair of ids
     * can collide, and scoped to who may send the request: an internal key ({@code receive:<transfer>})
     * or an operator's ({@code reconcile:...}) lives under {@code internal/} or {@code operator/}, which
     * no public key can spell ({@code /} is outside the key grammar), so an upstream service cannot
     * take the key of a transfer's payee side before it arrives and make it bounce (DESIGN.md, Trust
     * boundaries). Public keys keep the form they always had. Thread-safe: stateless.
     */
    static String storeKey(String accountId, String idempotencyKey, LedgerCommand.Origin origin) {
        return switch (origin) {
            case PUBLIC -> AccountScopedKey.of(accountId, idempotencyKey);
            case OPERATOR -> AccountScopedKey.of(accountId, "operator/" + idempotencyKey);
            case INTERNAL -> AccountScopedKey.of(accountId, "internal/" + idempotencyKey);
        };
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
