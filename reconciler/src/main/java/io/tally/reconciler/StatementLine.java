package io.tally.reconciler;

import io.tally.core.Currency;
import java.util.Objects;

/**
 * One account's balance on an external statement (a bank's or a payment provider's snapshot, a
 * chain's balance): a single total, no available/locked split and no version.
 *
 * @param accountId the account, not empty
 * @param balanceMinor the balance, minor units of {@code currencyCode}
 * @param currencyCode the currency, or {@code null} when the statement does not say (the
 *     projection's currency is then assumed)
 * @param asOfMs the instant the balance is stated at, epoch milliseconds
 * @throws IllegalArgumentException if the id is empty or the currency code malformed
 */
public record StatementLine(String accountId, long balanceMinor, String currencyCode, long asOfMs) {
    public StatementLine {
        Objects.requireNonNull(accountId, "accountId");
        if (accountId.isEmpty()) {
            throw new IllegalArgumentException("account id is empty");
        }
        if (currencyCode != null && !Currency.isValidCode(currencyCode)) {
            throw new IllegalArgumentException("not a currency code: '" + currencyCode + "'");
        }
    }
}
