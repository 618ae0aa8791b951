package io.tally.core;

import java.util.Objects;

/**
 * What an upstream service asks the ledger to do to one account, in the imperative. A command is
 * decided by {@link Ledger#decide}; it carries no idempotency key or request id (those are in the
 * {@link RequestContext}), so two commands are equal exactly when they ask for the same thing.
 */
public sealed interface LedgerCommand permits LedgerCommand.OpenAccount, LedgerCommand.Credit, LedgerCommand.Charge,
        LedgerCommand.Correct, LedgerCommand.PlaceHold, LedgerCommand.CaptureHold, LedgerCommand.ReleaseHold,
        LedgerCommand.ExpireHold, LedgerCommand.RefundCharge, LedgerCommand.Transfer, LedgerCommand.ReceiveTransfer,
        LedgerCommand.ReturnTransfer {

    /** The account the command is decided against (the Kafka key of the request). */
    String accountId();

    /** Who may ask for a command, and so the only intake it may arrive through (DESIGN.md, Trust boundaries). */
    enum Origin {
        /** Upstream services: over HTTP or on the public request topic. */
        PUBLIC,
        /** An operator's tool, the reconciler: on the operator request topic only (a correction moves money unchecked). */
        OPERATOR,
        /** ledger-service itself: its internal transfer topic, or its own punctuators; never from outside. */
        INTERNAL
    }

    /** Who may ask for this command; each command says so itself, so a new one cannot default to public. */
    Origin origin();

    /**
     * The hold the command names (place, capture, release, expire), or {@code null}: the one hold
     * {@link Ledger#decide} may look at, so a caller that keeps holds apart loads just that one.
     */
    default String holdId() {
        return null;
    }

    /**
     * The charge the command names (a refund: the charge's event id), or {@code null}: the one charge
     * {@link Ledger#decide} may look at.
     */
    default String chargeId() {
        return null;
    }

    /**
     * The currency the command's amounts are in, which must be the account's (an opening: the currency
     * it opens the account in), or {@code null} for a command with no amount of its own (an expiry
     * releases what remains).
     */
    String currencyCode();

    /**
     * The other account the command pays (a transfer's payee, a paying capture's), or {@code null}: it
     * must not be the paying account itself.
     */
    default String payee() {
        return null;
    }

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

        @Override
        public String currencyCode() {
            return currency.code();
        }

        @Override
        public Origin origin() {
            return Origin.PUBLIC;
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

        @Override
        public Origin origin() {
            return Origin.PUBLIC;
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

        @Override
        public Origin origin() {
            return Origin.PUBLIC;
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

        @Override
        public Origin origin() {
            return Origin.OPERATOR;
        }
    }

    /**
     * Lock money under a hold: available -= amount, locked += amount (the seeds' "lock").
     *
     * @param holdId unique within the account
     * @param amountMinor positive, minor units; available may not go below the overdraft limit
     * @param expiresAtMs when the remainder is released automatically (stream time), epoch ms, or null
     */
    record PlaceHold(String accountId, String currencyCode, String holdId, long amountMinor, Long expiresAtMs)
            implements LedgerCommand {
        public PlaceHold {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currencyCode, "currencyCode");
            Objects.requireNonNull(holdId, "holdId");
        }

        @Override
        public Origin origin() {
            return Origin.PUBLIC;
        }
    }

    /**
     * Capture from a hold (the seeds' "unlock" that pays): locked -= amount; with a payee, the payee
     * is credited exactly once through the transfer topic.
     *
     * @param payeeAccountId the account paid, or {@code null} when the money leaves the ledger
     */
    record CaptureHold(String accountId, String currencyCode, String holdId, long amountMinor, String payeeAccountId)
            implements LedgerCommand {
        public CaptureHold {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currencyCode, "currencyCode");
            Objects.requireNonNull(holdId, "holdId");
        }

        @Override
        public String payee() {
            return payeeAccountId;
        }

        @Override
        public Origin origin() {
            return Origin.PUBLIC;
        }
    }

    /**
     * Release (refund) a hold: locked -= amount, available += amount.
     *
     * @param amountMinor the amount, or {@code null} for everything remaining
     */
    record ReleaseHold(String accountId, String currencyCode, String holdId, Long amountMinor) implements LedgerCommand {
        public ReleaseHold {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currencyCode, "currencyCode");
            Objects.requireNonNull(holdId, "holdId");
        }

        @Override
        public Origin origin() {
            return Origin.PUBLIC;
        }
    }

    /**
     * Release the remainder of a hold whose expiry stream time has passed; issued by ledger-service's
     * expiry punctuator, never by a client.
     *
     * @param nowMs the stream time that passed the expiry, epoch ms
     */
    record ExpireHold(String accountId, String holdId, long nowMs) implements LedgerCommand {
        public ExpireHold {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(holdId, "holdId");
        }

        /** None: an expiry releases what remains of the hold, in the account's currency. */
        @Override
        public String currencyCode() {
            return null;
        }

        @Override
        public Origin origin() {
            return Origin.INTERNAL;
        }
    }

    /**
     * Refund (part of) a charge: available += amount, bounded by what of it is not refunded yet.
     *
     * @param chargeId the event id of the charge ({@code accountId:version})
     */
    record RefundCharge(String accountId, String currencyCode, String chargeId, long amountMinor)
            implements LedgerCommand {
        public RefundCharge {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currencyCode, "currencyCode");
            Objects.requireNonNull(chargeId, "chargeId");
        }

        @Override
        public Origin origin() {
            return Origin.PUBLIC;
        }
    }

    /**
     * Move money to another account: the payer's side (available -= amount, overdraft limit applies)
     * is decided here; the payee's credit travels on the transfer topic.
     */
    record Transfer(String accountId, String currencyCode, String payeeAccountId, long amountMinor)
            implements LedgerCommand {
        public Transfer {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currencyCode, "currencyCode");
            Objects.requireNonNull(payeeAccountId, "payeeAccountId");
        }

        @Override
        public String payee() {
            return payeeAccountId;
        }

        @Override
        public Origin origin() {
            return Origin.PUBLIC;
        }
    }

    /**
     * The payee's side of a transfer or a paying capture (internal): available += amount; refused
     * for an unknown account or another currency, which returns the money to the payer.
     *
     * @param transferId the payer's event id that sent the money
     */
    record ReceiveTransfer(String accountId, String currencyCode, String transferId, String payerAccountId,
            long amountMinor) implements LedgerCommand {
        public ReceiveTransfer {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currencyCode, "currencyCode");
            Objects.requireNonNull(transferId, "transferId");
            Objects.requireNonNull(payerAccountId, "payerAccountId");
        }

        @Override
        public Origin origin() {
            return Origin.INTERNAL;
        }
    }

    /**
     * The compensation of a refused payee side (internal): the payer gets the amount back,
     * available += amount, with no check but overflow.
     *
     * @param reason the payee's rejection code
     */
    record ReturnTransfer(String accountId, String currencyCode, String transferId, String payeeAccountId,
            long amountMinor, String reason) implements LedgerCommand {
        public ReturnTransfer {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currencyCode, "currencyCode");
            Objects.requireNonNull(transferId, "transferId");
            Objects.requireNonNull(payeeAccountId, "payeeAccountId");
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public Origin origin() {
            return Origin.INTERNAL;
        }
    }
}
