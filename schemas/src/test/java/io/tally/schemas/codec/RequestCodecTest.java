package io.tally.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.avro.LedgerRequest;
import io.tally.avro.RequestType;
import io.tally.core.BalanceField;
import io.tally.core.Currency;
import io.tally.core.LedgerCommand;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading requests from the wire: the id grammar on every id field, free text, and who may send what. */
class RequestCodecTest {
    /** One well-formed request of every type that reads into a command. */
    static Map<RequestType, LedgerRequest> oneOfEachType() {
        Map<RequestType, LedgerRequest> all = new EnumMap<>(RequestType.class);
        all.put(RequestType.OPEN_ACCOUNT, RequestCodec.openAccount("r", "k", "a", new Currency("CZK", 2), 0, 1));
        all.put(RequestType.CREDIT, RequestCodec.credit("r", "k", "a", "CZK", 5, 1, "ref"));
        all.put(RequestType.CHARGE, RequestCodec.charge("r", "k", "a", "CZK", 5, 1, null));
        all.put(RequestType.PLACE_HOLD, RequestCodec.placeHold("r", "k", "a", "CZK", "h", 5, null, 1));
        all.put(RequestType.CAPTURE_HOLD, RequestCodec.captureHold("r", "k", "a", "CZK", "h", 5, "b", 1));
        all.put(RequestType.RELEASE_HOLD, RequestCodec.releaseHold("r", "k", "a", "CZK", "h", null, 1));
        all.put(RequestType.REFUND_CHARGE, RequestCodec.refundCharge("r", "k", "a", "CZK", "a:2", 5, 1));
        all.put(RequestType.TRANSFER, RequestCodec.transfer("r", "k", "a", "CZK", "b", 5, 1));
        all.put(RequestType.RECEIVE_TRANSFER, RequestCodec.receiveTransfer("b:3", "a", "CZK", "b", 5, 1));
        all.put(RequestType.RETURN_TRANSFER, RequestCodec.returnTransfer("a:3", "a", "CZK", "b", 5, "ACCOUNT_NOT_FOUND", 1));
        all.put(RequestType.CORRECT, RequestCodec.correct("run-1:a", "reconcile:src:a@v3", "a", "CZK",
                BalanceField.AVAILABLE, 5, "run-1", "drift", 1));
        return all;
    }

    @Test
    void everyTypeSaysWhoMaySendItAsItsCommandDoes() {
        Map<RequestType, LedgerRequest> all = oneOfEachType();
        for (RequestType type : RequestType.values()) {
            if (type == RequestType.UNKNOWN) {
                continue;
            }
            assertThat(all).as("a sample of %s", type).containsKey(type);
            RequestCodec.Parsed parsed = RequestCodec.toCommand(all.get(type));
            assertThat(parsed).as("%s", type).isInstanceOf(RequestCodec.Valid.class);
            LedgerCommand command = ((RequestCodec.Valid) parsed).command();
            assertThat(RequestCodec.originOf(type)).as("%s", type).isEqualTo(command.origin());
        }
        assertThat(RequestCodec.originOf(RequestType.RECEIVE_TRANSFER)).isEqualTo(LedgerCommand.Origin.INTERNAL);
        assertThat(RequestCodec.originOf(RequestType.CORRECT)).isEqualTo(LedgerCommand.Origin.OPERATOR);
        assertThat(RequestCodec.originOf(RequestType.CREDIT)).isEqualTo(LedgerCommand.Origin.PUBLIC);
    }

    @ParameterizedTest
    @ValueSource(strings = {"m1\u0000x", "a\nb", "a/b", "../../etc/passwd", "..", "a:b", "é", " a", "a b"})
    void aBadAccountIdIsABadIdNamedAndEchoedPrintably(String accountId) {
        RequestCodec.Parsed parsed = RequestCodec.toCommand(RequestCodec.credit("r", "k", accountId, "CZK", 5, 1, null));
        assertThat(parsed).isInstanceOfSatisfying(RequestCodec.Invalid.class, invalid -> {
            assertThat(invalid.field()).isEqualTo("accountId");
            assertThat(invalid.badId()).isTrue();
            assertThat(invalid.describe()).doesNotContain("\u0000", "\n");
        });
    }

    @Test
    void everyIdFieldIsHeldToItsGrammar() {
        assertBadId(RequestCodec.credit("r\n", "k", "a", "CZK", 5, 1, null), "requestId");
        assertBadId(RequestCodec.credit("r", "k".repeat(256), "a", "CZK", 5, 1, null), "idempotencyKey");
        assertBadId(RequestCodec.credit("r", "k", "a".repeat(129), "CZK", 5, 1, null), "accountId");
        assertBadId(RequestCodec.placeHold("r", "k", "a", "CZK", "h:1", 5, null, 1), "holdId");
        assertBadId(RequestCodec.captureHold("r", "k", "a", "CZK", "h", 5, "b/c", 1), "payeeAccountId");
        assertBadId(RequestCodec.transfer("r", "k", "a", "CZK", "", 5, 1), "payeeAccountId");
        assertBadId(RequestCodec.refundCharge("r", "k", "a", "CZK", "a:0", 5, 1), "chargeId");
        assertBadId(RequestCodec.refundCharge("r", "k", "a", "CZK", "a", 5, 1), "chargeId");
        assertBadId(RequestCodec.receiveTransfer("b:x", "a", "CZK", "b", 5, 1), "transferId");
        assertBadId(RequestCodec.correct("run:a", "k", "a", "CZK", BalanceField.AVAILABLE, 5, "run 1", "r", 1), "runId");
        assertThat(RequestCodec.toCommand(RequestCodec.credit("r", "k", "a", "CZK", 5, 1, "a\u0000b")))
                .isEqualTo(new RequestCodec.Invalid("reference",
                        "must not contain control characters; character 2 is U+0000"));
    }

    @Test
    void theLedgersOwnInternalRequestsMeetTheGrammar() {
        LedgerRequest receive = RequestCodec.receiveTransfer("payer-1:17", "payee-1", "CZK", "payer-1", 5, 1);
        assertThat(receive.getRequestId()).isEqualTo("receive:payer-1:17");
        assertThat(RequestCodec.toCommand(receive)).isInstanceOf(RequestCodec.Valid.class);
        assertThat(RequestCodec.toCommand(RequestCodec.returnTransfer("payer-1:17", "payer-1", "CZK", "payee-1", 5,
                "ACCOUNT_NOT_FOUND", 1))).isInstanceOf(RequestCodec.Valid.class);
    }

    private static void assertBadId(LedgerRequest request, String field) {
        assertThat(RequestCodec.toCommand(request)).isInstanceOfSatisfying(RequestCodec.Invalid.class, invalid -> {
            assertThat(invalid.field()).isEqualTo(field);
            assertThat(invalid.badId()).isTrue();
        });
    }
}
