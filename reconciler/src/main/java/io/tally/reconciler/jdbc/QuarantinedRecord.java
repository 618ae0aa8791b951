package io.tally.reconciler.jdbc;

import io.tally.core.Ids;
import io.tally.projector.jdbc.BalanceQuarantineTable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * A record the projector's cache sink set aside in {@code account_balances_quarantine}, as
 * {@link #NEWEST_FIRST_SQL} reads it for {@link PostgresCacheSource#accountBalances}.
 *
 * @param idUtf8 the account id's bytes, or {@code null} (a record without a key)
 * @param accountId those bytes decoded, or {@code null} if there are none or they are not UTF-8
 * @param version the refused balance's version, or {@code null} for an undecodable record
 * @param kind the reason column: {@code REJECTED} or {@code UNDECODABLE}
 * @param sqlState PostgreSQL's SQLSTATE, or {@code null}
 * @param message the database's (or the decoder's) message
 * @param source where the record was read: {@code topic-partition@offset}
 */
record QuarantinedRecord(byte[] idUtf8, String accountId, Long version, String kind, String sqlState,
        String message, String source) {
    /**
     * The quarantined records: per account, the newest first (an undecodable record, without a version,
     * before any), accounts in the order of their ids' bytes, those without a key last.
     */
    static final String NEWEST_FIRST_SQL = "SELECT account_id_utf8, version, reason, sqlstate, message, source_topic,"
            + " source_partition, source_offset FROM " + BalanceQuarantineTable.TABLE
            + " ORDER BY account_id_utf8 NULLS LAST, version DESC NULLS FIRST, quarantined_at DESC, source_offset DESC";

    static QuarantinedRecord read(ResultSet rs, StatementContext ctx) throws SQLException {
        byte[] id = rs.getBytes("account_id_utf8");
        long version = rs.getLong("version");
        Long versionValue = rs.wasNull() ? null : version;
        String source = rs.getString("source_topic") + "-" + rs.getInt("source_partition") + "@"
                + rs.getLong("source_offset");
        return new QuarantinedRecord(id, id == null ? null : utf8(id), versionValue, rs.getString("reason"),
                rs.getString("sqlstate"), rs.getString("message"), source);
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** The reason, for the report: what was set aside, why, where it was read and where it is. */
    String reason(int records) {
        String whose = accountId != null ? "of this account"
                : idUtf8 == null ? "without a key"
                : "whose key is not UTF-8 (" + Ids.printable(new String(idUtf8, StandardCharsets.UTF_8)) + ")";
        String what = "UNDECODABLE".equals(kind)
                ? "could not decode a ledger.balances record " + whose
                : "had version " + version + " " + whose + " refused by PostgreSQL (SQLSTATE " + sqlState + ")";
        String more = records > 1 ? " (and " + (records - 1) + " older quarantined records)" : "";
        return "the cache sink " + what + " at " + source + more + ": "
                + message.strip().replaceAll("\\s*\\R\\s*", "; ") + "; it is in " + BalanceQuarantineTable.TABLE;
    }
}
