package io.tally.reconciler.kafka;

import io.tally.avro.LedgerRequest;
import io.tally.core.BalanceField;
import io.tally.core.Ids;
import io.tally.core.reconciliation.AccountComparison;
import io.tally.core.reconciliation.BalanceView;
import io.tally.reconciler.FixAction;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.codec.RequestCodec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The fixer of a source declared authoritative for its accounts (an external statement, seed 001's
 * chain balance): the ledger is what is wrong, so each auto-fixable drift becomes a CORRECT request
 * to ledger-service on {@code ledger.requests} ({@link RequestCodec#correct}) that moves the
 * account's available balance by the statement's total minus the projection's total. ledger-service
 * appends a {@code CORRECTED} event, and every projection and cache follows. The requests go to
 * {@code ledger.operator-requests}, the one topic ledger-service takes corrections from (an upstream
 * service may not correct balances: DESIGN.md, Trust boundaries).
 *
 * <p>Idempotency key: {@code reconcile:<source>:<account>@v<projection version>}, the source's name
 * made to fit the key grammar ({@link io.tally.core.Ids}; a statement's name may be a file name or a
 * URL). A second fixing run
 * (or a retry) that reads the projection at the same version, because ledger-service has not yet
 * applied the first correction, sends the same key: ledger-service returns the first outcome (or
 * IDEMPOTENCY_KEY_REUSED if its run id differs) and appends nothing, so a re-run never corrects
 * twice. Once the correction is appended the version moves on, and a new key is a new decision.
 *
 * <p>Not thread-safe: used from the run's thread.
 */
public final class LedgerCorrectionRequester extends ProducingFixer<LedgerRequest> {
    private final String source;

    /**
     * @param kafka client properties, passed through
     * @param topics where {@code ledger.operator-requests} is
     * @param source the authoritative source's name, for the key and the reason
     */
    public LedgerCorrectionRequester(Map<String, Object> kafka, LedgerTopics topics, String source) {
        super(kafka, topics.operatorRequests(), "a correction request");
        this.source = source;
    }

    /**
     * The CORRECT request for one drift against an authoritative source.
     *
     * @param runId the run
     * @param c a drift with both sides present; the projection's side must name its currency and version
     * @param nowMs when, epoch milliseconds
     * @param source the source's name
     * @throws IllegalArgumentException if the projection's side lacks a currency or version
     * @throws ArithmeticException if the totals' difference overflows
     */
    public static LedgerRequest requestOf(String runId, AccountComparison c, long nowMs, String source) {
        BalanceView expected = c.expected();
        if (expected.currencyCode() == null || expected.version() == null) {
            throw new IllegalArgumentException("the projection of " + c.accountId() + " has no currency or version");
        }
        long deltaMinor = Math.subtractExact(c.actual().totalMinor(), expected.totalMinor());
        return RequestCodec.correct(runId + ":" + c.accountId(), idempotencyKey(source, c.accountId(), expected.version()),
                c.accountId(), expected.currencyCode(), BalanceField.AVAILABLE, deltaMinor, runId,
                "authoritative " + source + " differs by " + deltaMinor + " minor units (" + c.tier() + ")", nowMs);
    }

    /**
     * {@code reconcile:<source>:<account>@v<version>}: the same for every run that sees the same
     * projection. The source's name keeps its characters of the key alphabet; if it had others, or is
     * over 64 characters, they are replaced by {@code ~} and it is cut, with the first 8 hex digits of
     * its SHA-256 after it, so two sources never share a key and the key stays within 255 characters.
     */
    public static String idempotencyKey(String source, String accountId, long projectionVersion) {
        return "reconcile:" + keyPart(source) + ":" + accountId + "@v" + projectionVersion;
    }

    static String keyPart(String source) {
        StringBuilder part = new StringBuilder();
        for (int i = 0; i < source.length() && part.length() < 64; i++) {
            char c = source.charAt(i);
            part.append(Ids.isNameChar(c) || c == ':' ? c : '~');
        }
        if (part.toString().equals(source) && !source.isEmpty()) {
            return source;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(source.getBytes(StandardCharsets.UTF_8));
            return part + "~" + HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }

    @Override
    public FixAction fix(String runId, AccountComparison comparison, long nowMs) {
        LedgerRequest request = requestOf(runId, comparison, nowMs, source);
        send(request.getAccountId(), request);
        return FixAction.LEDGER_CORRECTION_REQUESTED;
    }

}
