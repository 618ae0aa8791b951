package io.tally.ledger.http;

import io.tally.avro.LedgerRequest;
import io.tally.core.Currency;
import io.tally.core.Ids;
import io.tally.schemas.codec.RequestCodec;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What each write endpoint of {@link LedgerHttpApi} reads from its path and body, and the request it
 * builds of it. Each reader reads every field its endpoint takes before it judges any, so that every
 * field error is reported at once and a member it does not take is one too ({@link RequestBodies}).
 *
 * <p>Thread-safe: stateless.
 */
final class WriteRequests {
    private WriteRequests() {}

    /**
     * Every write endpoint, all {@code POST}: {@link LedgerHttpApi} serves each, and a batch item
     * ({@link BatchWrites}) names one by its path.
     */
    static final List<Route> ROUTES = List.of(
            new Route("/v1/accounts", WriteRequests::openAccount),
            new Route("/v1/accounts/{accountId}/credits", WriteRequests::credit),
            new Route("/v1/accounts/{accountId}/charges", WriteRequests::charge),
            new Route("/v1/accounts/{accountId}/holds", WriteRequests::placeHold),
            new Route("/v1/holds/{holdId}/captures", WriteRequests::captureHold),
            new Route("/v1/holds/{holdId}/releases", WriteRequests::releaseHold),
            new Route("/v1/charges/{chargeId}/refunds", WriteRequests::refundCharge),
            new Route("/v1/transfers", WriteRequests::transfer));

    /** A write endpoint's path template ({@code {name}} segments are parameters) and its reader. */
    record Route(String template, Reader reader) {
        /** {@code path}'s parameters by name (decoded) if it matches, empty if not; throws IllegalArgumentException for a bad escape. */
        Optional<Map<String, String>> match(String path) {
            String[] want = template.split("/", -1);
            String[] have = path.split("/", -1);
            if (want.length != have.length) {
                return Optional.empty();
            }
            Map<String, String> params = new HashMap<>();
            for (int i = 0; i < want.length; i++) {
                if (want[i].startsWith("{")) {
                    params.put(want[i].substring(1, want[i].length() - 1), decode(have[i]));
                } else if (!want[i].equals(have[i])) {
                    return Optional.empty();
                }
            }
            return Optional.of(params);
        }

        /** A path segment's percent-escapes decoded as UTF-8; {@code +} is itself, as in a path. */
        private static String decode(String segment) {
            return segment.indexOf('%') < 0 ? segment
                    : URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        }
    }

    /** The request of one write endpoint. */
    @FunctionalInterface
    interface Reader {
        /**
         * The request, or {@code null} when {@code body} has errors (they are in it).
         *
         * @param requestId the id this request gets (the outcome is awaited under it)
         * @param idempotencyKey the {@code Idempotency-Key} header, or {@code null} after an error
         * @param nowMs the request time, epoch milliseconds
         */
        LedgerRequest read(RequestBodies body, String requestId, String idempotencyKey, long nowMs);
    }

    /** How a credit or a charge is built: the same fields, another type. */
    @FunctionalInterface
    private interface Movement {
        LedgerRequest build(String requestId, String idempotencyKey, String accountId, String currency,
                long amountMinor, long requestedAtMs, String reference);
    }

    /** {@code POST /v1/accounts}: account id, currency, scale (0 to {@value Currency#MAX_SCALE}), overdraft limit. */
    static LedgerRequest openAccount(RequestBodies b, String requestId, String key, long nowMs) {
        String account = b.name("accountId", true);
        String currency = b.currency();
        Long scale = b.minor("scale", true);
        Long overdraft = b.minor("overdraftLimitMinor", false);
        if (scale != null && (scale < 0 || scale > Currency.MAX_SCALE)) {
            b.refuse("scale", "must be 0.." + Currency.MAX_SCALE);
        }
        if (!b.valid()) {
            return null;
        }
        return RequestCodec.openAccount(requestId, key, account, new Currency(currency, scale.intValue()),
                overdraft == null ? 0 : overdraft, nowMs);
    }

    /** {@code POST /v1/accounts/{accountId}/credits}: amount, currency, optional reference. */
    static LedgerRequest credit(RequestBodies b, String requestId, String key, long nowMs) {
        return movement(b, requestId, key, nowMs, RequestCodec::credit);
    }

    /** {@code POST /v1/accounts/{accountId}/charges}: amount, currency, optional reference. */
    static LedgerRequest charge(RequestBodies b, String requestId, String key, long nowMs) {
        return movement(b, requestId, key, nowMs, RequestCodec::charge);
    }

    /** {@code POST /v1/accounts/{accountId}/holds}: hold id, amount, currency, optional expiry. */
    static LedgerRequest placeHold(RequestBodies b, String requestId, String key, long nowMs) {
        String account = b.pathName("accountId");
        String holdId = b.name("holdId", true);
        Long amount = b.minor("amountMinor", true);
        String currency = b.currency();
        Long expiresAtMs = b.instantMs("expiresAt");
        return b.valid() ? RequestCodec.placeHold(requestId, key, account, currency, holdId, amount, expiresAtMs, nowMs)
                : null;
    }

    /** {@code POST /v1/holds/{holdId}/captures}: account, amount, currency, optional payee. */
    static LedgerRequest captureHold(RequestBodies b, String requestId, String key, long nowMs) {
        String holdId = b.pathName("holdId");
        String account = b.name("accountId", true);
        Long amount = b.minor("amountMinor", true);
        String currency = b.currency();
        String payee = b.name("payeeAccountId", false);
        return b.valid() ? RequestCodec.captureHold(requestId, key, account, currency, holdId, amount, payee, nowMs)
                : null;
    }

    /** {@code POST /v1/holds/{holdId}/releases}: account, currency, optional amount (default: the remainder). */
    static LedgerRequest releaseHold(RequestBodies b, String requestId, String key, long nowMs) {
        String holdId = b.pathName("holdId");
        String account = b.name("accountId", true);
        Long amount = b.minor("amountMinor", false);
        String currency = b.currency();
        return b.valid() ? RequestCodec.releaseHold(requestId, key, account, currency, holdId, amount, nowMs) : null;
    }

    /** {@code POST /v1/charges/{chargeId}/refunds}: amount, currency; the account is the charge id's. */
    static LedgerRequest refundCharge(RequestBodies b, String requestId, String key, long nowMs) {
        String chargeId = b.pathEventId("chargeId");
        Long amount = b.minor("amountMinor", true);
        String currency = b.currency();
        return b.valid() ? RequestCodec.refundCharge(requestId, key, Ids.accountOfEventId(chargeId), currency, chargeId,
                amount, nowMs) : null;
    }

    /** {@code POST /v1/transfers}: from and to accounts, amount, currency. */
    static LedgerRequest transfer(RequestBodies b, String requestId, String key, long nowMs) {
        String from = b.name("fromAccountId", true);
        String to = b.name("toAccountId", true);
        Long amount = b.minor("amountMinor", true);
        String currency = b.currency();
        return b.valid() ? RequestCodec.transfer(requestId, key, from, currency, to, amount, nowMs) : null;
    }

    private static LedgerRequest movement(RequestBodies b, String requestId, String key, long nowMs, Movement type) {
        String account = b.pathName("accountId");
        Long amount = b.minor("amountMinor", true);
        String currency = b.currency();
        String reference = b.reference();
        return b.valid() ? type.build(requestId, key, account, currency, amount, nowMs, reference) : null;
    }
}
