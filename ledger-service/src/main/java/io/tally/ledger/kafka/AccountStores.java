package io.tally.ledger.kafka;

import io.tally.avro.internal.AccountSnapshot;
import io.tally.avro.internal.HoldSnapshot;
import io.tally.core.AccountState;
import io.tally.core.Hold;
import io.tally.core.Ledger;
import io.tally.core.LedgerCommand;
import io.tally.core.LedgerEvent;
import io.tally.schemas.codec.StateCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decide task's account stores (DESIGN.md, Write-side state): each account's snapshot
 * ({@value DecideTopology#ACCOUNT_STORE}), its holds and charges one entry each
 * ({@value DecideTopology#HOLD_STORE}, {@value DecideTopology#CHARGE_STORE}, keyed by
 * {@link AccountScopedKey}) and the index of holds due to expire ({@value DecideTopology#EXPIRY_STORE},
 * {@link HoldExpiries}). Loads the partial {@link AccountState} a command needs and writes back only
 * what an event changed, so a request costs the same however long its account's history is.
 *
 * <p>Not thread-safe: one per stream task, over that task's stores; every write is in the task's
 * exactly-once transaction.
 */
final class AccountStores {
    private static final Logger log = LoggerFactory.getLogger(AccountStores.class);

    private final KeyValueStore<String, AccountSnapshot> accounts;
    private final KeyValueStore<String, HoldSnapshot> holds;
    private final KeyValueStore<String, Long> charges;
    private final KeyValueStore<String, String> expiries;

    AccountStores(KeyValueStore<String, AccountSnapshot> accounts, KeyValueStore<String, HoldSnapshot> holds,
            KeyValueStore<String, Long> charges, KeyValueStore<String, String> expiries) {
        this.accounts = accounts;
        this.holds = holds;
        this.charges = charges;
        this.expiries = expiries;
    }

    /** The stores of the task {@code context} belongs to, by their names in {@link DecideTopology}. */
    static AccountStores of(ProcessorContext<?, ?> context) {
        return new AccountStores(context.getStateStore(DecideTopology.ACCOUNT_STORE),
                context.getStateStore(DecideTopology.HOLD_STORE), context.getStateStore(DecideTopology.CHARGE_STORE),
                context.getStateStore(DecideTopology.EXPIRY_STORE));
    }

    /**
     * The state {@link Ledger#decide} needs for {@code command}: the account's balance and version
     * and, of its holds and charges, only the one the command names (a hold for a place, capture,
     * release or expiry; a charge for a refund), if it exists; {@code null} if the account does not
     * exist. Decide looks holds and charges up only by the id the command names, so this partial
     * state decides exactly as the whole one would (HOLD_EXISTS, HOLD_NOT_FOUND vs HOLD_CLOSED,
     * CHARGE_NOT_FOUND vs AMOUNT_EXCEEDS_REFUNDABLE), and locked needs no sum of holds: it is in the
     * balance. A snapshot of the older format, holds and charges inside, is split first.
     */
    AccountState load(LedgerCommand command) {
        String accountId = command.accountId();
        AccountState state = StateCodec.fromSnapshot(accounts.get(accountId));
        if (state == null) {
            return null;
        }
        if (!state.holds().isEmpty() || !state.refundableByCharge().isEmpty()) {
            moveOutOfSnapshot(state);
        }
        Map<String, Hold> named = Map.of();
        if (command.holdId() != null) {
            Hold hold = StateCodec.fromHoldSnapshot(holds.get(AccountScopedKey.of(accountId, command.holdId())));
            named = hold == null ? Map.of() : Map.of(command.holdId(), hold);
        }
        Map<String, Long> refundable = Map.of();
        if (command.chargeId() != null) {
            Long remaining = charges.get(AccountScopedKey.of(accountId, command.chargeId()));
            refundable = remaining == null ? Map.of() : Map.of(command.chargeId(), remaining);
        }
        return new AccountState(state.accountId(), state.currency(), state.overdraftLimitMinor(), state.balance(),
                state.version(), named, refundable);
    }

    /**
     * Writes what {@code event} changed, as it is in {@code after}: the hold or charge it names, and
     * for a hold placed with an expiry, the index entry that will release it.
     */
    void saveEntry(AccountState after, LedgerEvent event) {
        if (event.holdId() != null) {
            holds.put(AccountScopedKey.of(after.accountId(), event.holdId()),
                    StateCodec.toHoldSnapshot(after.holds().get(event.holdId())));
        }
        if (event.chargeId() != null) {
            charges.put(AccountScopedKey.of(after.accountId(), event.chargeId()),
                    after.refundableByCharge().get(event.chargeId()));
        }
        if (event instanceof LedgerEvent.HoldPlaced placed && placed.expiresAtMs() != null) {
            expiries.put(HoldExpiries.key(placed.expiresAtMs(), after.accountId(), placed.holdId()),
                    HoldExpiries.value(after.accountId(), placed.holdId()));
        }
    }

    /** Writes the account's snapshot: currency, overdraft limit, balance and version (no holds or charges). */
    void saveSnapshot(AccountState state) {
        accounts.put(state.accountId(), StateCodec.toSnapshot(state));
    }

    /**
     * Removes from the expiry index, and returns, the holds due at {@code streamTimeMs}: those whose
     * expiry is at or before it, oldest first.
     */
    List<AccountScopedKey> takeDueHolds(long streamTimeMs) {
        List<KeyValue<String, String>> due = new ArrayList<>();
        try (KeyValueIterator<String, String> it = expiries.range(HoldExpiries.from(), HoldExpiries.until(streamTimeMs))) {
            it.forEachRemaining(due::add);
        }
        List<AccountScopedKey> holdsDue = new ArrayList<>(due.size());
        for (KeyValue<String, String> entry : due) {
            expiries.delete(entry.key);
            holdsDue.add(HoldExpiries.parseValue(entry.value));
        }
        return holdsDue;
    }

    /**
     * Moves the holds and charges of a snapshot written before they had stores of their own into
     * those stores, and rewrites the snapshot without them: once per account, in the task's
     * transaction like any other write.
     */
    private void moveOutOfSnapshot(AccountState old) {
        old.holds().values().forEach(h -> holds.put(AccountScopedKey.of(old.accountId(), h.holdId()),
                StateCodec.toHoldSnapshot(h)));
        old.refundableByCharge().forEach((chargeId, remaining) ->
                charges.put(AccountScopedKey.of(old.accountId(), chargeId), remaining));
        saveSnapshot(old);
        log.info("account {}: {} holds and {} charges moved out of its snapshot into their stores",
                old.accountId(), old.holds().size(), old.refundableByCharge().size());
    }
}
