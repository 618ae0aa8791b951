package io.tally.schemas.codec;

import io.tally.avro.LedgerRequest;
import io.tally.avro.RequestType;
import io.tally.core.BalanceField;
import io.tally.core.Currency;
import io.tally.core.Ids;
import io.tally.core.LedgerCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
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
    private static final ThreadLocal<Hasher> HASHER = ThreadLocal.withInitial(Hasher::new);
    private static final int FIELD_COUNT = LedgerRequest.getClassSchema().getFields().size();

    private RequestCodec() {}

    /** The result of reading a request. */
    public sealed interface Parsed permits Valid, Invalid {}

    /** A well-formed request and the command it asks for. */
    public record Valid(LedgerCommand command) implements Parsed {}

    /**
     * A malformed request.
     *
     * @param field the offending field
     * @param reason what is wrong with it, for the DLQ header and the result message; quotes a bad
     *     value only through {@link Ids#printable}
     * @param badId whether the field is an id that breaks the id grammar ({@link Ids}), rather than a
     *     field missing or out of range
     */
    public record Invalid(String field, String reason, boolean badId) implements Parsed {
        /** A field missing or out of range. */
        public Invalid(String field, String reason) {
            this(field, reason, false);
        }

        /** {@code field: reason}. */
        public String describe() {
            return field + ": " + reason;
        }
    }

    /**
     * Who may send a request of {@code type} (the command it reads into says the same,
     * {@link LedgerCommand#origin()}; a test holds the two together). {@code UNKNOWN} is public: a
     * newer sender's type, refused as invalid wherever it comes from.
     */
    public static LedgerCommand.Origin originOf(RequestType type) {
        return switch (type) {
            case CORRECT -> LedgerCommand.Origin.OPERATOR;
            case RECEIVE_TRANSFER, RETURN_TRANSFER -> LedgerCommand.Origin.INTERNAL;
            case OPEN_ACCOUNT, CREDIT, CHARGE, PLACE_HOLD, CAPTURE_HOLD, RELEASE_HOLD, REFUND_CHARGE, TRANSFER, UNKNOWN ->
                    LedgerCommand.Origin.PUBLIC;
        };
    }

    /**
     * Reads {@code request} into a command, or says which field is wrong: every id by the one id
     * grammar ({@link Ids}: names for accounts and holds, keys for request ids and idempotency keys,
     * event ids for charges and transfers), the currency code, free text by
     * {@link io.tally.core.FreeText}, then what the type needs; the first problem found wins.
     */
    public static Parsed toCommand(LedgerRequest request) {
        return CommandReader.read(request);
    }

    /**
     * SHA-256 of everything a request asks for, leaving out {@code requestId} and
     * {@code requestedAtMs}: a retry of the same request with a new request id hashes the same, a
     * different request under the same idempotency key does not.
     */
    public static byte[] requestHash(LedgerRequest request) {
        Hasher hasher = HASHER.get();
        // A shallow copy by field position (a builder's copy is deep, and cost more than the write).
        LedgerRequest canonical = new LedgerRequest();
        for (int i = 0; i < FIELD_COUNT; i++) {
            canonical.put(i, request.get(i));
        }
        canonical.setRequestId("");
        canonical.setRequestedAtMs(0);
        try {
            hasher.out.reset();
            hasher.encoder = EncoderFactory.get().directBinaryEncoder(hasher.out, hasher.encoder);
            hasher.writer.write(canonical, hasher.encoder);
            hasher.encoder.flush();
            return hasher.sha256.digest(hasher.out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@link #requestHash} reuses on one thread: writer, buffer, encoder, digest. */
    private static final class Hasher {
        private final SpecificDatumWriter<LedgerRequest> writer;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        private final MessageDigest sha256;
        private BinaryEncoder encoder;

        Hasher() {
            // The generated class's own encoder: the same bytes as the generic path, at a fraction of the cost.
            SpecificData model = new SpecificData(LedgerRequest.class.getClassLoader());
            model.setCustomCoders(true);
            writer = new SpecificDatumWriter<>(LedgerRequest.getClassSchema(), model);
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new AssertionError("every JVM has SHA-256", e);
            }
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

    /** A request to place hold {@code holdId} of {@code amountMinor}, expiring at {@code expiresAtMs} (or never: null). */
    public static LedgerRequest placeHold(String requestId, String idempotencyKey, String accountId, String currency,
            String holdId, long amountMinor, Long expiresAtMs, long requestedAtMs) {
        return base(requestId, idempotencyKey, accountId, RequestType.PLACE_HOLD, currency, requestedAtMs)
                .setHoldId(holdId).setAmountMinor(amountMinor).setExpiresAtMs(expiresAtMs).build();
    }

    /** A request to capture {@code amountMinor} from hold {@code holdId}, paying {@code payeeAccountId} (or nobody: null). */
    public static LedgerRequest captureHold(String requestId, String idempotencyKey, String accountId, String currency,
            String holdId, long amountMinor, String payeeAccountId, long requestedAtMs) {
        return base(requestId, idempotencyKey, accountId, RequestType.CAPTURE_HOLD, currency, requestedAtMs)
                .setHoldId(holdId).setAmountMinor(amountMinor).setPayeeAccountId(payeeAccountId).build();
    }

    /** A request to release {@code amountMinor} (null: everything remaining) of hold {@code holdId}. */
    public static LedgerRequest releaseHold(String requestId, String idempotencyKey, String accountId, String currency,
            String holdId, Long amountMinor, long requestedAtMs) {
        return base(requestId, idempotencyKey, accountId, RequestType.RELEASE_HOLD, currency, requestedAtMs)
                .setHoldId(holdId).setAmountMinor(amountMinor).build();
    }

    /** A request to refund {@code amountMinor} of charge {@code chargeId} (its event id). */
    public static LedgerRequest refundCharge(String requestId, String idempotencyKey, String accountId, String currency,
            String chargeId, long amountMinor, long requestedAtMs) {
        return base(requestId, idempotencyKey, accountId, RequestType.REFUND_CHARGE, currency, requestedAtMs)
                .setChargeId(chargeId).setAmountMinor(amountMinor).build();
    }

    /** A request to move {@code amountMinor} from {@code accountId} to {@code payeeAccountId}. */
    public static LedgerRequest transfer(String requestId, String idempotencyKey, String accountId, String currency,
            String payeeAccountId, long amountMinor, long requestedAtMs) {
        return base(requestId, idempotencyKey, accountId, RequestType.TRANSFER, currency, requestedAtMs)
                .setPayeeAccountId(payeeAccountId).setAmountMinor(amountMinor).build();
    }

    /**
     * The payee's side of transfer {@code transferId} (internal, on the transfer topic); its request
     * and idempotency key derive from the transfer id, so a redelivery is recognised.
     */
    public static LedgerRequest receiveTransfer(String transferId, String payeeAccountId, String currency,
            String payerAccountId, long amountMinor, long requestedAtMs) {
        return base("receive:" + transferId, "receive:" + transferId, payeeAccountId, RequestType.RECEIVE_TRANSFER,
                currency, requestedAtMs).setTransferId(transferId).setCounterpartyAccountId(payerAccountId)
                .setAmountMinor(amountMinor).build();
    }

    /** The payer's compensation when the payee refused transfer {@code transferId} (internal). */
    public static LedgerRequest returnTransfer(String transferId, String payerAccountId, String currency,
            String payeeAccountId, long amountMinor, String reason, long requestedAtMs) {
        return base("return:" + transferId, "return:" + transferId, payerAccountId, RequestType.RETURN_TRANSFER,
                currency, requestedAtMs).setTransferId(transferId).setCounterpartyAccountId(payeeAccountId)
                .setAmountMinor(amountMinor).setReason(reason).build();
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
}
