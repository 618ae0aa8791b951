package io.tally.reconciler;

import io.tally.core.reconciliation.BalanceView;
import java.util.Objects;

/**
 * The cache set the account's newest row aside instead of storing it (the projector's cache sink
 * quarantines a row PostgreSQL refuses for good, or a record it cannot decode; issue 21). Thrown
 * from a cache source's {@link CloseableIterator#next()} in the account's place in
 * {@link AccountOrder}; the {@link Reconciler} reports the account as
 * {@link io.tally.core.reconciliation.ReconciliationStatus#QUARANTINED} with {@link #getMessage()}
 * as the reason, and goes on. A consumer that knows only {@link SourceRowException} still reports the
 * account, as an error.
 *
 * <p>It is thrown rather than returned because a source yields {@link BalanceView}s, which say
 * nothing of a quarantine, and a row that cannot be yielded as it is already travels this way.
 */
public final class QuarantinedAccountException extends SourceRowException {
    private static final long serialVersionUID = 1L;

    private final transient BalanceView older;

    /**
     * @param accountId the account, exactly
     * @param older the older row the cache still holds for the account, or {@code null} if none
     * @param reason why the row was set aside and where it is, for the report
     */
    public QuarantinedAccountException(String accountId, BalanceView older, String reason) {
        super(Objects.requireNonNull(accountId, "accountId"), reason);
        if (older != null && !older.accountId().equals(accountId)) {
            throw new IllegalArgumentException("the older row is of " + older.accountId() + ", not " + accountId);
        }
        this.older = older;
    }

    /** The older row the cache still holds for the account, or {@code null} if it holds none. */
    public BalanceView older() {
        return older;
    }
}
