package io.tally.core;

import static io.tally.core.RejectionCode.ACCOUNT_EXISTS;
import static io.tally.core.RejectionCode.ACCOUNT_NOT_FOUND;
import static io.tally.core.RejectionCode.AMOUNT_EXCEEDS_HOLD;
import static io.tally.core.RejectionCode.AMOUNT_EXCEEDS_REFUNDABLE;
import static io.tally.core.RejectionCode.AMOUNT_OVERFLOW;
import static io.tally.core.RejectionCode.CHARGE_NOT_FOUND;
import static io.tally.core.RejectionCode.CURRENCY_MISMATCH;
import static io.tally.core.RejectionCode.HOLD_CLOSED;
import static io.tally.core.RejectionCode.HOLD_EXISTS;
import static io.tally.core.RejectionCode.HOLD_NOT_FOUND;
import static io.tally.core.RejectionCode.INSUFFICIENT_FUNDS;
import static io.tally.core.RejectionCode.INVALID_AMOUNT;
import static io.tally.core.RejectionCode.INVALID_REQUEST;
import static io.tally.core.RejectionCode.SAME_ACCOUNT;
import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.LedgerCommand.CaptureHold;
import io.tally.core.LedgerCommand.Charge;
import io.tally.core.LedgerCommand.Correct;
import io.tally.core.LedgerCommand.Credit;
import io.tally.core.LedgerCommand.ExpireHold;
import io.tally.core.LedgerCommand.OpenAccount;
import io.tally.core.LedgerCommand.PlaceHold;
import io.tally.core.LedgerCommand.ReceiveTransfer;
import io.tally.core.LedgerCommand.RefundCharge;
import io.tally.core.LedgerCommand.ReleaseHold;
import io.tally.core.LedgerCommand.ReturnTransfer;
import io.tally.core.LedgerCommand.Transfer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One precedence of rejection codes for every operation (DESIGN.md, Rejections): a request that
 * breaks several rules gets the code of the first in the table. Each operation's cases form a chain:
 * a case breaks the rule it expects and the rules named after it in its comment (rows of the table);
 * the next case mends the first of them, so every rule in the chain is shown broken, and the last case
 * is accepted.
 */
class RejectionPrecedenceTest {
    private static final long MAX = Long.MAX_VALUE;
    private static final Currency CZK = new Currency("CZK", 2);
    private static final Map<String, Hold> HOLDS = Map.of(
            "h", new Hold("h", 500, 0, 0, 50L), "h2", new Hold("h2", 100, 0, 0, null),
            "closed", new Hold("closed", 100, 100, 0, null));
    /** Available 1,000, locked 600 (holds h and h2), no overdraft, charge a:3 refundable 300. */
    private static final AccountState ACCOUNT = account(0, new Balance(1_000, 600), Map.of("a:3", 300L));
    /** Available within 10 of the bottom of a long, with an overdraft limit as deep as a long goes. */
    private static final AccountState DEEP = account(MAX, new Balance(Long.MIN_VALUE + 10, 0), Map.of());
    /** A total within 400 of the top of a long; charge a:3 refundable 1,000. */
    private static final AccountState RICH = account(0, new Balance(MAX - 1_000, 600), Map.of("a:3", 1_000L));
    /** Available below zero (a correction put it there), locked within 100 of the top of a long. */
    private static final AccountState HEAVY = account(0, new Balance(-1_000, MAX - 100), Map.of());

    private static AccountState account(long overdraftMinor, Balance balance, Map<String, Long> charges) {
        return new AccountState("a", CZK, overdraftMinor, balance, 7, HOLDS, charges);
    }

    private static void assertFirst(RejectionCode expected, AccountState state, LedgerCommand command) {
        Decision decision = Ledger.decide(state, command, new RequestContext("r", "k", 100));
        assertThat(decision).as("%s", command).isInstanceOfSatisfying(Decision.Rejected.class,
                rejected -> assertThat(rejected.code()).as("%s: %s", command, rejected.message()).isEqualTo(expected));
    }

    private static void assertAccepted(AccountState state, LedgerCommand command) {
        assertThat(Ledger.decide(state, command, new RequestContext("r", "k", 100))).as("%s", command)
                .isInstanceOf(Decision.Accepted.class);
    }

    @Test
    void openAccount() {
        assertFirst(INVALID_REQUEST, null, new OpenAccount(" ", CZK, -1));     // 1, 3
        assertFirst(INVALID_AMOUNT, ACCOUNT, new OpenAccount("a", CZK, -1));  // 3, 4
        assertFirst(ACCOUNT_EXISTS, ACCOUNT, new OpenAccount("a", CZK, 0));   // 4
        assertAccepted(null, new OpenAccount("a", CZK, 0));
    }

    @Test
    void credit() {
        assertFirst(INVALID_REQUEST, null, new Credit(" ", "EUR", 0));         // 1, 3, 4
        assertFirst(INVALID_AMOUNT, null, new Credit("a", "EUR", -1));        // 3, 4
        assertFirst(ACCOUNT_NOT_FOUND, null, new Credit("a", "EUR", 500));    // 4
        assertFirst(CURRENCY_MISMATCH, RICH, new Credit("a", "EUR", 500));    // 5, 8
        assertFirst(AMOUNT_OVERFLOW, RICH, new Credit("a", "CZK", 500));      // 8
        assertAccepted(RICH, new Credit("a", "CZK", 400));
    }

    @Test
    void charge() {
        assertFirst(INVALID_REQUEST, null, new Charge(" ", "EUR", 0));         // 1, 3, 4
        assertFirst(INVALID_AMOUNT, null, new Charge("a", "EUR", 0));         // 3, 4
        assertFirst(ACCOUNT_NOT_FOUND, null, new Charge("a", "EUR", 20));     // 4
        assertFirst(CURRENCY_MISMATCH, DEEP, new Charge("a", "EUR", 20));     // 5, 8, 9
        assertFirst(AMOUNT_OVERFLOW, DEEP, new Charge("a", "CZK", 20));       // 8, 9
        assertFirst(INSUFFICIENT_FUNDS, ACCOUNT, new Charge("a", "CZK", 1_001)); // 9
        assertAccepted(ACCOUNT, new Charge("a", "CZK", 1_000));
    }

    @Test
    void transfer() {
        assertFirst(INVALID_REQUEST, ACCOUNT, new Transfer("a", "EUR", " ", 0)); // 1, 3, 5
        assertFirst(SAME_ACCOUNT, null, new Transfer("a", "EUR", "a", 0));    // 2, 3, 4
        assertFirst(INVALID_AMOUNT, null, new Transfer("a", "EUR", "b", 0));  // 3, 4
        assertFirst(ACCOUNT_NOT_FOUND, null, new Transfer("a", "EUR", "b", 20)); // 4
        assertFirst(CURRENCY_MISMATCH, DEEP, new Transfer("a", "EUR", "b", 20)); // 5, 8, 9
        assertFirst(AMOUNT_OVERFLOW, DEEP, new Transfer("a", "CZK", "b", 20)); // 8, 9
        assertFirst(INSUFFICIENT_FUNDS, ACCOUNT, new Transfer("a", "CZK", "b", 1_001)); // 9
        assertAccepted(ACCOUNT, new Transfer("a", "CZK", "b", 1_000));
    }

    @Test
    void placeHold() {
        assertFirst(INVALID_REQUEST, null, new PlaceHold("a", "EUR", " ", 0, null)); // 1, 3, 4
        assertFirst(INVALID_AMOUNT, null, new PlaceHold("a", "EUR", "h", 0, null)); // 3, 4
        assertFirst(ACCOUNT_NOT_FOUND, null, new PlaceHold("a", "EUR", "h", 200, null)); // 4
        assertFirst(CURRENCY_MISMATCH, HEAVY, new PlaceHold("a", "EUR", "h", 200, null)); // 5, 6, 8, 9
        assertFirst(HOLD_EXISTS, HEAVY, new PlaceHold("a", "CZK", "closed", 200, null)); // 6, 8, 9
        assertFirst(AMOUNT_OVERFLOW, HEAVY, new PlaceHold("a", "CZK", "new", 200, null)); // 8, 9
        assertFirst(INSUFFICIENT_FUNDS, HEAVY, new PlaceHold("a", "CZK", "new", 50, null)); // 9
        assertAccepted(ACCOUNT, new PlaceHold("a", "CZK", "new", 1_000, null));
    }

    @Test
    void captureHold() {
        assertFirst(INVALID_REQUEST, ACCOUNT, new CaptureHold("a", "EUR", "h", 0, " ")); // 1, 3, 5
        assertFirst(SAME_ACCOUNT, ACCOUNT, new CaptureHold("a", "EUR", "none", 0, "a")); // 2, 3, 5, 6
        assertFirst(INVALID_AMOUNT, null, new CaptureHold("a", "EUR", "none", 0, "b")); // 3, 4
        assertFirst(ACCOUNT_NOT_FOUND, null, new CaptureHold("a", "EUR", "none", 501, "b")); // 4
        assertFirst(CURRENCY_MISMATCH, ACCOUNT, new CaptureHold("a", "EUR", "none", 501, "b")); // 5, 6
        assertFirst(HOLD_NOT_FOUND, ACCOUNT, new CaptureHold("a", "CZK", "none", 501, "b")); // 6
        assertFirst(HOLD_CLOSED, ACCOUNT, new CaptureHold("a", "CZK", "closed", 501, "b")); // 6, 7
        assertFirst(AMOUNT_EXCEEDS_HOLD, ACCOUNT, new CaptureHold("a", "CZK", "h", 501, "b")); // 7
        assertAccepted(ACCOUNT, new CaptureHold("a", "CZK", "h", 500, "b"));
    }

    @Test
    void releaseHold() {
        assertFirst(INVALID_REQUEST, ACCOUNT, new ReleaseHold("a", "EUR", " ", 0L)); // 1, 3, 5
        assertFirst(INVALID_AMOUNT, null, new ReleaseHold("a", "EUR", "none", 0L)); // 3, 4
        assertFirst(ACCOUNT_NOT_FOUND, null, new ReleaseHold("a", "EUR", "none", 501L)); // 4
        assertFirst(CURRENCY_MISMATCH, ACCOUNT, new ReleaseHold("a", "EUR", "none", 501L)); // 5, 6
        assertFirst(HOLD_NOT_FOUND, ACCOUNT, new ReleaseHold("a", "CZK", "none", 501L)); // 6
        assertFirst(HOLD_CLOSED, ACCOUNT, new ReleaseHold("a", "CZK", "closed", 501L)); // 6, 7
        assertFirst(HOLD_CLOSED, ACCOUNT, new ReleaseHold("a", "CZK", "closed", null)); // 6 (what remains is 0)
        assertFirst(AMOUNT_EXCEEDS_HOLD, ACCOUNT, new ReleaseHold("a", "CZK", "h", 501L)); // 7
        assertAccepted(ACCOUNT, new ReleaseHold("a", "CZK", "h", null));
    }

    @Test
    void expireHold() {
        assertFirst(INVALID_REQUEST, ACCOUNT, new ExpireHold("a", " ", 100));  // 1, 6
        assertFirst(ACCOUNT_NOT_FOUND, null, new ExpireHold("a", "none", 100)); // 4
        assertFirst(HOLD_NOT_FOUND, ACCOUNT, new ExpireHold("a", "none", 100)); // 6
        assertFirst(HOLD_CLOSED, ACCOUNT, new ExpireHold("a", "closed", 100)); // 6, 7 (it has no expiry)
        assertFirst(INVALID_REQUEST, ACCOUNT, new ExpireHold("a", "h", 49));   // 7 (not due yet)
        assertAccepted(ACCOUNT, new ExpireHold("a", "h", 50));
    }

    @Test
    void refundCharge() {
        assertFirst(INVALID_REQUEST, ACCOUNT, new RefundCharge("a", "EUR", " ", 0)); // 1, 3, 5
        assertFirst(INVALID_AMOUNT, null, new RefundCharge("a", "EUR", "a:9", 0)); // 3, 4
        assertFirst(ACCOUNT_NOT_FOUND, null, new RefundCharge("a", "EUR", "a:9", 1_001)); // 4
        assertFirst(CURRENCY_MISMATCH, RICH, new RefundCharge("a", "EUR", "a:9", 1_001)); // 5, 6, 8
        assertFirst(CHARGE_NOT_FOUND, RICH, new RefundCharge("a", "CZK", "a:9", 1_001)); // 6, 8
        assertFirst(AMOUNT_EXCEEDS_REFUNDABLE, RICH, new RefundCharge("a", "CZK", "a:3", 1_001)); // 7, 8
        assertFirst(AMOUNT_OVERFLOW, RICH, new RefundCharge("a", "CZK", "a:3", 1_000)); // 8
        assertAccepted(ACCOUNT, new RefundCharge("a", "CZK", "a:3", 300));
    }

    @Test
    void correct() {
        assertFirst(INVALID_REQUEST, null, correct(" ", "EUR", BalanceField.LOCKED, 0));  // 1, 3, 4
        assertFirst(INVALID_AMOUNT, null, correct("a", "EUR", BalanceField.LOCKED, 0));   // 3, 4
        assertFirst(ACCOUNT_NOT_FOUND, null, correct("a", "EUR", BalanceField.LOCKED, -20)); // 4
        assertFirst(CURRENCY_MISMATCH, DEEP, correct("a", "EUR", BalanceField.LOCKED, -20)); // 5, 8, 9
        assertFirst(AMOUNT_OVERFLOW, DEEP, correct("a", "CZK", BalanceField.LOCKED, -20)); // 8, 9
        assertFirst(INVALID_AMOUNT, ACCOUNT, correct("a", "CZK", BalanceField.LOCKED, -601)); // 9 (locked below 0)
        assertAccepted(ACCOUNT, correct("a", "CZK", BalanceField.AVAILABLE, -5_000)); // no overdraft check
    }

    @Test
    void receiveTransfer() {
        assertFirst(INVALID_REQUEST, null, new ReceiveTransfer(" ", "EUR", "b:2", "b", 0)); // 1, 3, 4
        assertFirst(INVALID_AMOUNT, null, new ReceiveTransfer("a", "EUR", "b:2", "b", 0)); // 3, 4
        assertFirst(ACCOUNT_NOT_FOUND, null, new ReceiveTransfer("a", "EUR", "b:2", "b", 500)); // 4
        assertFirst(CURRENCY_MISMATCH, RICH, new ReceiveTransfer("a", "EUR", "b:2", "b", 500)); // 5, 8
        assertFirst(AMOUNT_OVERFLOW, RICH, new ReceiveTransfer("a", "CZK", "b:2", "b", 500)); // 8
        assertAccepted(RICH, new ReceiveTransfer("a", "CZK", "b:2", "b", 400));
    }

    @Test
    void returnTransfer() {
        assertFirst(INVALID_REQUEST, null, new ReturnTransfer(" ", "EUR", "a:2", "b", 0, "ACCOUNT_NOT_FOUND")); // 1, 3, 4
        assertFirst(INVALID_AMOUNT, null, new ReturnTransfer("a", "EUR", "a:2", "b", 0, "ACCOUNT_NOT_FOUND")); // 3, 4
        assertFirst(ACCOUNT_NOT_FOUND, null, new ReturnTransfer("a", "EUR", "a:2", "b", 500, "ACCOUNT_NOT_FOUND")); // 4
        assertFirst(CURRENCY_MISMATCH, RICH, new ReturnTransfer("a", "EUR", "a:2", "b", 500, "ACCOUNT_NOT_FOUND")); // 5, 8
        assertFirst(AMOUNT_OVERFLOW, RICH, new ReturnTransfer("a", "CZK", "a:2", "b", 500, "ACCOUNT_NOT_FOUND")); // 8
        assertAccepted(RICH, new ReturnTransfer("a", "CZK", "a:2", "b", 400, "ACCOUNT_NOT_FOUND"));
    }

    private static Correct correct(String account, String currency, BalanceField field, long deltaMinor) {
        return new Correct(account, currency, field, deltaMinor, "run-1", "drift");
    }
}
