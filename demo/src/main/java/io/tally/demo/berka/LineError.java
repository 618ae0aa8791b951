package io.tally.demo.berka;

/**
 * A line of an input file that could not be read.
 *
 * @param file the file's name
 * @param lineNumber 1-based line number
 * @param reason what is wrong with it
 */
public record LineError(String file, int lineNumber, String reason) {
    @Override
    public String toString() {
        return file + ":" + lineNumber + ": " + reason;
    }
}
