package io.tally.schemas.codec;

import io.tally.avro.LedgerRequest;
import io.tally.avro.RequestType;
import io.tally.core.BalanceField;
import io.tally.core.Currency;
import io.tally.core.LedgerCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Maps a {@link LedgerRequest} from the wire to the core's {@link LedgerCommand}, and builds
 * requests for senders. Structural problems (a missing field for the type, an unknown type, a blank
 * id) make a request {@link Invalid}: it goes to the dead-letter topic, never to decide. Business
 * problems (a zero amount, an unknown account) are decided by the core and rejected with a code.
 *
 * <p>Thread-safe: stateless.
 */
public final class RequestCodec {
    /** Built once per thread: a writer resolves the schema when made, which costs more than a write. */
    private static final ThreadLocal<SpecificDatumWriter<LedgerRequest>> HASH_WRITER =
            ThreadLocal.withInitial(() -> new SpecificDatumWriter<>(LedgerRequest.class));

    private RequestCodec() {}

    /** The result of reading a request. */
    public sealed interface Parsed permits Valid, Invalid {}

    /** A well-formed request and the command it asks for. */
    public record Valid(LedgerCommand command) implements Parsed {}

    /**
     * A malformed request.
     *
     * @param field the offending field
     * @param reason what is wrong with it, for the DLQ header and the result message
     */
    public record Invalid(String field, String reason) implements Parsed {
        /** {@code field: reason}. */
        public String describe() {
            return field + ": " + reason;
        }
    }

    /** Reads {@code request} into a command, or says which field is wrong. */
    public static Parsed toCommand(LedgerRequest request) {
        if (isBlank(request.getRequestId())) {
            return new Invalid("requestId", "must not be blank");
        }
        if (isBlank(request.getIdempotencyKey())) {
            return new Invalid("idempotencyKey", "must not be blank");
        }
        if (isBlank(request.getAccountId())) {
            return new Invalid("accountId", "must not be blank");
        }
        if (!Currency.isValidCode(request.getCurrency())) {
            return new Invalid("currency", "must be 1-12 upper-case letters or digits, was '" + request.getCurrency() + "'");
        }
        RequestType type = request.getType();
        switch (type) {
            case OPEN_ACCOUNT: {
                Integer scale = request.getScale();
                if (scale == null || scale < 0 || scale > Currency.MAX_SCALE) {
                    return new Invalid("scale", "OPEN_ACCOUNT needs a scale of 0.." + Currency.MAX_SCALE + ", was " + scale);
                }
                long overdraft = request.getOverdraftLimitMinor() == null ? 0 : request.getOverdraftLimitMinor();
                return new Valid(new LedgerCommand.OpenAccount(request.getAccountId(),
                        new Currency(request.getCurrency(), scale), overdraft));
            }
            case CREDIT:
            case CHARGE: {
                Long amount = request.getAmountMinor();
                if (amount == null) {
                    return new Invalid("amountMinor", type + " needs an amount in minor units");
                }
                return new Valid(type == RequestType.CREDIT
                        ? new LedgerCommand.Credit(request.getAccountId(), request.getCurrency(), amount)
                        : new LedgerCommand.Charge(request.getAccountId(), request.getCurrency(), amount));
            }
            case CORRECT: {
                Long delta = request.getDeltaMinor();
                if (delta == null) {
                    return new Invalid("deltaMinor", "CORRECT needs a signed delta in minor units");
                }
                BalanceField field = balanceField(request.getBalanceField());
                if (field == null) {
                    return new Invalid("balanceField", "CORRECT needs AVAILABLE or LOCKED, was '" + request.getBalanceField() + "'");
                }
                if (request.getRunId() == null || request.getRunId().isBlank()) {
                    return new Invalid("runId", "CORRECT needs the reconciliation run id");
                }
                return new Valid(new LedgerCommand.Correct(request.getAccountId(), request.getCurrency(), field, delta,
                        request.getRunId(), request.getReason() == null ? "" : request.getReason()));
            }
            case UNKNOWN:
            default:
                return new Invalid("type", "unknown request type (written by a newer sender?)");
        }
    }

    /**
     * SHA-256 of everything a request asks for, leaving out {@code requestId} and
     * {@code requestedAtMs}: a retry of the same request with a new request id hashes the same, a
     * different request under the same idempotency key does not.
     */
    public static byte[] requestHash(LedgerRequest request) {
        LedgerRequest canonical = LedgerRequest.newBuilder(request).setRequestId("").setRequestedAtMs(0).build();
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(128);
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            HASH_WRITER.get().write(canonical, encoder);
            encoder.flush();
            return MessageDigest.getInstance("SHA-256").digest(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }

    /** A request to open {@code accountId} in {@code currency} with an overdraft limit (minor units). */
    public static LedgerRequest openAccount(String requestId, String idempotencyKey, String accountId, Currency currency,
            long overdraftLimitMinor, long requestedAtMs) {
        return base(requestId, idempotencyKey, accountId, RequestType.OPEN_ACCOUNT, currency.code(), requestedAtMs)
                .setScale(currency.scale()).setOverdraftLimitMinor(overdraftLimitMinor).build();
    }

    /** A request to credit {@code amountMinor} to {@code accountId}. */
    public static LedgerRequest credit(String requestId, String idempotencyKey, String accountId, String currency,
            long amountMinor, long requestedAtMs, String reference) {
        return base(requestId, idempotencyKey, accountId, RequestType.CREDIT, currency, requestedAtMs)
                .setAmountMinor(amountMinor).setReference(reference).build();
    }

    /** A request to charge {@code amountMinor} from {@code accountId}. */
    public static LedgerRequest charge(String requestId, String idempotencyKey, String accountId, String currency,
            long amountMinor, long requestedAtMs, String reference) {
        return base(requestId, idempotencyKey, accountId, RequestType.CHARGE, currency, requestedAtMs)
                .setAmountMinor(amountMinor).setReference(reference).build();
    }

    /**
     * A request to correct {@code accountId}'s available or locked balance by a signed delta, on
     * behalf of a reconciliation run (DESIGN.md, Stored caches and reconciliation).
     */
    public static LedgerRequest correct(String requestId, String idempotencyKey, String accountId, String currency,
            BalanceField field, long deltaMinor, String runId, String reason, long requestedAtMs) {
        return base(requestId, idempotencyKey, accountId, RequestType.CORRECT, currency, requestedAtMs)
                .setBalanceField(field.name()).setDeltaMinor(deltaMinor).setRunId(runId).setReason(reason).build();
    }

    /** The field named by {@code text}, or {@code null} if it names none. */
    static BalanceField balanceField(String text) {
        for (BalanceField f : BalanceField.values()) {
            if (f.name().equals(text)) {
                return f;
            }
        }
        return null;
    }

    private static LedgerRequest.Builder base(String requestId, String idempotencyKey, String accountId, RequestType type,
            String currency, long requestedAtMs) {
        return LedgerRequest.newBuilder().setRequestId(requestId).setIdempotencyKey(idempotencyKey)
                .setAccountId(accountId).setType(type).setCurrency(currency).setRequestedAtMs(requestedAtMs);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
