package io.tally.schemas.codec;

import io.tally.avro.LedgerRequest;
import io.tally.avro.RequestType;
import io.tally.core.BalanceField;
import io.tally.core.Currency;
import io.tally.core.FreeText;
import io.tally.core.Ids;
import io.tally.core.LedgerCommand;
import io.tally.schemas.codec.RequestCodec.Invalid;
import io.tally.schemas.codec.RequestCodec.Parsed;
import io.tally.schemas.codec.RequestCodec.Valid;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads a {@link LedgerRequest} from the wire into the core's {@link LedgerCommand}, or says which
 * field is wrong ({@link RequestCodec#toCommand}). In order, the first problem found wins: every id by
 * the one id grammar ({@link Ids}), the currency code, free text ({@link FreeText}), then the fields
 * the request's type needs.
 *
 * <p>Thread-safe: stateless.
 */
final class CommandReader {
    private CommandReader() {}

    /** The command {@code request} asks for, or its first malformed field. */
    static Parsed read(LedgerRequest request) {
        Invalid invalid = firstBadId(request);
        if (invalid == null) {
            invalid = badCurrencyOrText(request);
        }
        return invalid != null ? invalid : byType(request);
    }

    private static Parsed byType(LedgerRequest request) {
        return switch (request.getType()) {
            case OPEN_ACCOUNT -> openAccount(request);
            case CREDIT, CHARGE -> movement(request);
            case PLACE_HOLD, CAPTURE_HOLD, RELEASE_HOLD -> hold(request);
            case REFUND_CHARGE -> refund(request);
            case TRANSFER -> transfer(request);
            case RECEIVE_TRANSFER, RETURN_TRANSFER -> otherSide(request);
            case CORRECT -> correction(request);
            case UNKNOWN -> new Invalid("type", "unknown request type (written by a newer sender?)");
        };
    }

    private static Parsed openAccount(LedgerRequest request) {
        Integer scale = request.getScale();
        if (scale == null || scale < 0 || scale > Currency.MAX_SCALE) {
            return new Invalid("scale", "OPEN_ACCOUNT needs a scale of 0.." + Currency.MAX_SCALE + ", was " + scale);
        }
        long overdraft = request.getOverdraftLimitMinor() == null ? 0 : request.getOverdraftLimitMinor();
        return new Valid(new LedgerCommand.OpenAccount(request.getAccountId(),
                new Currency(request.getCurrency(), scale), overdraft));
    }

    /** A credit or a charge. */
    private static Parsed movement(LedgerRequest request) {
        Long amount = request.getAmountMinor();
        if (amount == null) {
            return needsAmount(request.getType());
        }
        return new Valid(request.getType() == RequestType.CREDIT
                ? new LedgerCommand.Credit(request.getAccountId(), request.getCurrency(), amount)
                : new LedgerCommand.Charge(request.getAccountId(), request.getCurrency(), amount));
    }

    /** A placement, capture or release of a hold. */
    private static Parsed hold(LedgerRequest request) {
        RequestType type = request.getType();
        if (isBlank(request.getHoldId())) {
            return new Invalid("holdId", type + " needs a hold id");
        }
        if (request.getExpiresAtMs() != null && request.getExpiresAtMs() < 0) {
            return new Invalid("expiresAtMs", "must be an epoch millisecond time, was " + request.getExpiresAtMs());
        }
        if (type != RequestType.RELEASE_HOLD && request.getAmountMinor() == null) {
            return needsAmount(type);
        }
        String account = request.getAccountId();
        String currency = request.getCurrency();
        return new Valid(switch (type) {
            case PLACE_HOLD -> new LedgerCommand.PlaceHold(account, currency, request.getHoldId(),
                    request.getAmountMinor(), request.getExpiresAtMs());
            case CAPTURE_HOLD -> new LedgerCommand.CaptureHold(account, currency, request.getHoldId(),
                    request.getAmountMinor(), request.getPayeeAccountId());
            default -> new LedgerCommand.ReleaseHold(account, currency, request.getHoldId(), request.getAmountMinor());
        });
    }

    private static Parsed refund(LedgerRequest request) {
        if (isBlank(request.getChargeId())) {
            return new Invalid("chargeId", "REFUND_CHARGE needs the charge's event id");
        }
        if (request.getAmountMinor() == null) {
            return needsAmount(request.getType());
        }
        return new Valid(new LedgerCommand.RefundCharge(request.getAccountId(), request.getCurrency(),
                request.getChargeId(), request.getAmountMinor()));
    }

    private static Parsed transfer(LedgerRequest request) {
        if (isBlank(request.getPayeeAccountId())) {
            return new Invalid("payeeAccountId", "TRANSFER needs a payee account");
        }
        if (request.getAmountMinor() == null) {
            return needsAmount(request.getType());
        }
        return new Valid(new LedgerCommand.Transfer(request.getAccountId(), request.getCurrency(),
                request.getPayeeAccountId(), request.getAmountMinor()));
    }

    /** The payee's side of money between accounts, or its return to the payer (internal). */
    private static Parsed otherSide(LedgerRequest request) {
        RequestType type = request.getType();
        if (isBlank(request.getTransferId()) || isBlank(request.getCounterpartyAccountId())
                || request.getAmountMinor() == null) {
            return new Invalid("transferId", type + " needs transferId, counterpartyAccountId and amountMinor");
        }
        return new Valid(type == RequestType.RECEIVE_TRANSFER
                ? new LedgerCommand.ReceiveTransfer(request.getAccountId(), request.getCurrency(),
                        request.getTransferId(), request.getCounterpartyAccountId(), request.getAmountMinor())
                : new LedgerCommand.ReturnTransfer(request.getAccountId(), request.getCurrency(),
                        request.getTransferId(), request.getCounterpartyAccountId(), request.getAmountMinor(),
                        request.getReason() == null ? "" : request.getReason()));
    }

    private static Parsed correction(LedgerRequest request) {
        Long delta = request.getDeltaMinor();
        if (delta == null) {
            return new Invalid("deltaMinor", "CORRECT needs a signed delta in minor units");
        }
        BalanceField field = RequestCodec.balanceField(request.getBalanceField());
        if (field == null) {
            return new Invalid("balanceField", "CORRECT needs AVAILABLE or LOCKED, was '" + request.getBalanceField() + "'");
        }
        if (request.getRunId() == null || request.getRunId().isBlank()) {
            return new Invalid("runId", "CORRECT needs the reconciliation run id");
        }
        return new Valid(new LedgerCommand.Correct(request.getAccountId(), request.getCurrency(), field, delta,
                request.getRunId(), request.getReason() == null ? "" : request.getReason()));
    }

    private static Invalid needsAmount(RequestType type) {
        return new Invalid("amountMinor", type + " needs an amount in minor units");
    }

    /** The currency code's form, then the reference's and the reason's, by the free-text rule. */
    private static Invalid badCurrencyOrText(LedgerRequest request) {
        if (!Currency.isValidCode(request.getCurrency())) {
            return new Invalid("currency", "must be 1-12 upper-case letters or digits, was '"
                    + Ids.printable(request.getCurrency()) + "'");
        }
        Optional<String> text = FreeText.problem(request.getReference());
        if (text.isPresent()) {
            return new Invalid("reference", text.get());
        }
        text = FreeText.problem(request.getReason());
        return text.map(problem -> new Invalid("reason", problem)).orElse(null);
    }

    /** The first id of {@code request} that breaks the grammar, or {@code null}. Absent optional ids pass. */
    private static Invalid firstBadId(LedgerRequest request) {
        Invalid bad = check("requestId", Ids.keyProblem(request.getRequestId()));
        bad = bad != null ? bad : check("idempotencyKey", Ids.keyProblem(request.getIdempotencyKey()));
        bad = bad != null ? bad : check("accountId", Ids.nameProblem(request.getAccountId()));
        bad = bad != null ? bad : optional("holdId", request.getHoldId(), Ids::nameProblem);
        bad = bad != null ? bad : optional("payeeAccountId", request.getPayeeAccountId(), Ids::nameProblem);
        bad = bad != null ? bad : optional("counterpartyAccountId", request.getCounterpartyAccountId(), Ids::nameProblem);
        bad = bad != null ? bad : optional("chargeId", request.getChargeId(), Ids::eventIdProblem);
        bad = bad != null ? bad : optional("transferId", request.getTransferId(), Ids::eventIdProblem);
        return bad != null ? bad : optional("runId", request.getRunId(), Ids::keyProblem);
    }

    private static Invalid optional(String field, String value, Function<String, Optional<String>> grammar) {
        return value == null ? null : check(field, grammar.apply(value));
    }

    private static Invalid check(String field, Optional<String> problem) {
        return problem.map(p -> new Invalid(field, p, true)).orElse(null);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
