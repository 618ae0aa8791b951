package io.tally.cli.check;

import io.tally.client.RetryBudget;
import io.tally.client.TallyClient;
import io.tally.client.WriteOutcome;
import io.tally.client.WriteRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.utils.Utils;

/**
 * A bank over HTTP, for {@link FaultsCheck}: {@code accounts} accounts and {@code clients} client
 * threads spread over every ledger-service instance, sending credits, charges, transfers between accounts
 * on different partitions, holds then captures (half of them paying another account) or releases,
 * refunds of their own charges, resends of their last request with its key and body, and reuses of a
 * key with another body.
 *
 * <p>A request whose answer does not come (a connection refused or reset, a timeout, a 202 that stays
 * pending, a 5xx) is resent with the same idempotency key to the next instance until it has an outcome
 * or {@link #RESOLVE_WITHIN} has passed: every request ends in one recorded {@link Sent}, which the
 * audit holds the ledger to.
 *
 * <p>Thread-safe: {@link #start} runs the client threads; {@link Run#stop} joins them.
 */
final class BankWorkload {
    /** The currency of every account, with 2 decimal places. */
    static final String CURRENCY = "CZK";
    /** What each account is credited with when opened, in minor units. */
    static final long OPENING_CREDIT_MINOR = 200_000;
    /** How long a request is resent, instance after instance, before it counts as unresolved. */
    static final Duration RESOLVE_WITHIN = Duration.ofMinutes(3);

    /** What a client thread did, for the figures and the audit. */
    enum Op { OPEN, CREDIT, CHARGE, TRANSFER, HOLD, CAPTURE, RELEASE, REFUND, RESEND, REUSE }

    /**
     * One request and how it ended.
     *
     * @param accountId the account the request is for (its partition's key)
     * @param startNs when it was first sent ({@link System#nanoTime})
     * @param endNs when its outcome came
     * @param outcome the last answer: an outcome, or {@link WriteOutcome.Unavailable} if unresolved
     * @param pendingAnswers 202 answers that stayed pending through a client's retries
     * @param failedAnswers answers that were no outcome: unreachable instance, timeout, 5xx
     * @param expectation for a resend: the outcome it must repeat; for a reuse: null (it must be refused)
     */
    record Sent(Op op, String accountId, WriteRequest request, String idempotencyKey, long startNs, long endNs,
            WriteOutcome outcome, int pendingAnswers, int failedAnswers, WriteOutcome expectation) {
        boolean resolved() {
            return !(outcome instanceof WriteOutcome.Unavailable) && !(outcome instanceof WriteOutcome.Pending)
                    && !(outcome instanceof WriteOutcome.Failed f && f.status() >= 500);
        }
    }

    private final List<TallyClient> ledgers;
    private final int accounts;
    private final int clients;
    private final int partitions;
    private final List<Sent> sent = Collections.synchronizedList(new ArrayList<>());

    /**
     * @param ledgerUrls every ledger-service instance's API
     * @param token a bearer token with the {@code write} and {@code read} scopes
     * @param partitions partitions of {@code ledger.requests}, to pick transfers that cross partitions
     */
    BankWorkload(List<String> ledgerUrls, String token, int accounts, int clients, int partitions) {
        // A few quick retries on one instance, then the next one: a dead instance costs seconds, not minutes.
        RetryBudget budget = new RetryBudget(3, Duration.ofSeconds(8), Duration.ofMillis(200), Duration.ofSeconds(1));
        this.ledgers = ledgerUrls.stream().map(url -> TallyClient.builder().ledgerUrl(url).token(token)
                .connectTimeout(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(10)).retry(budget).build())
                .toList();
        this.accounts = accounts;
        this.clients = clients;
        this.partitions = partitions;
    }

    static String accountId(int i) {
        return String.format("acct-%03d", i);
    }

    List<String> accountIds() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < accounts; i++) {
            ids.add(accountId(i));
        }
        return ids;
    }

    /** Every request sent so far, in completion order. */
    List<Sent> sent() {
        synchronized (sent) {
            return List.copyOf(sent);
        }
    }

    /** The partition of {@code ledger.requests} that {@code accountId} is on (Kafka's default partitioner). */
    int partitionOf(String accountId) {
        return Utils.toPositive(Utils.murmur2(accountId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** Opens every account and credits it with {@link #OPENING_CREDIT_MINOR}. */
    void openAccounts() {
        for (String id : accountIds()) {
            send(0, Op.OPEN, id, new WriteRequest.OpenAccount(id, CURRENCY, 2, 0), "open:" + id, null);
            send(0, Op.CREDIT, id, new WriteRequest.Credit(id, OPENING_CREDIT_MINOR, CURRENCY, null), "opening:" + id, null);
        }
    }

    /** A load in progress. */
    final class Run {
        private final AtomicBoolean stopping = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();

        /** Stops the clients after their current request (resolved first) and waits for them. */
        void stop() throws InterruptedException {
            stopping.set(true);
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    /** Starts {@code clients} threads sending until {@link Run#stop}; {@code phase} names their keys. */
    Run start(String phase) {
        Run run = new Run();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> new Client(client, phase, run.stopping).loop(), "bank-" + phase + "-" + c);
            run.threads.add(t);
            t.start();
        }
        return run;
    }

    /** A charge this client made and what of it is not refunded yet. */
    private static final class Refundable {
        final String accountId;
        final String chargeId;
        long remainingMinor;

        Refundable(String accountId, String chargeId, long remainingMinor) {
            this.accountId = accountId;
            this.chargeId = chargeId;
            this.remainingMinor = remainingMinor;
        }
    }

    /** One client thread's state: its own charges (for refunds) and its last request (for resends). */
    private final class Client {
        private final int id;
        private final String phase;
        private final AtomicBoolean stopping;
        private final SplittableRandom random;
        private final List<Refundable> refundable = new ArrayList<>();
        private Sent last;
        private long seq;

        Client(int id, String phase, AtomicBoolean stopping) {
            this.id = id;
            this.phase = phase;
            this.stopping = stopping;
            this.random = new SplittableRandom(Objects.hash(phase, id));
        }

        void loop() {
            while (!stopping.get()) {
                step();
            }
        }

        private String key() {
            return phase + ":" + id + ":" + (++seq);
        }

        private long amount(long max) {
            return 100 + random.nextLong(max);
        }

        private void step() {
            int a = random.nextInt(accounts);
            String account = accountId(a);
            int r = random.nextInt(100);
            if (r < 18) {
                last = send(id, Op.CREDIT, account, new WriteRequest.Credit(account, amount(5_000), CURRENCY, null), key(), null);
            } else if (r < 36) {
                last = send(id, Op.CHARGE, account, new WriteRequest.Charge(account, amount(20_000), CURRENCY, null), key(), null);
                if (last.outcome() instanceof WriteOutcome.Accepted accepted && !accepted.eventIds().isEmpty()) {
                    WriteRequest.Charge charge = (WriteRequest.Charge) last.request();
                    refundable.add(new Refundable(account, accepted.eventIds().get(0), charge.amountMinor()));
                }
            } else if (r < 54) {
                String payee = accountId(otherPartition(a));
                last = send(id, Op.TRANSFER, account, new WriteRequest.Transfer(account, payee, amount(5_000), CURRENCY), key(), null);
            } else if (r < 70) {
                hold(a, account);
            } else if (r < 80 && !refundable.isEmpty()) {
                refund();
            } else if (r < 90 && last != null && last.resolved()) {
                Sent again = send(id, Op.RESEND, last.accountId(), last.request(), last.idempotencyKey(), last.outcome());
                last = again;
            } else if (last != null && last.outcome() instanceof WriteOutcome.Accepted
                    && last.request() instanceof WriteRequest.Credit credit) {
                // The same key with another body: refused, never applied.
                send(id, Op.REUSE, credit.accountId(), new WriteRequest.Credit(credit.accountId(), credit.amountMinor() + 1,
                        CURRENCY, null), last.idempotencyKey(), null);
            } else {
                last = send(id, Op.CREDIT, account, new WriteRequest.Credit(account, amount(5_000), CURRENCY, null), key(), null);
            }
        }

        /** A hold, then a capture (half of them paying another account) or a release of what is left. */
        private void hold(int a, String account) {
            String holdId = "h-" + phase + "-" + id + "-" + seq;
            long held = amount(5_000);
            Sent placed = send(id, Op.HOLD, account, new WriteRequest.PlaceHold(account, holdId, held, CURRENCY,
                    Instant.now().plus(Duration.ofDays(1))), key(), null);
            last = placed;
            if (!(placed.outcome() instanceof WriteOutcome.Accepted)) {
                return;
            }
            if (random.nextBoolean()) {
                String payee = random.nextBoolean() ? accountId(otherPartition(a)) : null;
                long captured = 1 + random.nextLong(held);
                last = send(id, Op.CAPTURE, account, new WriteRequest.CaptureHold(holdId, account, captured, CURRENCY, payee),
                        key(), null);
                if (captured < held) {
                    last = send(id, Op.RELEASE, account, new WriteRequest.ReleaseHold(holdId, account, null, CURRENCY), key(), null);
                }
            } else {
                last = send(id, Op.RELEASE, account, new WriteRequest.ReleaseHold(holdId, account, null, CURRENCY), key(), null);
            }
        }

        /** Refunds part or all of what is left of one of this client's charges. */
        private void refund() {
            int i = random.nextInt(refundable.size());
            Refundable charge = refundable.get(i);
            long amount = 1 + random.nextLong(charge.remainingMinor);
            last = send(id, Op.REFUND, charge.accountId, new WriteRequest.RefundCharge(charge.chargeId, amount, CURRENCY),
                    key(), null);
            if (last.outcome() instanceof WriteOutcome.Accepted) {
                charge.remainingMinor -= amount;
            }
            if (charge.remainingMinor == 0 || !(last.outcome() instanceof WriteOutcome.Accepted)) {
                refundable.remove(i);
            }
        }

        /** An account on another partition than account {@code a}'s (any other one if none is). */
        private int otherPartition(int a) {
            int own = partitionOf(accountId(a));
            for (int tries = 0; tries < 20; tries++) {
                int b = random.nextInt(accounts);
                if (b != a && partitionOf(accountId(b)) != own) {
                    return b;
                }
            }
            return (a + 1) % accounts;
        }
    }

    /**
     * Sends {@code request} with {@code key} to the client's instance, then to the next ones in turn while
     * the answer is no outcome, for up to {@link #RESOLVE_WITHIN}; records and returns how it ended.
     */
    private Sent send(int client, Op op, String accountId, WriteRequest request, String key, WriteOutcome expectation) {
        long startNs = System.nanoTime();
        long deadlineNs = startNs + RESOLVE_WITHIN.toNanos();
        int instance = client % ledgers.size();
        int pending = 0;
        int failed = 0;
        WriteOutcome outcome;
        while (true) {
            outcome = ledgers.get(instance).write(request, key);
            boolean answered = !(outcome instanceof WriteOutcome.Unavailable) && !(outcome instanceof WriteOutcome.Pending)
                    && !(outcome instanceof WriteOutcome.Failed f && f.status() >= 500);
            if (answered || System.nanoTime() - deadlineNs > 0) {
                break;
            }
            if (outcome instanceof WriteOutcome.Pending) {
                pending++;
            } else {
                failed++;
            }
            instance = (instance + 1) % ledgers.size();
        }
        Sent s = new Sent(op, accountId, request, key, startNs, System.nanoTime(), outcome, pending, failed, expectation);
        sent.add(s);
        return s;
    }
}
