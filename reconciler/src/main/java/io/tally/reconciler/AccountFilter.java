package io.tally.reconciler;

import io.tally.core.reconciliation.BalanceView;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Narrows a source to some accounts ({@code tally reconcile --account ID}), keeping its order and
 * its per-row errors (a row that fails to read is passed on when its id is wanted, or has none).
 *
 * <p>Not thread-safe: an iterator.
 */
public final class AccountFilter implements Iterator<BalanceView> {
    private final Iterator<BalanceView> source;
    private final Predicate<String> wanted;
    private BalanceView next;
    private SourceRowException pendingError;

    private AccountFilter(Iterator<BalanceView> source, Predicate<String> wanted) {
        this.source = Objects.requireNonNull(source, "source");
        this.wanted = Objects.requireNonNull(wanted, "wanted");
    }

    /**
     * The views of {@code source} whose account ids {@code wanted} accepts.
     *
     * @param source a source in account order
     * @param wanted which account ids to keep
     * @return the narrowed source; it does not close {@code source}
     */
    public static Iterator<BalanceView> of(Iterator<BalanceView> source, Predicate<String> wanted) {
        return new AccountFilter(source, wanted);
    }

    @Override
    public boolean hasNext() {
        while (next == null && pendingError == null && source.hasNext()) {
            try {
                BalanceView view = source.next();
                if (view == null || wanted.test(view.accountId())) {
                    next = view;
                }
            } catch (SourceRowException e) {
                if (e.accountId() == null || wanted.test(e.accountId())) {
                    pendingError = e;
                }
            }
        }
        return next != null || pendingError != null;
    }

    @Override
    public BalanceView next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        if (pendingError != null) {
            SourceRowException e = pendingError;
            pendingError = null;
            throw e;
        }
        BalanceView view = next;
        next = null;
        return view;
    }
}
