package io.tally.reconciler;

import io.tally.core.reconciliation.BalanceView;
import java.util.Iterator;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * One side of a {@link Reconciler} run, read ahead by one row: checks that the side ascends strictly
 * in {@link AccountOrder} and turns what a source reports about a row ({@link SourceRowException},
 * {@link QuarantinedAccountException}) into a {@link Row}.
 *
 * <p>Not thread-safe: used by the run's thread.
 */
final class SourceCursor {
    /**
     * One side's current row: a view, or the error that replaced an unreadable row, or the reason the
     * cache quarantined the account's newest row (with the older view it still holds, if any).
     *
     * @param accountId the account
     * @param view its balance on this side, or {@code null}
     * @param error why the row could not be read, or {@code null}
     * @param quarantine why the cache set the account's newest row aside, or {@code null}
     */
    record Row(String accountId, BalanceView view, String error, String quarantine) {}

    private final String side;
    private final Iterator<BalanceView> source;
    private final BiConsumer<String, String> errorWithoutRow;
    private String previousId;
    /** The current row, or {@code null} once the side is exhausted (or before the first {@link #advance}). */
    Row head;

    /**
     * @param side the side's name in messages ({@code projection}, the source's name)
     * @param source the side, strictly ascending in {@link AccountOrder}
     * @param errorWithoutRow told (account id {@code null}, message) of a row the source could not read
     *     and could not name
     */
    SourceCursor(String side, Iterator<BalanceView> source, BiConsumer<String, String> errorWithoutRow) {
        this.side = side;
        this.source = Objects.requireNonNull(source, side);
        this.errorWithoutRow = errorWithoutRow;
    }

    /**
     * Moves {@link #head} to the next row.
     *
     * @throws IllegalStateException if the source yields {@code null} or an id not above the previous one
     */
    void advance() {
        while (source.hasNext()) {
            Row row;
            try {
                BalanceView view = source.next();
                if (view == null) {
                    throw new IllegalStateException(side + " yielded null after '" + previousId + "'");
                }
                row = new Row(view.accountId(), view, null, null);
            } catch (QuarantinedAccountException e) {
                row = new Row(e.accountId(), e.older(), null, e.getMessage());
            } catch (SourceRowException e) {
                if (e.accountId() == null) {
                    errorWithoutRow.accept(null, side + ": " + e.getMessage());
                    continue;
                }
                row = new Row(e.accountId(), null, side + ": " + e.getMessage(), null);
            }
            if (previousId != null && AccountOrder.compareIds(previousId, row.accountId()) >= 0) {
                throw new IllegalStateException(side + " is not strictly ascending in account order "
                        + "(unsigned UTF-8 bytes, no duplicates): '" + row.accountId() + "' came after '"
                        + previousId + "'");
            }
            previousId = row.accountId();
            head = row;
            return;
        }
        head = null;
    }
}
