package io.tally.client;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * One write of ledger-service's HTTP API ({@code POST}, DESIGN.md, HTTP (ledger-service)): its path and its JSON
 * body, exactly as {@code ledger-service/.../http/WriteRequests.java} reads them. Amounts are {@code long} minor
 * units; currencies are codes such as {@code CZK}. The ledger judges the ids and amounts (a bad one is an
 * {@link WriteOutcome.Invalid} or a {@link WriteOutcome.Rejected}); the records here only refuse {@code null}s
 * where a field is required ({@link NullPointerException}).
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface WriteRequest {
    /** The endpoint's path, ids percent-escaped, e.g. {@code /v1/accounts/acc-1/credits}. */
    String path();

    /** The JSON body. */
    ObjectNode body();

    /** {@code POST /v1/accounts}: opens {@code accountId} in {@code currency} with {@code scale} decimals (0-18). */
    record OpenAccount(String accountId, String currency, int scale, long overdraftLimitMinor) implements WriteRequest {
        public OpenAccount {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currency, "currency");
        }

        @Override
        public String path() {
            return "/v1/accounts";
        }

        @Override
        public ObjectNode body() {
            return json().put("accountId", accountId).put("currency", currency).put("scale", scale)
                    .put("overdraftLimitMinor", overdraftLimitMinor);
        }
    }

    /** {@code POST /v1/accounts/{accountId}/credits}; {@code reference} may be null. */
    record Credit(String accountId, long amountMinor, String currency, String reference) implements WriteRequest {
        public Credit {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currency, "currency");
        }

        @Override
        public String path() {
            return "/v1/accounts/" + segment(accountId) + "/credits";
        }

        @Override
        public ObjectNode body() {
            return movement(amountMinor, currency, reference);
        }
    }

    /** {@code POST /v1/accounts/{accountId}/charges}; {@code reference} may be null. */
    record Charge(String accountId, long amountMinor, String currency, String reference) implements WriteRequest {
        public Charge {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currency, "currency");
        }

        @Override
        public String path() {
            return "/v1/accounts/" + segment(accountId) + "/charges";
        }

        @Override
        public ObjectNode body() {
            return movement(amountMinor, currency, reference);
        }
    }

    /** {@code POST /v1/accounts/{accountId}/holds}; {@code expiresAt} null: the hold never expires. */
    record PlaceHold(String accountId, String holdId, long amountMinor, String currency, Instant expiresAt)
            implements WriteRequest {
        public PlaceHold {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(holdId, "holdId");
            Objects.requireNonNull(currency, "currency");
        }

        @Override
        public String path() {
            return "/v1/accounts/" + segment(accountId) + "/holds";
        }

        @Override
        public ObjectNode body() {
            ObjectNode body = json().put("holdId", holdId).put("amountMinor", amountMinor).put("currency", currency);
            return expiresAt == null ? body : body.put("expiresAt", expiresAt.toString());
        }
    }

    /** {@code POST /v1/holds/{holdId}/captures}; {@code payeeAccountId} null: the captured amount leaves the ledger. */
    record CaptureHold(String holdId, String accountId, long amountMinor, String currency, String payeeAccountId)
            implements WriteRequest {
        public CaptureHold {
            Objects.requireNonNull(holdId, "holdId");
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currency, "currency");
        }

        @Override
        public String path() {
            return "/v1/holds/" + segment(holdId) + "/captures";
        }

        @Override
        public ObjectNode body() {
            ObjectNode body = json().put("accountId", accountId).put("amountMinor", amountMinor).put("currency", currency);
            return payeeAccountId == null ? body : body.put("payeeAccountId", payeeAccountId);
        }
    }

    /** {@code POST /v1/holds/{holdId}/releases}; {@code amountMinor} null: everything that remains. */
    record ReleaseHold(String holdId, String accountId, Long amountMinor, String currency) implements WriteRequest {
        public ReleaseHold {
            Objects.requireNonNull(holdId, "holdId");
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(currency, "currency");
        }

        @Override
        public String path() {
            return "/v1/holds/" + segment(holdId) + "/releases";
        }

        @Override
        public ObjectNode body() {
            ObjectNode body = json().put("accountId", accountId).put("currency", currency);
            return amountMinor == null ? body : body.put("amountMinor", amountMinor);
        }
    }

    /** {@code POST /v1/charges/{chargeId}/refunds}: {@code chargeId} is the charge's event id (its account is in it). */
    record RefundCharge(String chargeId, long amountMinor, String currency) implements WriteRequest {
        public RefundCharge {
            Objects.requireNonNull(chargeId, "chargeId");
            Objects.requireNonNull(currency, "currency");
        }

        @Override
        public String path() {
            return "/v1/charges/" + segment(chargeId) + "/refunds";
        }

        @Override
        public ObjectNode body() {
            return json().put("amountMinor", amountMinor).put("currency", currency);
        }
    }

    /** {@code POST /v1/transfers}: moves {@code amountMinor} from one account to another, both in {@code currency}. */
    record Transfer(String fromAccountId, String toAccountId, long amountMinor, String currency) implements WriteRequest {
        public Transfer {
            Objects.requireNonNull(fromAccountId, "fromAccountId");
            Objects.requireNonNull(toAccountId, "toAccountId");
            Objects.requireNonNull(currency, "currency");
        }

        @Override
        public String path() {
            return "/v1/transfers";
        }

        @Override
        public ObjectNode body() {
            return json().put("fromAccountId", fromAccountId).put("toAccountId", toAccountId)
                    .put("amountMinor", amountMinor).put("currency", currency);
        }
    }

    private static ObjectNode json() {
        return JsonNodeFactory.instance.objectNode();
    }

    private static ObjectNode movement(long amountMinor, String currency, String reference) {
        ObjectNode body = json().put("amountMinor", amountMinor).put("currency", currency);
        return reference == null ? body : body.put("reference", reference);
    }

    /** An id as one path segment: percent-escaped as UTF-8 ({@code +} for a space would be a plus in a path). */
    static String segment(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
