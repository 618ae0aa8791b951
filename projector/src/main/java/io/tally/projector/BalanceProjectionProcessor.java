package io.tally.projector;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.avro.HoldState;
import io.tally.core.BalanceField;
import io.tally.core.BalanceProjection;
import io.tally.core.BalanceProjection.Applied;
import io.tally.core.HoldEvolution;
import io.tally.core.LedgerEvent;
import io.tally.core.ProjectedBalance;
import io.tally.projector.ProjectorTopology.IntegrityError;
import io.tally.schemas.codec.EventCodec;
import io.tally.schemas.codec.StateCodec;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies each ledger event to its account's projected balance, balance history and holds; the
 * rules are in {@link ProjectorTopology}'s documentation.
 *
 * <p>Not thread-safe: one instance per stream task, as Kafka Streams uses it.
 */
final class BalanceProjectionProcessor
        implements Processor<String, io.tally.avro.LedgerEvent, String, SpecificRecord> {
    private static final Logger log = LoggerFactory.getLogger(BalanceProjectionProcessor.class);

    /** The projector's counters, shared by every task (Micrometer counters are thread-safe). */
    record Counters(Counter applied, Counter duplicate, Counter gap, Map<IntegrityError, Counter> integrity) {
        static Counters register(MeterRegistry metrics) {
            Map<IntegrityError, Counter> integrity = new EnumMap<>(IntegrityError.class);
            for (IntegrityError reason : IntegrityError.values()) {
                integrity.put(reason, Counter.builder(ProjectorTopology.INTEGRITY_COUNTER)
                        .description("ledger events the projector found inconsistent")
                        .tag("reason", reason.tag()).register(metrics));
            }
            return new Counters(
                    Counter.builder(ProjectorTopology.APPLIED_COUNTER)
                            .description("ledger events applied to a projected balance").register(metrics),
                    Counter.builder(ProjectorTopology.DUPLICATE_COUNTER)
                            .description("ledger events dropped as already applied").register(metrics),
                    Counter.builder(ProjectorTopology.GAP_COUNTER)
                            .description("ledger events not applied because earlier versions are missing")
                            .register(metrics),
                    Map.copyOf(integrity));
        }
    }

    private final Counters counters;
    private final boolean publish;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, AccountBalance> balances;
    private VersionedKeyValueStore<String, AccountBalance> history;
    private KeyValueStore<String, HoldState> holds;
    private KeyValueStore<String, Long> flagged;
    /**
     * The keys of {@link #flagged}, so that the common case (an unflagged account) costs no store read:
     * a miss in a cached store still reads RocksDB. Flags are few; loaded in {@link #init}, after restore.
     */
    private Set<String> flaggedAccounts;
    /**
     * Per account of this task: the sum of its open holds' remaining amounts as {@link #holds} has
     * them, kept up to date with every hold this processor writes, so that the locked check need not
     * scan the account's holds after every hold event. An account absent here is summed by a scan of
     * the store; bounded to {@value #MAX_KEPT_ACCOUNTS} accounts, least recently used dropped.
     */
    private Map<String, Long> openRemainingByAccount;
    /**
     * Per account of this task: the balance this processor last put in {@link #balances}, so that the
     * next event of a busy account does not read and decode it again (the store's cache keeps bytes).
     * Bounded like {@link #openRemainingByAccount}; an absent account is read from the store.
     */
    private Map<String, ProjectedBalance> balanceByAccount;

    /** How many accounts' balances and open-hold sums a task keeps in memory (a few hundred bytes each). */
    static final int MAX_KEPT_ACCOUNTS = 100_000;

    BalanceProjectionProcessor(Counters counters, boolean publish) {
        this.counters = counters;
        this.publish = publish;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.balances = context.getStateStore(ProjectorTopology.BALANCE_STORE);
        this.history = context.getStateStore(ProjectorTopology.BALANCE_HISTORY_STORE);
        this.holds = context.getStateStore(ProjectorTopology.HOLD_STORE);
        this.flagged = context.getStateStore(ProjectorTopology.FLAGGED_STORE);
        this.flaggedAccounts = new HashSet<>();
        try (KeyValueIterator<String, Long> all = flagged.all()) {
            all.forEachRemaining(flag -> flaggedAccounts.add(flag.key));
        }
        // Init runs again when a task is revived (e.g. after a failed commit): start from the stores.
        this.openRemainingByAccount = leastRecentlyUsed();
        this.balanceByAccount = leastRecentlyUsed();
    }

    /** A map that keeps the {@value #MAX_KEPT_ACCOUNTS} accounts used most recently. */
    private static <V> Map<String, V> leastRecentlyUsed() {
        return new LinkedHashMap<>(1_024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > MAX_KEPT_ACCOUNTS;
            }
        };
    }

    @Override
    public void process(Record<String, io.tally.avro.LedgerEvent> record) {
        io.tally.avro.LedgerEvent wire = record.value();
        if (wire == null) {
            integrityError(IntegrityError.UNDECODABLE);
            log.error("event without a value for key {} at {}: not applied", record.key(), position());
            return;
        }
        String accountId = wire.getAccountId();
        if (!accountId.equals(record.key())) {
            integrityError(IntegrityError.KEY_MISMATCH);
            log.error("event {} of account {} is keyed {} at {}: not applied", wire.getEventId(), accountId,
                    record.key(), position());
            return;
        }
        LedgerEvent event;
        try {
            event = EventCodec.toCore(wire);
        } catch (IllegalArgumentException undecodable) {
            integrityError(IntegrityError.UNDECODABLE);
            log.error("event {} of account {} (version {}) at {} cannot be read: {}; not applied", wire.getEventId(),
                    accountId, wire.getVersion(), position(), undecodable.getMessage());
            flagIfMissing(accountId, wire.getVersion());
            return;
        }
        Applied applied;
        try {
            ProjectedBalance current = balanceByAccount.get(accountId);
            applied = BalanceProjection.apply(current != null ? current : StateCodec.fromAvro(balances.get(accountId)), event);
        } catch (ArithmeticException overflow) {
            integrityError(IntegrityError.OVERFLOW);
            log.error("event {} overflows the balance of account {}: not applied", wire.getEventId(), accountId);
            flagIfMissing(accountId, wire.getVersion());
            return;
        }
        if (applied instanceof Applied.Next next) {
            applyNext(record, event, next.balance());
        } else if (applied instanceof Applied.Duplicate duplicate) {
            counters.duplicate().increment();
            log.debug("event {} dropped: account {} is at version {}", wire.getEventId(), accountId,
                    duplicate.projectedVersion());
        } else if (applied instanceof Applied.Gap gap) {
            counters.gap().increment();
            log.error("gap on account {}: projected version {}, event {} has version {}; not applied until the "
                    + "missing versions arrive", accountId, gap.projectedVersion(), wire.getEventId(), gap.eventVersion());
            flag(accountId, gap.eventVersion());
        } else {
            throw new AssertionError("unhandled outcome " + applied);
        }
    }

    private void applyNext(Record<String, io.tally.avro.LedgerEvent> record, LedgerEvent event, ProjectedBalance next) {
        String accountId = next.accountId();
        if (!next.balance().equals(event.balanceAfter())) {
            integrityError(IntegrityError.BALANCE_MISMATCH);
            log.error("event {}: the writer's balance after is {} but the projection gives {}; keeping the projection",
                    event.header().eventId(), event.balanceAfter(), next.balance());
        }
        AccountBalance balance = StateCodec.toAvro(next);
        balances.put(accountId, balance);
        balanceByAccount.put(accountId, next);
        history.put(accountId, balance, next.updatedAtMs());
        applyToHold(record, event, next);
        if (changesLocked(event)) {
            checkLockedAgainstHolds(next);
        }
        Long missingVersion = flaggedAccounts.contains(accountId) ? flagged.get(accountId) : null;
        if (missingVersion != null && next.version() >= missingVersion) {
            flagged.delete(accountId);
            flaggedAccounts.remove(accountId);
            log.info("account {} reached version {}: no longer flagged", accountId, next.version());
        }
        counters.applied().increment();
        if (publish) {
            context.forward(record.withValue(balance), ProjectorTopology.SINK);
        }
    }

    /** Evolves and publishes the hold a hold event names; a hold event the holds cannot explain is an integrity error. */
    private void applyToHold(Record<String, io.tally.avro.LedgerEvent> record, LedgerEvent event, ProjectedBalance next) {
        String holdId;
        if (event instanceof LedgerEvent.HoldPlaced placed) {
            holdId = placed.holdId();
        } else if (event instanceof LedgerEvent.HoldCaptured captured) {
            holdId = captured.holdId();
        } else if (event instanceof LedgerEvent.HoldReleased released) {
            holdId = released.holdId();
        } else {
            return;
        }
        String key = ProjectorTopology.holdKey(next.accountId(), holdId);
        HoldState before = holds.get(key);
        HoldEvolution.Result evolved = HoldEvolution.apply(StateCodec.fromHoldState(before), event);
        if (evolved instanceof HoldEvolution.DoesNotFit misfit) {
            integrityError(IntegrityError.HOLD_MISMATCH);
            log.error("event {} does not fit hold {} of account {} as projected ({}): {}; hold not changed",
                    event.header().eventId(), holdId, next.accountId(), before, misfit.message());
            return;
        }
        HoldState after = StateCodec.toHoldState(((HoldEvolution.Fits) evolved).hold(), before, event, next);
        holds.put(key, after);
        Long openRemainingMinor = openRemainingByAccount.get(next.accountId());
        if (openRemainingMinor != null) {
            openRemainingByAccount.put(next.accountId(), Math.addExact(Math.subtractExact(openRemainingMinor,
                    openRemainingMinor(before, next.accountId())), openRemainingMinor(after, next.accountId())));
        }
        if (before != null && !before.getAccountId().equals(next.accountId())) {
            // Another account's hold under the same key: impossible for ids of the grammar (HoldKeyTest), kept
            // so that the sums stay right even then.
            openRemainingByAccount.remove(before.getAccountId());
        }
        if (publish) {
            context.forward(record.withKey(key).withValue(after), ProjectorTopology.HOLD_SINK);
        }
    }

    private static boolean changesLocked(LedgerEvent event) {
        return event instanceof LedgerEvent.HoldPlaced || event instanceof LedgerEvent.HoldCaptured
                || event instanceof LedgerEvent.HoldReleased
                || (event instanceof LedgerEvent.Corrected corrected && corrected.field() == BalanceField.LOCKED);
    }

    /**
     * Internal consistency (DESIGN.md, seed 000): locked equals the sum of the account's open holds'
     * remaining amounts. Checked after every event that can change either side; other events leave both
     * alone. Locked comes from the balance's evolution ({@code BalanceProjection}), the holds from the
     * core's {@link HoldEvolution}, the write side's own; the sum is the holds store's, kept beside it
     * ({@link #openRemainingByAccount}) or, for an account not summed yet, a prefix scan over its holds.
     */
    private void checkLockedAgainstHolds(ProjectedBalance next) {
        long openRemainingMinor = openRemainingByAccount.computeIfAbsent(next.accountId(), this::scanOpenRemainingMinor);
        if (openRemainingMinor != next.balance().lockedMinor()) {
            integrityError(IntegrityError.LOCKED_MISMATCH);
            log.error("account {} at version {}: locked {} but its open holds' remaining amounts sum to {}",
                    next.accountId(), next.version(), next.balance().lockedMinor(), openRemainingMinor);
        }
    }

    /** The sum of {@code accountId}'s open holds' remaining amounts in {@link #holds}: a prefix scan. */
    private long scanOpenRemainingMinor(String accountId) {
        long sumMinor = 0;
        String prefix = ProjectorTopology.holdKey(accountId, "");
        try (KeyValueIterator<String, HoldState> it = holds.prefixScan(prefix, new StringSerializer())) {
            while (it.hasNext()) {
                sumMinor = Math.addExact(sumMinor, openRemainingMinor(it.next().value, accountId));
            }
        }
        return sumMinor;
    }

    /** What {@code hold} adds to {@code accountId}'s locked: its remainder if it is open and that account's. */
    private static long openRemainingMinor(HoldState hold, String accountId) {
        return hold != null && hold.getOpen() && hold.getAccountId().equals(accountId) ? hold.getRemainingMinor() : 0;
    }

    /** Flags the account if its projection has not reached {@code version} yet. */
    private void flagIfMissing(String accountId, long version) {
        AccountBalance current = balances.get(accountId);
        if (current == null || current.getVersion() < version) {
            flag(accountId, version);
        }
    }

    private void flag(String accountId, long missingVersion) {
        Long flaggedVersion = flagged.get(accountId);
        if (flaggedVersion == null || flaggedVersion < missingVersion) {
            flagged.put(accountId, missingVersion);
            flaggedAccounts.add(accountId);
        }
    }

    private void integrityError(IntegrityError reason) {
        counters.integrity().get(reason).increment();
    }

    /** Topic-partition@offset of the current record, for logs. */
    private String position() {
        return context.recordMetadata()
                .map(m -> m.topic() + "-" + m.partition() + "@" + m.offset())
                .orElse("?");
    }
}
