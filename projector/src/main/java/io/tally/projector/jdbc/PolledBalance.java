package io.tally.projector.jdbc;

/**
 * A row the cache sink is to write and the record of {@code ledger.balances} it came from, so that a
 * row the database refuses can be quarantined under its source.
 *
 * @param row the row, as {@link CachedBalance#of} made it from the record
 * @param partition the record's partition
 * @param offset the record's offset
 */
record PolledBalance(CachedBalance row, int partition, long offset) {}
