package io.tally.projector.jdbc;

import io.tally.core.Ids;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * One row of {@code account_balances_quarantine} (migration {@code V3__account_balances_quarantine.sql}):
 * a record of {@code ledger.balances} that {@link BalanceCacheSink} could not write and set aside.
 *
 * <p>Arrays are compared by reference in {@code equals}: compare rows by their fields.
 *
 * @param sourceTopic the topic the record came from
 * @param sourcePartition its partition
 * @param sourceOffset its offset
 * @param accountIdUtf8 the account id's UTF-8 bytes, exactly (PostgreSQL {@code text} cannot hold an
 *     id with NUL); for an undecodable record its key's bytes; {@code null} if it had no key
 * @param accountIdPrintable the account id for people and logs ({@link Ids#printable})
 * @param version the refused balance's version; {@code null} for an undecodable record
 * @param reason why it is here
 * @param sqlState PostgreSQL's SQLSTATE for a {@link Reason#REJECTED} row, {@code null} otherwise
 * @param message the database's message, or the decoder's
 * @param recordValue the record's value bytes as received, for an {@link Reason#UNDECODABLE} one
 * @param quarantinedAt when it was set aside (the database's clock); {@code null} before it is stored
 */
public record QuarantinedBalance(String sourceTopic, int sourcePartition, long sourceOffset, byte[] accountIdUtf8,
        String accountIdPrintable, Long version, Reason reason, String sqlState, String message, byte[] recordValue,
        Instant quarantinedAt) {

    /** Why a record is in the quarantine. */
    public enum Reason {
        /** PostgreSQL refused its row for good (SQLSTATE class 22 or 23). */
        REJECTED,
        /** Its value could not be decoded. */
        UNDECODABLE
    }

    public QuarantinedBalance {
        Objects.requireNonNull(sourceTopic, "sourceTopic");
        Objects.requireNonNull(accountIdPrintable, "accountIdPrintable");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        if ((reason == Reason.REJECTED) != (sqlState != null)) {
            throw new IllegalArgumentException("a REJECTED row has a SQLSTATE, an UNDECODABLE one none: " + sqlState);
        }
        // text cannot hold NUL; the database's and the decoder's messages do not carry one, but make sure.
        message = message.replace("\u0000", "\\u0000");
    }

    /** The row of {@code row}, read from {@code topic} at {@code partition}/{@code offset}, that the database refused. */
    static QuarantinedBalance rejected(String topic, int partition, long offset, CachedBalance row, WriteFailure failure) {
        return new QuarantinedBalance(topic, partition, offset, row.accountId().getBytes(StandardCharsets.UTF_8),
                Ids.printable(row.accountId()), row.version(), Reason.REJECTED, failure.sqlState(), failure.message(),
                null, null);
    }

    /**
     * A record that could not be decoded.
     *
     * @param key the key's bytes (the account id, UTF-8, as the projector writes it), or {@code null}
     * @param value the value's bytes, or {@code null}
     * @param message why it could not be decoded
     */
    static QuarantinedBalance undecodable(String topic, int partition, long offset, byte[] key, byte[] value,
            String message) {
        String printable = key == null ? "(no key)" : Ids.printable(new String(key, StandardCharsets.UTF_8));
        return new QuarantinedBalance(topic, partition, offset, key, printable, null, Reason.UNDECODABLE, null,
                message, value, null);
    }

    /** The account id decoded from {@link #accountIdUtf8} (malformed bytes as U+FFFD), or {@code null}. */
    public String accountId() {
        return accountIdUtf8 == null ? null : new String(accountIdUtf8, StandardCharsets.UTF_8);
    }

    /** Where the record was read, {@code topic-partition@offset}. */
    public String source() {
        return sourceTopic + "-" + sourcePartition + "@" + sourceOffset;
    }
}
