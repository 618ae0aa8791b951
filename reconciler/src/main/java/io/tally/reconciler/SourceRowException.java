package io.tally.reconciler;

/**
 * One row of a source could not be read (a {@code NULL} balance, a fraction of a minor unit, a
 * value out of range). Thrown from {@link CloseableIterator#next()}; the {@link Reconciler} records
 * an error for that account and goes on (seed 001: one account failing does not stop the run).
 * Its one subclass, {@link QuarantinedAccountException}, is a finding rather than an error.
 */
public class SourceRowException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String accountId;

    /**
     * @param accountId the row's account id, or {@code null} if even the id could not be read (the
     *     error is then recorded without an account and without a place in the order)
     * @param message what is wrong with the row, for the report
     */
    public SourceRowException(String accountId, String message) {
        super(message);
        this.accountId = accountId;
    }

    /** The row's account id, or {@code null} if it could not be read. */
    public String accountId() {
        return accountId;
    }
}
