package io.tally.cli.serve;

/** A service started by {@code ./tally serve}: its health, and a graceful stop. */
interface RunningService extends AutoCloseable {
    /** {@code null} while healthy, else a short description of its state (for {@code /health}). */
    String problem();

    /** Whether it has failed for good (a Streams client in ERROR): the process should exit non-zero. */
    boolean failed();

    /** Stops processing: Streams closed with offsets committed, consumer group left. */
    @Override
    void close();
}
