package io.tally.reconciler.kafka;

import io.tally.avro.AccountBalance;
import io.tally.core.reconciliation.BalanceView;
import io.tally.reconciler.AccountOrder;
import io.tally.reconciler.CloseableIterator;
import io.tally.reconciler.SourceRowException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.PriorityQueue;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The projection as the expected side of a reconciliation: the balances of a Kafka Streams store
 * ({@code accountId -> AccountBalance}), streamed in {@link AccountOrder} as {@link BalanceView}s
 * with their version.
 *
 * <p>One store iterates its {@code String} keys in the order of their UTF-8 bytes, which is
 * {@link AccountOrder}. A queryable store over several partitions does not: Kafka Streams chains
 * the partitions' iterators one after the other. Read such a projection with {@link #merging},
 * one store per partition ({@code StoreQueryParameters.withPartition}); otherwise the
 * {@link io.tally.reconciler.Reconciler} stops at the first id out of order.
 *
 * <p>A store entry whose value is missing or names another account than its key is yielded as a
 * {@link SourceRowException} for that key, and the iteration goes on.
 *
 * <p>Not thread-safe: an iterator, read once; close it to release the store iterators.
 */
public final class ProjectionSource implements CloseableIterator<BalanceView> {
    private final Iterator<KeyValue<String, AccountBalance>> entries;
    private final List<? extends AutoCloseable> resources;
    private boolean closed;

    private ProjectionSource(Iterator<KeyValue<String, AccountBalance>> entries, List<? extends AutoCloseable> resources) {
        this.entries = entries;
        this.resources = resources;
    }

    /**
     * All of one store, in its key order; opens {@code store.all()} now.
     *
     * @param store a store holding the whole projection, or one partition of it
     * @return the source; close it to close the store iterator
     */
    public static ProjectionSource of(ReadOnlyKeyValueStore<String, AccountBalance> store) {
        KeyValueIterator<String, AccountBalance> all = store.all();
        return new ProjectionSource(all, List.of(all));
    }

    /**
     * The balances of several stores (one per partition) merged into {@link AccountOrder}, holding
     * one entry per store; opens every {@code store.all()} now.
     *
     * @param stores the partitions' stores; an account must be in at most one
     * @return the source; close it to close every store iterator
     */
    public static ProjectionSource merging(List<? extends ReadOnlyKeyValueStore<String, AccountBalance>> stores) {
        List<KeyValueIterator<String, AccountBalance>> opened = new ArrayList<>(stores.size());
        try {
            for (ReadOnlyKeyValueStore<String, AccountBalance> store : stores) {
                opened.add(store.all());
            }
        } catch (RuntimeException e) {
            opened.forEach(KeyValueIterator::close);
            throw e;
        }
        return new ProjectionSource(new MergingIterator(opened), opened);
    }

    /**
     * Balances from any iterator, such as a list in a test or a topic read into memory; they must
     * already be in {@link AccountOrder}. The account id is each value's {@code accountId}.
     *
     * @param balances the balances, sorted
     * @return the source; closing it does not close {@code balances}
     */
    public static ProjectionSource of(Iterator<AccountBalance> balances) {
        Objects.requireNonNull(balances, "balances");
        Iterator<KeyValue<String, AccountBalance>> entries = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return balances.hasNext();
            }

            @Override
            public KeyValue<String, AccountBalance> next() {
                AccountBalance balance = balances.next();
                return KeyValue.pair(balance.getAccountId(), balance);
            }
        };
        return new ProjectionSource(entries, List.of());
    }

    /**
     * The view of one projected balance.
     *
     * @param balance the projection's value
     * @return its account, currency, available, locked, version and the time of its last event
     */
    public static BalanceView view(AccountBalance balance) {
        return new BalanceView(balance.getAccountId(), balance.getCurrency(), balance.getAvailableMinor(),
                balance.getLockedMinor(), balance.getVersion(), balance.getUpdatedAtMs());
    }

    @Override
    public boolean hasNext() {
        if (closed) {
            throw new IllegalStateException("the projection source is closed");
        }
        return entries.hasNext();
    }

    /**
     * The next account's view.
     *
     * @throws SourceRowException if the entry has no value, or a value of another account
     * @throws NoSuchElementException if there is none
     */
    @Override
    public BalanceView next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        KeyValue<String, AccountBalance> entry = entries.next();
        if (entry.value == null) {
            throw new SourceRowException(entry.key, "the projection has a key without a balance");
        }
        if (!entry.value.getAccountId().equals(entry.key)) {
            throw new SourceRowException(entry.key,
                    "the projection's balance under this key is of account " + entry.value.getAccountId());
        }
        return view(entry.value);
    }

    /** Closes the store iterators; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("cannot close a projection store iterator", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** A k-way merge of sorted store iterators by their next key. */
    private static final class MergingIterator implements Iterator<KeyValue<String, AccountBalance>> {
        private final PriorityQueue<KeyValueIterator<String, AccountBalance>> byNextKey = new PriorityQueue<>(
                Comparator.comparing(KeyValueIterator::peekNextKey, AccountOrder.INSTANCE));

        MergingIterator(List<KeyValueIterator<String, AccountBalance>> iterators) {
            for (KeyValueIterator<String, AccountBalance> iterator : iterators) {
                if (iterator.hasNext()) {
                    byNextKey.add(iterator);
                }
            }
        }

        @Override
        public boolean hasNext() {
            return !byNextKey.isEmpty();
        }

        @Override
        public KeyValue<String, AccountBalance> next() {
            KeyValueIterator<String, AccountBalance> first = byNextKey.poll();
            if (first == null) {
                throw new NoSuchElementException();
            }
            KeyValue<String, AccountBalance> entry = first.next();
            if (first.hasNext()) {
                byNextKey.add(first);
            }
            return entry;
        }
    }
}
