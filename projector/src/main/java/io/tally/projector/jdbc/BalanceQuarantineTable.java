package io.tally.projector.jdbc;

import java.util.Collection;
import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/**
 * The {@code account_balances_quarantine} table (migration {@code V3__account_balances_quarantine.sql})
 * as a Jdbi SqlObject: the records of {@code ledger.balances} that {@link BalanceCacheSink} set aside.
 *
 * <p>Thread-safe as Jdbi's on-demand objects are; an attached instance belongs to its handle.
 */
@RegisterConstructorMapper(QuarantinedBalance.class)
public interface BalanceQuarantineTable {
    /** The table's name, for SQL that reads it elsewhere (the reconciler). */
    String TABLE = "account_balances_quarantine";

    /**
     * Adds rows; a record already there (same topic, partition and offset: a replay, a restart before
     * the offsets were committed) is left as it is.
     *
     * @return per row, 1 if it was added, 0 if its record was already quarantined
     */
    @SqlBatch("""
            INSERT INTO account_balances_quarantine (source_topic, source_partition, source_offset, account_id_utf8,
                account_id_printable, version, reason, sqlstate, message, record_value)
            VALUES (:sourceTopic, :sourcePartition, :sourceOffset, :accountIdUtf8, :accountIdPrintable, :version,
                :reason, :sqlState, :message, :recordValue)
            ON CONFLICT (source_topic, source_partition, source_offset) DO NOTHING""")
    int[] add(@BindMethods Collection<QuarantinedBalance> rows);

    /** Every row, in the order the records were read (topic, partition, offset). */
    @SqlQuery("""
            SELECT source_topic, source_partition, source_offset, account_id_utf8, account_id_printable, version,
                reason, sqlstate, message, record_value, quarantined_at
            FROM account_balances_quarantine ORDER BY source_topic, source_partition, source_offset""")
    List<QuarantinedBalance> findAll();
}
