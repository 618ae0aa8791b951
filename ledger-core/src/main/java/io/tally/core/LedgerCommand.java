package io.tally.core;

import java.util.Objects;

/**
 * What an upstream service asks the ledger to do to one account, in the imperative. A command is
 * decided by {@link Ledger#decide}; it carries no idempotency key or request id (those are in the
 * {@link RequestContext}), so two commands are equal exactly when they ask for the same thing.
 */
public sealed interface LedgerCommand permits LedgerCommand.OpenAccount, LedgerCommand.Credit, LedgerCommand.Charge,
        LedgerCommand.Correct {

    /** The account the command is decided against (the Kafka key of the request). */
    String accountId();

    /**
     * Open an account.
     *
     * @param overdraftLimitMinor how far below zero {@code available} may go, minor units, {@code >= 0}
     */
    record OpenAccount(String accountId, Currency currency, long overdraftLimitMinor) implements LedgerCommand {
        public OpenAccount {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currency, "currency");
        }
    }

    /**
     * Add money to available (deposit, top-up, interest).
     *
     * @param currencyCode must be the account's currency
     * @param amountMinor positive, minor units
     */
    record Credit(String accountId, String currencyCode, long amountMinor) implements LedgerCommand {
        public Credit {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currencyCode, "currencyCode");
        }
    }

    /**
     * Take money from available, down to the overdraft limit at most.
     *
     * @param currencyCode must be the account's currency
     * @param amountMinor positive, minor units
     */
    record Charge(String accountId, String currencyCode, long amountMinor) implements LedgerCommand {
        public Charge {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currencyCode, "currencyCode");
        }
    }

    /**
     * An adjusting entry found necessary by a reconciliation run (DESIGN.md, Operations: correction):
     * moves available or locked by a signed delta. No overdraft check: a correction records what is
     * true, it is not a spend; locked may not go below zero.
     *
     * @param currencyCode must be the account's currency
     * @param field which balance to adjust
     * @param deltaMinor signed, non-zero, minor units
     * @param runId the reconciliation run that asked for it
     * @param reason why, for the audit trail
     */
    record Correct(String accountId, String currencyCode, BalanceField field, long deltaMinor, String runId,
            String reason) implements LedgerCommand {
        public Correct {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currencyCode, "currencyCode");
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(runId, "runId");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
