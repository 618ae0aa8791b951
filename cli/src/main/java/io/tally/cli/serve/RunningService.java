package io.tally.cli.serve;

/** A service started by {@code ./tally serve ledger|projector}: its health, its API's port, and a graceful stop. */
interface RunningService extends AutoCloseable {
    /** {@code null} while healthy, else a short description of its state (for {@code /health}). */
    String problem();

    /** Whether it has failed for good (a Streams client in ERROR): the process should exit non-zero. */
    boolean failed();

    /** The port of its HTTP API, or -1 if it serves none. */
    default int apiPort() {
        return -1;
    }

    /** Stops processing: Streams closed with offsets committed, consumer group left. */
    @Override
    void close();
}
