package io.tally.cli.check;

import io.tally.cli.check.BankWorkload.Op;
import io.tally.cli.check.BankWorkload.Sent;
import io.tally.client.Balance;
import io.tally.client.BalanceConsumer;
import io.tally.client.TallyClient;
import io.tally.client.WriteOutcome;
import io.tally.client.WriteRequest;
import io.tally.schemas.TopicNames;
import io.tally.avro.AccountBalance;
import io.tally.avro.EventType;
import io.tally.avro.LedgerEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.Jdbi;

/**
 * The checker of {@link FaultsCheck}: reads {@code ledger.events} from the beginning
 * ({@code read_committed}) and folds it with its own code, not the ledger's, then holds the ledger, every
 * recorded client outcome and every view to it (issue 20, item 3):
 * <ul>
 *   <li>every event id once; each account's versions 1, 2, 3, ... with no gap;</li>
 *   <li>each event's balance after it equal to the fold; no available balance below the account's
 *       overdraft limit, no locked balance below 0, at any version;</li>
 *   <li>every event a client's request makes (opened, credited, charged, hold placed, captured,
 *       released, refunded, transfer sent) named by an accepted outcome, and every accepted outcome's
 *       events in the log exactly once; each transfer and each paying capture answered by exactly one
 *       received or returned event;</li>
 *   <li>every request resolved; a resend answered as the first time (same events, replayed), a key
 *       reused with another body refused with {@code IDEMPOTENCY_KEY_REUSED};</li>
 *   <li>conservation per currency: the sum of balances (available + locked) equal to accepted credits
 *       minus charges plus refunds minus captures that pay no account, plus corrections;</li>
 *   <li>{@code ledger.balances}, the {@code account_balances} table and every projector instance's API
 *       equal to the fold for every account.</li>
 * </ul>
 * The views are eventually consistent: {@link #await} reads again until they agree or the time is up, and
 * reports what still differs.
 *
 * <p>Not thread-safe: one audit at a time.
 */
final class LedgerAudit {
    /** The event types only a client's request makes; the others come from the ledger itself. */
    private static final Set<EventType> REQUESTED = EnumSet.of(EventType.ACCOUNT_OPENED, EventType.CREDITED,
            EventType.CHARGED, EventType.HOLD_PLACED, EventType.HOLD_CAPTURED, EventType.HOLD_RELEASED,
            EventType.CHARGE_REFUNDED, EventType.TRANSFER_SENT);
    private static final int MAX_REPORTED = 10;

    private final Map<String, Object> kafka;
    private final TopicNames topics;
    private final String jdbcUrl;
    private final List<TallyClient> projectors;

    LedgerAudit(String bootstrapServers, TopicNames topics, String jdbcUrl, List<String> projectorUrls, String token) {
        this.kafka = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "tally-check-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        this.topics = topics;
        this.jdbcUrl = jdbcUrl;
        this.projectors = projectorUrls.stream().map(url -> TallyClient.builder().projectorUrl(url).token(token)
                .connectTimeout(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(10)).build()).toList();
    }

    /** An account as the checker's fold has it. */
    static final class Folded {
        long available;
        long locked;
        long version;
        long overdraftLimit;
        String currency;
    }

    /** What an audit found: the violations (empty: none), the events and accounts it read. */
    record Report(List<String> violations, int events, int accounts) {}

    /**
     * Audits until the views agree with the fold (and every transfer is answered) or {@code within} has
     * passed, then returns the report of the last read.
     */
    Report await(List<Sent> sent, List<String> accountIds, Duration within) throws InterruptedException {
        long deadlineNs = System.nanoTime() + within.toNanos();
        while (true) {
            Report report = audit(sent, accountIds);
            if (report.violations().isEmpty() || System.nanoTime() - deadlineNs > 0) {
                return report;
            }
            Thread.sleep(2_000);
        }
    }

    /** One audit of everything as it stands now. */
    Report audit(List<Sent> sent, List<String> accountIds) {
        Violations v = new Violations();
        List<LedgerEvent> events = readAll(topics.events(), BalanceConsumer::events, (LedgerEvent e) -> e.getAccountId());
        Map<String, Folded> fold = checkLog(sent, events, v);
        checkViews(fold, accountIds, v);
        return new Report(v.all(), events.size(), fold.size());
    }

    /**
     * Every check of the log against itself and the client outcomes (all but the views'), adding what
     * fails to {@code v}.
     *
     * @param events every event of {@code ledger.events}, in offset order per partition
     * @return the fold, by account id
     */
    static Map<String, Folded> checkLog(List<Sent> sent, List<LedgerEvent> events, Violations v) {
        Map<String, Folded> fold = fold(events, v);
        checkOutcomes(sent, events, v);
        checkConservation(sent, events, fold, v);
        return fold;
    }

    /** Folds the events, checking ids, versions, each event's balance after it and the limits. */
    private static Map<String, Folded> fold(List<LedgerEvent> events, Violations v) {
        Map<String, Folded> accounts = new TreeMap<>();
        Set<String> ids = new HashSet<>();
        for (LedgerEvent e : events) {
            if (!ids.add(e.getEventId())) {
                v.add("duplicated event", e.getEventId() + " is in ledger.events more than once");
            }
            Folded a = accounts.computeIfAbsent(e.getAccountId(), id -> new Folded());
            if (e.getVersion() != a.version + 1) {
                v.add("version gap", e.getAccountId() + " goes from version " + a.version + " to " + e.getVersion());
            }
            a.version = e.getVersion();
            long amount = e.getAmountMinor() == null ? 0 : e.getAmountMinor();
            switch (e.getType()) {
                case ACCOUNT_OPENED -> {
                    a.currency = e.getCurrency();
                    a.overdraftLimit = e.getOverdraftLimitMinor() == null ? 0 : e.getOverdraftLimitMinor();
                }
                case CREDITED, CHARGE_REFUNDED, TRANSFER_RECEIVED, TRANSFER_RETURNED -> a.available = Math.addExact(a.available, amount);
                case CHARGED, TRANSFER_SENT -> a.available = Math.subtractExact(a.available, amount);
                case HOLD_PLACED -> {
                    a.available = Math.subtractExact(a.available, amount);
                    a.locked = Math.addExact(a.locked, amount);
                }
                case HOLD_CAPTURED -> a.locked = Math.subtractExact(a.locked, amount);
                case HOLD_RELEASED, HOLD_EXPIRED -> {
                    a.available = Math.addExact(a.available, amount);
                    a.locked = Math.subtractExact(a.locked, amount);
                }
                case CORRECTED -> {
                    long delta = e.getDeltaMinor() == null ? 0 : e.getDeltaMinor();
                    if ("LOCKED".equals(e.getBalanceField())) {
                        a.locked = Math.addExact(a.locked, delta);
                    } else {
                        a.available = Math.addExact(a.available, delta);
                    }
                }
                default -> v.add("unknown event", e.getEventId() + " has type " + e.getType());
            }
            if (a.available != e.getAvailableAfterMinor() || a.locked != e.getLockedAfterMinor()) {
                v.add("balance after", e.getEventId() + " says " + e.getAvailableAfterMinor() + "/" + e.getLockedAfterMinor()
                        + " (available/locked); the fold has " + a.available + "/" + a.locked);
            }
            if (a.available < -a.overdraftLimit) {
                v.add("overdrawn", e.getAccountId() + " at version " + e.getVersion() + " has available " + a.available
                        + " below its limit -" + a.overdraftLimit);
            }
            if (a.locked < 0) {
                v.add("negative locked", e.getAccountId() + " at version " + e.getVersion() + " has locked " + a.locked);
            }
        }
        return accounts;
    }

    /** Outcomes against the log: accepted events once, no event without an outcome, resends, reuses. */
    private static void checkOutcomes(List<Sent> sent, List<LedgerEvent> events, Violations v) {
        Set<String> accepted = new HashSet<>();
        for (Sent s : sent) {
            if (!s.resolved()) {
                v.add("unresolved", s.op() + " " + s.idempotencyKey() + " has no outcome after "
                        + BankWorkload.RESOLVE_WITHIN.toSeconds() + " s of resending: " + s.outcome());
                continue;
            }
            if (s.outcome() instanceof WriteOutcome.Accepted a) {
                accepted.addAll(a.eventIds());
            } else if (s.outcome() instanceof WriteOutcome.Rejected r) {
                boolean reuseRefused = "IDEMPOTENCY_KEY_REUSED".equals(r.code());
                if (s.op() == Op.REUSE != reuseRefused) {
                    v.add("idempotency", s.op() + " " + s.idempotencyKey() + " answered " + r.code());
                }
            } else {
                v.add("unexpected answer", s.op() + " " + s.idempotencyKey() + " answered " + s.outcome());
            }
            if (s.op() == Op.REUSE && !(s.outcome() instanceof WriteOutcome.Rejected)) {
                v.add("idempotency", "a reuse of " + s.idempotencyKey() + " with another body was not refused: " + s.outcome());
            }
            if (s.op() == Op.RESEND && !sameAnswer(s.expectation(), s.outcome())) {
                v.add("idempotency", "a resend of " + s.idempotencyKey() + " answered " + s.outcome() + ", first "
                        + s.expectation());
            }
        }
        Map<String, Integer> inLog = new HashMap<>();
        Map<String, LedgerEvent> answered = new HashMap<>();
        Set<String> owed = new HashSet<>();
        for (LedgerEvent e : events) {
            inLog.merge(e.getEventId(), 1, Integer::sum);
            if (REQUESTED.contains(e.getType()) && !accepted.contains(e.getEventId())) {
                v.add("event without an outcome", e.getEventId() + " (" + e.getType() + ", key " + e.getIdempotencyKey()
                        + ") was answered to no client as accepted");
            }
            boolean pays = e.getType() == EventType.TRANSFER_SENT
                    || e.getType() == EventType.HOLD_CAPTURED && e.getCounterpartyAccountId() != null;
            if (pays) {
                owed.add(e.getEventId());
            }
            if (e.getType() == EventType.TRANSFER_RECEIVED || e.getType() == EventType.TRANSFER_RETURNED) {
                LedgerEvent before = answered.put(e.getTransferId(), e);
                if (before != null) {
                    v.add("transfer answered twice", e.getTransferId() + " by " + before.getEventId() + " and " + e.getEventId());
                }
            }
        }
        for (String id : accepted) {
            if (!inLog.containsKey(id)) {
                v.add("lost", "accepted event " + id + " is not in ledger.events");
            }
        }
        for (String id : owed) {
            if (!answered.containsKey(id)) {
                v.add("transfer in flight", id + " has no received or returned event (yet)");
            }
        }
        for (String id : answered.keySet()) {
            if (!owed.contains(id)) {
                v.add("transfer without a payer", id + " was received or returned but never sent");
            }
        }
    }

    private static boolean sameAnswer(WriteOutcome first, WriteOutcome again) {
        if (first instanceof WriteOutcome.Accepted a && again instanceof WriteOutcome.Accepted b) {
            return b.replayed() && a.eventIds().equals(b.eventIds());
        }
        if (first instanceof WriteOutcome.Rejected a && again instanceof WriteOutcome.Rejected b) {
            return a.code().equals(b.code());
        }
        return false;
    }

    /**
     * Σ (available + locked) per currency against what the clients were told was accepted (each key
     * once, replays not again) plus the corrections in the log.
     */
    private static void checkConservation(List<Sent> sent, List<LedgerEvent> events, Map<String, Folded> fold,
            Violations v) {
        Map<String, Long> expected = new TreeMap<>();
        Set<String> counted = new HashSet<>();
        for (Sent s : sent) {
            if (!(s.outcome() instanceof WriteOutcome.Accepted) || s.op() == Op.RESEND || !counted.add(s.idempotencyKey())) {
                continue;
            }
            long delta = 0;
            if (s.request() instanceof WriteRequest.Credit c) {
                delta = c.amountMinor();
            } else if (s.request() instanceof WriteRequest.Charge c) {
                delta = -c.amountMinor();
            } else if (s.request() instanceof WriteRequest.RefundCharge r) {
                delta = r.amountMinor();
            } else if (s.request() instanceof WriteRequest.CaptureHold c && c.payeeAccountId() == null) {
                delta = -c.amountMinor();
            }
            expected.merge(BankWorkload.CURRENCY, delta, Math::addExact);
        }
        for (LedgerEvent e : events) {
            if (e.getType() == EventType.CORRECTED && e.getDeltaMinor() != null) {
                expected.merge(e.getCurrency(), e.getDeltaMinor(), Math::addExact);
            }
        }
        Map<String, Long> actual = new TreeMap<>();
        fold.values().forEach(a -> actual.merge(a.currency, Math.addExact(a.available, a.locked), Math::addExact));
        if (!expected.equals(actual)) {
            v.add("conservation", "balances sum to " + actual + "; accepted credits, charges, refunds and captures give "
                    + expected);
        }
    }

    /** {@code ledger.balances}, {@code account_balances} and every projector API against the fold. */
    private void checkViews(Map<String, Folded> fold, List<String> accountIds, Violations v) {
        Map<String, AccountBalance> topic = new HashMap<>();
        readAll(topics.balances(), BalanceConsumer::balances, (AccountBalance b) -> b.getAccountId())
                .forEach(b -> topic.put(b.getAccountId(), b));
        Map<String, long[]> table = new HashMap<>();
        try {
            Jdbi.create(jdbcUrl).useHandle(h -> h.createQuery(
                            "SELECT account_id, available_minor, locked_minor, version FROM account_balances")
                    .map((rs, ctx) -> Map.entry(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4)}))
                    .forEach(e -> table.put(e.getKey(), e.getValue())));
        } catch (RuntimeException e) {
            v.add("account_balances", "cannot be read: " + e.getMessage());
        }
        for (String id : accountIds) {
            Folded a = fold.get(id);
            if (a == null) {
                v.add("lost", "account " + id + " has no event");
                continue;
            }
            long[] want = {a.available, a.locked, a.version};
            AccountBalance b = topic.get(id);
            compare(v, "ledger.balances", id, want, b == null ? null
                    : new long[] {b.getAvailableMinor(), b.getLockedMinor(), b.getVersion()});
            compare(v, "account_balances", id, want, table.get(id));
            for (int i = 0; i < projectors.size(); i++) {
                long[] api;
                try {
                    Optional<Balance> read = projectors.get(i).balance(id);
                    api = read.map(r -> new long[] {r.availableMinor(), r.lockedMinor(), r.version()}).orElse(null);
                } catch (RuntimeException e) {
                    v.add("projector-" + i + " API", id + ": " + e.getMessage());
                    continue;
                }
                compare(v, "projector-" + i + " API", id, want, api);
            }
        }
    }

    private static void compare(Violations v, String view, String id, long[] want, long[] got) {
        if (got == null) {
            v.add(view, id + " is missing (the fold has " + text(want) + ")");
        } else if (!java.util.Arrays.equals(want, got)) {
            v.add(view, id + " has " + text(got) + "; the fold has " + text(want));
        }
    }

    private static String text(long[] b) {
        return b[0] + "/" + b[1] + " v" + b[2];
    }

    /** Every record of {@code topic} up to its end offsets now, in offset order per partition. */
    private <V> List<V> readAll(String topic, java.util.function.Function<Map<String, ?>, KafkaConsumer<String, V>> open,
            java.util.function.Function<V, String> name) {
        List<V> out = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = open.apply(kafka)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map((PartitionInfo p) -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, Duration.ofSeconds(30)));
            end.entrySet().removeIf(e -> e.getValue() == 0);
            long deadlineNs = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!end.isEmpty()) {
                if (System.nanoTime() - deadlineNs > 0) {
                    throw new IllegalStateException("cannot read " + topic + " to its end within 2 minutes: " + end.keySet());
                }
                for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() != null && name.apply(r.value()) != null) {
                        out.add(r.value());
                    }
                }
                // A transaction marker may be the last offset: done once the position passes the end.
                end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            }
        }
        return out;
    }

    /** Violations by kind, at most {@value #MAX_REPORTED} examples each, with the count of all. */
    static final class Violations {
        final List<String> list = new ArrayList<>();
        final Map<String, Integer> counts = new LinkedHashMap<>();

        void add(String kind, String example) {
            int n = counts.merge(kind, 1, Integer::sum);
            if (n <= MAX_REPORTED) {
                list.add(kind + ": " + example);
            }
        }

        /** The examples, then how many of each kind there were where that is more than were listed. */
        List<String> all() {
            List<String> out = new ArrayList<>(list);
            counts.forEach((kind, n) -> {
                if (n > MAX_REPORTED) {
                    out.add(kind + ": " + n + " in all");
                }
            });
            return out;
        }
    }
}
