package io.tally.client;

/**
 * A read ({@link TallyClient#balance}, {@link TallyClient#holds}, {@link TallyClient#hold}) that could not be
 * answered: the projector stayed unavailable (503, no answer) for the whole retry budget, or answered 400, 401
 * or 403. {@code status} is the last HTTP status, 0 when there was none; {@code code} the error body's code.
 */
public final class TallyClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;

    /** @param cause the transport failure, or null */
    public TallyClientException(int status, String code, String message, Throwable cause) {
        super("HTTP " + status + " " + code + ": " + message, cause);
        this.status = status;
        this.code = code;
    }

    /** The last HTTP status, 0 when no answer came. */
    public int status() {
        return status;
    }

    /** The error body's stable code (e.g. {@code VERSION_NOT_REACHED}), or {@code TIMEOUT}/{@code IO} without one. */
    public String code() {
        return code;
    }
}
