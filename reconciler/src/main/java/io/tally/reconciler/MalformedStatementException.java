package io.tally.reconciler;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A statement file has lines that cannot be read. It carries every bad line, so one run shows
 * them all; the statement is then not reconciled at all, because a statement with lines left out
 * would report their accounts as missing.
 */
public final class MalformedStatementException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private static final int LINES_IN_MESSAGE = 20;

    /**
     * One unreadable line.
     *
     * @param lineNumber its number in the file, from 1
     * @param message what is wrong with it
     */
    public record LineError(long lineNumber, String message) {
        @Override
        public String toString() {
            return "line " + lineNumber + ": " + message;
        }
    }

    private final transient List<LineError> errors;

    /**
     * @param source the file, for the message
     * @param errors every bad line, in file order, at least one
     */
    public MalformedStatementException(String source, List<LineError> errors) {
        super(message(source, errors));
        this.errors = List.copyOf(errors);
    }

    /** Every bad line, in file order. */
    public List<LineError> errors() {
        return errors;
    }

    private static String message(String source, List<LineError> errors) {
        String shown = errors.stream().limit(LINES_IN_MESSAGE).map(LineError::toString)
                .collect(Collectors.joining("\n  "));
        String more = errors.size() > LINES_IN_MESSAGE ? "\n  and " + (errors.size() - LINES_IN_MESSAGE) + " more" : "";
        return source + ": " + errors.size() + " malformed line(s):\n  " + shown + more;
    }
}
