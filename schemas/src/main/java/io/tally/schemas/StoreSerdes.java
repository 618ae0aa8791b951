package io.tally.schemas;

import io.tally.avro.AccountBalance;
import io.tally.avro.HoldState;
import org.apache.kafka.common.serialization.Serde;

/**
 * The value serdes of the projector's state stores and so of their changelog topics: always Avro
 * single-object encoding, whatever the topics' configured encoding ({@link ValueSerdes}). Stores are
 * internal, read back only by tally itself (a restore, a rebuild's comparison), so they need no
 * registry, and a change of the public encoding never makes a store unreadable (DESIGN.md,
 * Serialization).
 *
 * <p>Thread-safe: the serdes are.
 */
public final class StoreSerdes {
    /** A balance in the projector's {@code balances} and {@code balance-history} stores. */
    public static final Serde<AccountBalance> BALANCE = SingleObjectSerde.of(AccountBalance.class);
    /** A hold in the projector's {@code holds} store. */
    public static final Serde<HoldState> HOLD = SingleObjectSerde.of(HoldState.class);

    private StoreSerdes() {}
}
