package io.tally.projector.http;

import io.javalin.http.Context;
import io.tally.avro.AccountBalance;
import io.tally.avro.HoldState;
import io.tally.platform.http.ErrorBody;
import io.tally.platform.http.ErrorCode;
import io.tally.platform.http.FieldError;
import io.tally.platform.http.FieldRules;
import io.tally.platform.http.HttpErrors;
import io.tally.projector.ProjectorTopology;
import io.tally.projector.kafka.ProjectorApp;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The projector's reads answered here, from the stores of the account's own partition, which this
 * instance runs actively ({@link AccountRouter} has checked): a balance (now, as of an instant, or
 * once the projection reaches a version), a hold, an account's holds.
 *
 * <p>Each method may throw {@link org.apache.kafka.streams.errors.InvalidStateStoreException} when the
 * partition's stores stop being queryable here mid-read; the router answers 503 then.
 *
 * <p>Thread-safe: immutable; the stores are Kafka Streams'.
 */
final class ProjectionReads {
    private static final Duration POLL = Duration.ofMillis(20);

    private final Duration minVersionTimeout;

    /** @param minVersionTimeout how long {@code ?minVersion=} waits before answering 503 */
    ProjectionReads(Duration minVersionTimeout) {
        this.minVersionTimeout = minVersionTimeout;
    }

    /**
     * {@code GET /v1/accounts/{accountId}/balance}: 400 for a malformed {@code minVersion} or
     * {@code asOf}; 503 {@code VERSION_NOT_REACHED} past the wait; 404 for an account (or an instant)
     * without a balance; else the balance, with {@code flagged} (and {@code missingVersion}).
     *
     * @throws InterruptedException if interrupted while waiting for {@code minVersion}
     */
    void balance(Context ctx, ProjectorApp projector, String accountId, int partition) throws InterruptedException {
        ReadOnlyKeyValueStore<String, AccountBalance> balances =
                projector.partitionStore(ProjectorTopology.BALANCE_STORE, partition);
        List<FieldError> errors = new ArrayList<>();
        Long minVersion = minVersion(ctx, errors);
        Instant asOf = asOf(ctx, errors);
        if (!errors.isEmpty()) {
            HttpErrors.invalid(ctx, errors);
            return;
        }
        AccountBalance current = minVersion == null ? balances.get(accountId)
                : awaitVersion(ctx, balances, accountId, minVersion);
        if (minVersion != null && current == null) {
            return;
        }
        AccountBalance answer = asOf == null ? current : projector.balanceAsOf(accountId, asOf).orElse(null);
        if (answer == null) {
            notFound(ctx, "account " + accountId + (asOf == null ? "" : " had no balance at " + asOf));
            return;
        }
        Map<String, Object> body = ProjectionJson.balance(answer);
        if (asOf != null) {
            body.put("asOf", asOf.toString());
        }
        Long missingVersion = projector.<Long>partitionStore(ProjectorTopology.FLAGGED_STORE, partition).get(accountId);
        body.put("flagged", missingVersion != null);
        if (missingVersion != null) {
            body.put("missingVersion", missingVersion);
        }
        ctx.json(body);
    }

    /** The most balances {@code GET .../balance/history} answers, and its default. */
    static final int MAX_HISTORY = 1_000;

    /**
     * {@code GET /v1/accounts/{accountId}/balance/history[?limit=N]}: the account's balances as they
     * were applied, newest first, up to {@code limit} (1 to {@value #MAX_HISTORY}, default
     * {@value #MAX_HISTORY}) of those the history store keeps (30 days of event time by default):
     * {@code {"accountId": A, "balances": [balance, ...]}}, each as {@code GET .../balance} answers it
     * (without {@code flagged}); 400 for a bad limit; 404 for an account without a balance.
     */
    void balanceHistory(Context ctx, ProjectorApp projector, String accountId, int partition) {
        List<FieldError> errors = new ArrayList<>();
        String limitText = FieldRules.optionalQueryParam(ctx, "limit", errors);
        int limit = MAX_HISTORY;
        if (limitText != null) {
            try {
                limit = Integer.parseInt(limitText);
            } catch (NumberFormatException e) {
                limit = 0;
            }
            if (limit < 1 || limit > MAX_HISTORY) {
                errors.add(new FieldError("limit", "must be a whole number from 1 to " + MAX_HISTORY));
            }
        }
        if (!errors.isEmpty()) {
            HttpErrors.invalid(ctx, errors);
            return;
        }
        if (projector.<AccountBalance>partitionStore(ProjectorTopology.BALANCE_STORE, partition).get(accountId) == null) {
            notFound(ctx, "account " + accountId);
            return;
        }
        List<Map<String, Object>> balances = new ArrayList<>();
        for (AccountBalance balance : projector.balanceHistory(accountId, limit)) {
            balances.add(ProjectionJson.balance(balance));
        }
        ctx.json(Map.of("accountId", accountId, "balances", balances));
    }

    /** {@code GET /v1/holds/{holdId}?accountId=A}: the hold, or 404. */
    void hold(Context ctx, ProjectorApp projector, String accountId, int partition) {
        String holdId = ctx.pathParam("holdId");
        HoldState hold = projector.<HoldState>partitionStore(ProjectorTopology.HOLD_STORE, partition)
                .get(ProjectorTopology.holdKey(accountId, holdId));
        if (hold == null) {
            notFound(ctx, "hold " + holdId + " of account " + accountId);
            return;
        }
        ctx.json(ProjectionJson.hold(hold));
    }

    /** {@code GET /v1/accounts/{accountId}/holds[?open=true]}: the account's holds in hold-id order, or 404. */
    void accountHolds(Context ctx, ProjectorApp projector, String accountId, int partition) {
        boolean openOnly = "true".equalsIgnoreCase(ctx.queryParam("open"));
        if (projector.<AccountBalance>partitionStore(ProjectorTopology.BALANCE_STORE, partition).get(accountId) == null) {
            notFound(ctx, "account " + accountId);
            return;
        }
        List<Map<String, Object>> holds = new ArrayList<>();
        try (KeyValueIterator<String, HoldState> it = projector.<HoldState>partitionStore(ProjectorTopology.HOLD_STORE, partition)
                .prefixScan(ProjectorTopology.holdKey(accountId, ""), new StringSerializer())) {
            while (it.hasNext()) {
                HoldState hold = it.next().value;
                // Another account's id may extend this one: its holds share the prefix.
                if (hold.getAccountId().equals(accountId) && (!openOnly || hold.getOpen())) {
                    holds.add(ProjectionJson.hold(hold));
                }
            }
        }
        ctx.json(Map.of("accountId", accountId, "holds", holds));
    }

    /**
     * The balance once its version reaches {@code minVersion}, polling every 20 ms; {@code null} after
     * answering 503 {@code VERSION_NOT_REACHED} when it has not within the timeout.
     */
    private AccountBalance awaitVersion(Context ctx, ReadOnlyKeyValueStore<String, AccountBalance> balances,
            String accountId, long minVersion) throws InterruptedException {
        long deadlineNs = System.nanoTime() + minVersionTimeout.toNanos();
        AccountBalance current = balances.get(accountId);
        while (current == null || current.getVersion() < minVersion) {
            if (System.nanoTime() - deadlineNs > 0) {
                ctx.header("Retry-After", Integer.toString(ProjectorHttpApi.RETRY_AFTER_S));
                HttpErrors.answer(ctx, ErrorCode.UNAVAILABLE.status(), ErrorBody.of("VERSION_NOT_REACHED",
                        "the projection has not reached version " + minVersion + " within "
                                + minVersionTimeout.toMillis() + " ms")
                        .with("status", "VERSION_NOT_REACHED").with("accountId", accountId)
                        .with("minVersion", minVersion).with("version", current == null ? 0 : current.getVersion()));
                return null;
            }
            Thread.sleep(POLL.toMillis());
            current = balances.get(accountId);
        }
        return current;
    }

    private static Long minVersion(Context ctx, List<FieldError> errors) {
        String min = FieldRules.optionalQueryParam(ctx, "minVersion", errors);
        try {
            return min == null ? null : Long.parseLong(min);
        } catch (NumberFormatException e) {
            errors.add(new FieldError("minVersion", "must be a version number"));
            return null;
        }
    }

    private static Instant asOf(Context ctx, List<FieldError> errors) {
        String at = FieldRules.optionalQueryParam(ctx, "asOf", errors);
        try {
            return at == null ? null : Instant.parse(at);
        } catch (DateTimeParseException e) {
            errors.add(new FieldError("asOf", "must be an ISO-8601 instant such as 2026-01-31T23:59:59Z"));
            return null;
        }
    }

    private static void notFound(Context ctx, String what) {
        HttpErrors.answer(ctx, ErrorCode.NOT_FOUND.status(), ErrorBody.of(ErrorCode.NOT_FOUND,
                what + " is not known to the projection").with("status", "NOT_FOUND"));
    }
}
