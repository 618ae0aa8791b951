package io.tally.projector.jdbc;

import java.sql.SQLException;
import java.util.Locale;

/**
 * Why a write of balance rows failed, and whether the rows are to blame: the rule by which
 * {@link BalanceCacheSink} quarantines a row or retries the whole poll.
 *
 * <p>The rule, by SQLSTATE class (PostgreSQL Appendix A, "PostgreSQL Error Codes"):
 * <ul>
 *   <li><b>22</b> (data exception: a NUL in a text value, a value out of range) and <b>23</b>
 *       (integrity constraint violation: a CHECK, NOT NULL, unique or foreign key, of
 *       {@code account_balances} or of the application SQL's tables): the row is to blame and
 *       writing it again fails again, so it is found and quarantined ({@link #isRowError}). An
 *       {@link ArithmeticException} while binding a row (available + locked, the application SQL's
 *       {@code :total}, overflows a {@code bigint}) counts as 22003, numeric value out of range,
 *       which PostgreSQL would have given for the same sum;</li>
 *   <li>everything else is retried from the committed offsets with backoff, failing closed:
 *       08 (connection), 40 (transaction rollback: 40001 serialization failure, 40P01 deadlock),
 *       53 (insufficient resources), 57 (operator intervention: shutdown, cancel), 58 and XX
 *       (system and internal errors) and a failure without a SQLSTATE (a connection lost) pass with
 *       time; 42 (a wrong application SQL, a missing table or privilege), 28, 3D and the other
 *       classes are a configuration error, for an operator to fix; quarantining every row instead
 *       would empty the cache behind an error nobody reads.</li>
 * </ul>
 *
 * @param sqlState the five-character SQLSTATE, or {@code null} if the failure carries none
 * @param message the database's own words (the server's message, without the statement and values
 *     Jdbi adds), or the exception's when it did not come from the database
 */
record WriteFailure(String sqlState, String message) {
    /** The SQLSTATE given to a row whose bound values overflow a {@code bigint}. */
    static final String NUMERIC_VALUE_OUT_OF_RANGE = "22003";

    /**
     * The failure behind {@code e}: the SQLSTATE and message of the first {@link SQLException} in
     * its causes (a batch's own error, {@link SQLException#getNextException}, in preference to the
     * batch's summary).
     */
    static WriteFailure of(Throwable e) {
        if (e instanceof ArithmeticException overflow) {
            return new WriteFailure(NUMERIC_VALUE_OUT_OF_RANGE,
                    "a bound value of the row is out of the bigint range: " + overflow.getMessage());
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                SQLException own = sql.getNextException() != null ? sql.getNextException() : sql;
                String state = own.getSQLState() != null ? own.getSQLState() : sql.getSQLState();
                return new WriteFailure(state, String.valueOf(own.getMessage()));
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return new WriteFailure(null, root.toString());
    }

    /** Whether the rows are to blame: SQLSTATE class 22 or 23 (see the class documentation). */
    boolean isRowError() {
        return sqlState != null && (sqlState.startsWith("22") || sqlState.startsWith("23"));
    }

    /** The SQLSTATE's class, its first two characters ({@code "22"}), or {@code "none"}. */
    String sqlStateClass() {
        return sqlState == null || sqlState.length() < 2 ? "none" : sqlState.substring(0, 2).toUpperCase(Locale.ROOT);
    }

    /** {@code SQLSTATE message}, on one line, as the sink logs it. */
    @Override
    public String toString() {
        return (sqlState == null ? "(no SQLSTATE)" : sqlState) + " " + oneLine(message);
    }

    /** {@code text} on one line: the server's detail lines ({@code Where:}, {@code Detail:}) joined by {@code "; "}. */
    static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
