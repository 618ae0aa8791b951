package io.tally.demo.berka;

import java.time.LocalDate;
import java.util.Objects;

/**
 * One row of the Berka {@code trans.asc} file, with amounts in exact minor units (CZK, scale 2).
 *
 * @param lineNumber 1-based line in the file (the header is line 1)
 * @param transId the bank's transaction id, unique in the file (the idempotency key)
 * @param accountId the bank's account id
 * @param date the booking date
 * @param credit true for {@code PRIJEM} (money in), false for {@code VYDAJ}/{@code VYBER} (money out)
 * @param amountMinor the amount, {@code >= 0}, minor units
 * @param balanceMinor the bank's own running balance after the row, minor units (may be negative)
 * @param kSymbol the bank's characterization ({@code UROK} interest, {@code SIPO} household, ...), or ""
 */
public record BankTransaction(
        int lineNumber, String transId, String accountId, LocalDate date, boolean credit, long amountMinor,
        long balanceMinor, String kSymbol) {
    public BankTransaction {
        Objects.requireNonNull(transId, "transId");
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(date, "date");
    }

    /** The amount with its direction: positive for a credit, negative for a debit. */
    public long signedAmountMinor() {
        return credit ? amountMinor : -amountMinor;
    }
}
