package io.tally.cli.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.avro.EventType;
import io.tally.avro.LedgerEvent;
import io.tally.cli.check.BankWorkload.Op;
import io.tally.cli.check.BankWorkload.Sent;
import io.tally.client.WriteOutcome;
import io.tally.client.WriteRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fault runner's checker finds what it is there to find: each kind of damage to the log or to the
 * outcomes, made by hand in an otherwise sound history, is reported, and the sound history is not.
 */
class LedgerAuditTest {
    private static final String A = "acct-a";
    private static final String B = "acct-b";

    /** acct-a opened, credited 1,000, charged 300; acct-b opened; a transfer of 200 from a to b, received. */
    private final List<LedgerEvent> events = new ArrayList<>(List.of(
            event(A, 1, EventType.ACCOUNT_OPENED, null, 0, 0),
            event(A, 2, EventType.CREDITED, 1_000L, 1_000, 0),
            event(A, 3, EventType.CHARGED, 300L, 700, 0),
            event(B, 1, EventType.ACCOUNT_OPENED, null, 0, 0),
            transfer(event(A, 4, EventType.TRANSFER_SENT, 200L, 500, 0), B, null),
            transfer(event(B, 2, EventType.TRANSFER_RECEIVED, 200L, 200, 0), A, A + ":4")));

    private final List<Sent> sent = new ArrayList<>(List.of(
            accepted(Op.OPEN, A, new WriteRequest.OpenAccount(A, "CZK", 2, 0), "k1", A + ":1"),
            accepted(Op.CREDIT, A, new WriteRequest.Credit(A, 1_000, "CZK", null), "k2", A + ":2"),
            accepted(Op.CHARGE, A, new WriteRequest.Charge(A, 300, "CZK", null), "k3", A + ":3"),
            accepted(Op.OPEN, B, new WriteRequest.OpenAccount(B, "CZK", 2, 0), "k4", B + ":1"),
            accepted(Op.TRANSFER, A, new WriteRequest.Transfer(A, B, 200, "CZK"), "k5", A + ":4")));

    @Test
    void aSoundHistoryHasNoViolation() {
        assertThat(violations()).isEmpty();
    }

    @Test
    void anEventTwiceIsADuplicateAndAVersionGap() {
        events.add(3, events.get(2));
        assertThat(violations()).anyMatch(v -> v.startsWith("duplicated event: acct-a:3"))
                .anyMatch(v -> v.startsWith("version gap: acct-a goes from version 3 to 3"));
    }

    @Test
    void anAcceptedEventMissingFromTheLogIsLost() {
        sent.add(accepted(Op.CREDIT, B, new WriteRequest.Credit(B, 50, "CZK", null), "k6", B + ":3"));
        assertThat(violations()).anyMatch(v -> v.startsWith("lost: accepted event acct-b:3"))
                .anyMatch(v -> v.startsWith("conservation"));
    }

    @Test
    void anEventNoClientWasToldOfIsReported() {
        sent.remove(2);
        assertThat(violations()).anyMatch(v -> v.startsWith("event without an outcome: acct-a:3"))
                .anyMatch(v -> v.startsWith("conservation"));
    }

    @Test
    void aBalanceAfterThatTheFoldDoesNotGiveIsReported() {
        events.set(2, event(A, 3, EventType.CHARGED, 300L, 800, 0));
        assertThat(violations()).anyMatch(v -> v.startsWith("balance after: acct-a:3 says 800/0"));
    }

    @Test
    void anAvailableBalanceBelowTheOverdraftLimitIsReported() {
        events.set(2, event(A, 3, EventType.CHARGED, 1_300L, -300, 0));
        events.set(4, transfer(event(A, 4, EventType.TRANSFER_SENT, 200L, -500, 0), B, null));
        sent.set(2, accepted(Op.CHARGE, A, new WriteRequest.Charge(A, 1_300, "CZK", null), "k3", A + ":3"));
        assertThat(violations()).containsExactly(
                "overdrawn: acct-a at version 3 has available -300 below its limit -0",
                "overdrawn: acct-a at version 4 has available -500 below its limit -0");
    }

    @Test
    void aTransferWithoutItsPayeeSideIsInFlight() {
        events.remove(5);
        assertThat(violations()).anyMatch(v -> v.startsWith("transfer in flight: acct-a:4"))
                .anyMatch(v -> v.startsWith("conservation"));
    }

    @Test
    void aResendThatIsNotAReplayAndAReuseThatIsNotRefusedAreReported() {
        WriteOutcome first = sent.get(1).outcome();
        sent.add(new Sent(Op.RESEND, A, sent.get(1).request(), "k2", 0, 1,
                new WriteOutcome.Accepted("r", A, "k2", false, List.of(A + ":2"), 2, 1_000, 0), 0, 0, first));
        sent.add(new Sent(Op.REUSE, A, new WriteRequest.Credit(A, 1_001, "CZK", null), "k2", 0, 1,
                new WriteOutcome.Rejected("INSUFFICIENT_FUNDS", "no", "r", A, "k2"), 0, 0, null));
        assertThat(violations()).anyMatch(v -> v.startsWith("idempotency: a resend of k2"))
                .anyMatch(v -> v.startsWith("idempotency: REUSE k2 answered INSUFFICIENT_FUNDS"));
    }

    @Test
    void aRequestLeftWithoutAnOutcomeIsUnresolved() {
        sent.add(new Sent(Op.CREDIT, B, new WriteRequest.Credit(B, 5, "CZK", null), "k9", 0, 1,
                new WriteOutcome.Unavailable(0, "refused", "k9"), 0, 7, null));
        assertThat(violations()).anyMatch(v -> v.startsWith("unresolved: CREDIT k9"));
    }

    private List<String> violations() {
        LedgerAudit.Violations v = new LedgerAudit.Violations();
        LedgerAudit.checkLog(sent, events, v);
        return v.all();
    }

    private static Sent accepted(Op op, String account, WriteRequest request, String key, String eventId) {
        return new Sent(op, account, request, key, 0, 1,
                new WriteOutcome.Accepted("req-" + key, account, key, false, List.of(eventId), 1, 0, 0), 0, 0, null);
    }

    private static LedgerEvent event(String account, long version, EventType type, Long amount, long available,
            long locked) {
        return LedgerEvent.newBuilder().setEventId(account + ":" + version).setAccountId(account).setVersion(version)
                .setType(type).setCurrency("CZK").setScale(2).setAmountMinor(amount)
                .setOverdraftLimitMinor(type == EventType.ACCOUNT_OPENED ? 0L : null)
                .setAvailableAfterMinor(available).setLockedAfterMinor(locked).setRequestId("req-" + account + version)
                .setIdempotencyKey("key-" + account + version).setAcceptedAtMs(0).build();
    }

    private static LedgerEvent transfer(LedgerEvent event, String counterparty, String transferId) {
        return LedgerEvent.newBuilder(event).setCounterpartyAccountId(counterparty).setTransferId(transferId).build();
    }
}
