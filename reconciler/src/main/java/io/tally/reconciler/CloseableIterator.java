package io.tally.reconciler;

import java.util.Iterator;
import java.util.Objects;

/**
 * An iterator over a source that holds a resource (a database cursor, a store iterator) until
 * closed. Reconciliation sources stream their accounts in {@link AccountOrder} through one.
 *
 * <p>A source may throw {@link SourceRowException} from {@link #next()} for one row it cannot read;
 * it must then stay usable, positioned after that row. Any other exception ends the iteration.
 *
 * <p>Not thread-safe unless an implementation says so.
 *
 * @param <T> the element type
 */
public interface CloseableIterator<T> extends Iterator<T>, AutoCloseable {
    /** Releases the resource; idempotent; never throws a checked exception. */
    @Override
    void close();

    /**
     * Wraps an iterator that holds no resource; {@link #close()} does nothing.
     *
     * @param iterator the elements
     * @return the same elements, closeable
     */
    static <T> CloseableIterator<T> of(Iterator<T> iterator) {
        Objects.requireNonNull(iterator, "iterator");
        return new CloseableIterator<>() {
            @Override
            public boolean hasNext() {
                return iterator.hasNext();
            }

            @Override
            public T next() {
                return iterator.next();
            }

            @Override
            public void close() {
                // nothing held
            }
        };
    }

    /**
     * The elements of {@code items} in their iteration order; {@link #close()} does nothing.
     *
     * @param items the elements
     * @return an iterator over them
     */
    static <T> CloseableIterator<T> of(Iterable<T> items) {
        return of(items.iterator());
    }
}
