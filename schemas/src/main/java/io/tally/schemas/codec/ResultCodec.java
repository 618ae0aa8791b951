package io.tally.schemas.codec;

import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.avro.ResultStatus;
import io.tally.core.LedgerEvent;
import io.tally.core.RejectionCode;
import java.util.List;

/**
 * Builds the {@code ledger.results} records of decided requests.
 *
 * <p>Thread-safe: stateless.
 */
public final class ResultCodec {
    private ResultCodec() {}

    /** The outcome of an accepted request: its events' ids and the account's version and balances after. */
    public static LedgerResult accepted(LedgerRequest request, List<LedgerEvent> events, long decidedAtMs) {
        LedgerEvent last = events.get(events.size() - 1);
        return base(request, ResultStatus.ACCEPTED, decidedAtMs)
                .setEventIds(events.stream().map(e -> e.header().eventId()).toList())
                .setVersion(last.header().version())
                .setAvailableAfterMinor(last.balanceAfter().availableMinor())
                .setLockedAfterMinor(last.balanceAfter().lockedMinor())
                .build();
    }

    /** The outcome of a rejected request. */
    public static LedgerResult rejected(LedgerRequest request, RejectionCode code, String message, long decidedAtMs) {
        return base(request, ResultStatus.REJECTED, decidedAtMs)
                .setRejectionCode(code.name()).setMessage(message).build();
    }

    /**
     * The stored outcome of the first request with this idempotency key, re-addressed to a retry:
     * same status, events and balances, the retry's request id, and {@code replayed = true}.
     */
    public static LedgerResult replayed(LedgerResult original, LedgerRequest retry) {
        return LedgerResult.newBuilder(original).setRequestId(retry.getRequestId()).setReplayed(true).build();
    }

    private static LedgerResult.Builder base(LedgerRequest request, ResultStatus status, long decidedAtMs) {
        return LedgerResult.newBuilder().setRequestId(request.getRequestId())
                .setIdempotencyKey(request.getIdempotencyKey()).setAccountId(request.getAccountId())
                .setStatus(status).setDecidedAtMs(decidedAtMs);
    }
}
