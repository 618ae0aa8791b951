package io.tally.projector.jdbc;

import io.tally.avro.AccountBalance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
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
 * <p>Thread-safe as Jdbi is; the sink calls it from its poll thread only.
 */
final class CacheWriter {
    // The sink's own logger, so that an operator's log configuration for it covers every line it writes.
    private static final Logger log = LoggerFactory.getLogger(BalanceCacheSink.class);

    private final Jdbi jdbi;
    private final BalanceRows rows;
    private final RowIsolation isolation;
    private final SinkMeters meters;

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
            return OptionalLong.of(jdbi.inTransaction(handle -> BalanceRows.changed(rows.write(handle, batch))));
        } catch (JdbiException | ArithmeticException e) {
            WriteFailure failure = WriteFailure.of(e);
            if (!failure.isRowError()) {
                log.error("cannot write {} balances to account_balances, retrying from the committed offsets: {}",
                        batch.size(), failure);
                return OptionalLong.empty();
            }
            log.warn("PostgreSQL refused a row of {} balances ({}): writing the others, quarantining the refused",
                    batch.size(), failure);
        }
        RowIsolation.Outcome outcome;
        try {
            outcome = jdbi.inTransaction(handle -> isolation.isolate(handle, candidates));
        } catch (JdbiException | ArithmeticException e) {
            log.error("cannot write {} balances to account_balances, retrying from the committed offsets: {}",
                    batch.size(), WriteFailure.of(e));
            return OptionalLong.empty();
        }
        outcome.quarantined().forEach(meters::quarantined);
        return OptionalLong.of(outcome.changedRows());
    }
}
