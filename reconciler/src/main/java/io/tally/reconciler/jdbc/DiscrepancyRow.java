package io.tally.reconciler.jdbc;

import java.nio.charset.StandardCharsets;

/**
 * One row of {@code reconciliation_discrepancies}: an account of a run that was not in sync (or
 * could not be compared), with both sides as the run saw them. Amounts are minor units; a side's
 * columns are {@code null} when that side lacks the account.
 *
 * <p>The table's key is the account id's UTF-8 bytes ({@link #accountIdUtf8}), since PostgreSQL
 * {@code text} cannot hold every id (one with NUL); its {@code account_id} column, and so a row read
 * back, holds {@link #accountIdText}.
 *
 * @param runId the run
 * @param accountId the account: exactly, in a row about to be written; as {@link #accountIdText}, in a row read back
 * @param status a {@code ReconciliationStatus} name, or {@code ERROR}
 * @param tier a {@code DriftTier} name
 * @param currency the account's currency, if known
 * @param expectedAvailableMinor the projection's available balance
 * @param expectedLockedMinor the projection's locked balance
 * @param expectedVersion the projection's version
 * @param actualAvailableMinor the source's available balance (a statement's balance)
 * @param actualLockedMinor the source's locked balance
 * @param actualVersion the source's version, if it has one
 * @param differenceMinor actual total minus expected total, or {@code null} if a side is missing
 * @param sizeMinor the size the run ranks by ({@link io.tally.reconciler.Discrepancy}), 0 for an error
 * @param fix what the run did about it: {@code NONE} (a dry run, or nothing to fix),
 *     {@code CORRECTION_EMITTED}, {@code LEDGER_CORRECTION_REQUESTED}, {@code NOT_AUTO_FIXABLE}
 * @param message an error's message, a quarantined account's reason, or {@code null}
 */
public record DiscrepancyRow(String runId, String accountId, String status, String tier, String currency,
        Long expectedAvailableMinor, Long expectedLockedMinor, Long expectedVersion, Long actualAvailableMinor,
        Long actualLockedMinor, Long actualVersion, Long differenceMinor, long sizeMinor, String fix, String message) {

    /** The account id's UTF-8 bytes: the row's key, exact for any id. */
    public byte[] accountIdUtf8() {
        return accountId.getBytes(StandardCharsets.UTF_8);
    }

    /** The account id as {@code text} can hold it: itself, with any NUL shown as {@code \}{@code u0000}. */
    public String accountIdText() {
        return text(accountId);
    }

    /** {@link #currency}, as {@code text} can hold it. */
    public String currencyText() {
        return text(currency);
    }

    /** {@link #message}, as {@code text} can hold it. */
    public String messageText() {
        return text(message);
    }

    /** {@code value} with every NUL, which PostgreSQL {@code text} refuses (SQLSTATE 22021), as {@code \}{@code u0000}. */
    static String text(String value) {
        return value == null ? null : value.replace("\u0000", "\\u0000");
    }
}
