package io.tally.projector.jdbc;

import io.tally.avro.AccountBalance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one poll of {@code ledger.balances} to {@code account_balances}: the newest version per account,
 * in one transaction ({@link BalanceRows}); if the database refuses a row for good, the good rows and
 * the refused ones' quarantine in a second ({@link RowIsolation}). Any other failure is left for the sink
 * to retry from the committed offsets (see {@link WriteFailure} for which is which).
 *
 * <p>It keeps one connection open from its first write until {@link #close} (a new one after a failure
 * that is not the rows').
 *
 * <p>Not thread-safe: the sink's poll thread's alone.
 */
final class CacheWriter implements AutoCloseable {
    // The sink's own logger, so that an operator's log configuration for it covers every line it writes.
    private static final Logger log = LoggerFactory.getLogger(BalanceCacheSink.class);

    private final Jdbi jdbi;
    private final BalanceRows rows;
    private final RowIsolation isolation;
    private final SinkMeters meters;
    /**
     * One connection for every poll, not one per transaction: opening one took some 45 ms a poll on
     * the shared 2-core bench machine (issue 16), and a kept one keeps its prepared statements.
     */
    private Handle handle;

    /**
     * @param jdbi the database holding {@code account_balances} and its quarantine
     * @param rows writes rows (the upsert and the application SQL)
     * @param topic the topic the records come from, for the quarantine
     * @param meters counts what is written and quarantined
     */
    CacheWriter(Jdbi jdbi, BalanceRows rows, String topic, SinkMeters meters) {
        this.jdbi = jdbi;
        this.rows = rows;
        this.isolation = new RowIsolation(rows, topic);
        this.meters = meters;
    }

    /**
     * Writes the newest row per account of {@code records} (null values are skipped).
     *
     * @return whether they are written (or quarantined), so that their offsets may be committed;
     *     {@code false} if the poll is to be retried
     */
    boolean write(ConsumerRecords<String, AccountBalance> records) {
        List<PolledBalance> newest = newestPerAccount(records);
        if (newest.isEmpty()) {
            return true;
        }
        OptionalLong changedRows = write(newest);
        if (changedRows.isEmpty()) {
            return false;
        }
        meters.applied(changedRows.getAsLong());
        log.debug("{} records, {} accounts, {} rows changed", records.count(), newest.size(), changedRows.getAsLong());
        return true;
    }

    /** The connection the sink writes on, opened if there is none. */
    private Handle handle() {
        if (handle == null) {
            handle = jdbi.open();
        }
        return handle;
    }

    /**
     * Closes the connection after a failure that may have broken it (a connection lost, a server
     * restart), so that the retry opens a new one.
     */
    private void discardHandle() {
        if (handle == null) {
            return;
        }
        try {
            handle.close();
        } catch (JdbiException e) {
            log.debug("closing the cache sink's connection after a failure: {}", e.getMessage());
        }
        handle = null;
    }

    /** Closes the connection, if open; call from the poll thread as it stops. */
    @Override
    public void close() {
        discardHandle();
    }

    private static List<PolledBalance> newestPerAccount(ConsumerRecords<String, AccountBalance> records) {
        Map<String, PolledBalance> newest = new HashMap<>();
        for (ConsumerRecord<String, AccountBalance> record : records) {
            if (record.value() != null) {
                newest.merge(record.value().getAccountId(),
                        new PolledBalance(CachedBalance.of(record.value()), record.partition(), record.offset()),
                        (a, b) -> a.row().version() >= b.row().version() ? a : b);
            }
        }
        return new ArrayList<>(newest.values());
    }

    /**
     * Writes the rows in one transaction, or, if the database refuses a row for good, the good rows and
     * the refused ones' quarantine in a second; the rows changed, or empty if it is to be retried.
     */
    private OptionalLong write(List<PolledBalance> candidates) {
        List<CachedBalance> batch = candidates.stream().map(PolledBalance::row).toList();
        try {
            return OptionalLong.of(handle().inTransaction(transaction -> rows.write(transaction, batch)));
        } catch (JdbiException | ArithmeticException e) {
            WriteFailure failure = WriteFailure.of(e);
            if (!failure.isRowError()) {
                discardHandle();
                log.error("cannot write {} balances to account_balances, retrying from the committed offsets: {}",
                        batch.size(), failure);
                return OptionalLong.empty();
            }
            log.warn("PostgreSQL refused a row of {} balances ({}): writing the others, quarantining the refused",
                    batch.size(), failure);
        }
        RowIsolation.Outcome outcome;
        try {
            outcome = handle().inTransaction(transaction -> isolation.isolate(transaction, candidates));
        } catch (JdbiException | ArithmeticException e) {
            discardHandle();
            log.error("cannot write {} balances to account_balances, retrying from the committed offsets: {}",
                    batch.size(), WriteFailure.of(e));
            return OptionalLong.empty();
        }
        outcome.quarantined().forEach(meters::quarantined);
        return OptionalLong.of(outcome.changedRows());
    }
}
