package io.tally.ledger.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.EventType;
import io.tally.avro.LedgerEvent;
import io.tally.avro.internal.AccountSnapshot;
import io.tally.avro.internal.HoldSnapshot;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.SingleObjectSerde;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hold-expiry punctuator alone (as Kafka's WordCountProcessorTest tests one processor): a mock
 * processor context, the real in-memory stores it reads and writes, the punctuator fired by hand.
 */
class HoldExpiryPunctuatorTest {
    private static final LedgerTopics TOPICS = TopicNames.defaults(1).in(ValueSerdes.singleObject());
    private static final long WALL_CLOCK_MS = 1_780_000_000_000L;

    private final MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
    private final KeyValueStore<String, AccountSnapshot> accounts =
            store(DecideTopology.ACCOUNT_STORE, SingleObjectSerde.of(AccountSnapshot.class));
    private final KeyValueStore<String, HoldSnapshot> holds =
            store(DecideTopology.HOLD_STORE, SingleObjectSerde.of(HoldSnapshot.class));
    private final KeyValueStore<String, Long> charges = store(DecideTopology.CHARGE_STORE, Serdes.Long());
    private final KeyValueStore<String, String> expiries = store(DecideTopology.EXPIRY_STORE, Serdes.String());
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    private <V> KeyValueStore<String, V> store(String name, Serde<V> values) {
        KeyValueStore<String, V> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), values)
                .withLoggingDisabled() // the mock context has no changelog
                .build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        return store;
    }

    @BeforeEach
    void accountWithThreeHolds() {
        // Available 300, locked 900: "due" (700, expires at 60 s) and "later" (200, at 90 s) are open;
        // "spent" (expiring at 50 s) was captured in full before its time.
        accounts.put("a", AccountSnapshot.newBuilder().setAccountId("a").setCurrency("CZK").setScale(2)
                .setOverdraftLimitMinor(0).setAvailableMinor(300).setLockedMinor(900).setVersion(6)
                .setHolds(List.of()).setRefundableByCharge(Map.of()).build());
        hold("due", 700, 0, 60_000L);
        hold("later", 200, 0, 90_000L);
        hold("spent", 100, 100, 50_000L);
        context.setCurrentSystemTimeMs(WALL_CLOCK_MS);
        AccountStores stores = AccountStores.of(context);
        DecideMetrics meters = new DecideMetrics(metrics);
        EventAppender appender = new EventAppender(stores, new DecideOutputs(context, TOPICS));
        new HoldExpiryPunctuator(stores, appender, meters, context::currentSystemTimeMs).schedule(context);
    }

    private void hold(String holdId, long amountMinor, long capturedMinor, long expiresAtMs) {
        holds.put(AccountScopedKey.of("a", holdId), HoldSnapshot.newBuilder().setHoldId(holdId).setAmountMinor(amountMinor)
                .setCapturedMinor(capturedMinor).setReleasedMinor(0).setExpiresAtMs(expiresAtMs).build());
        expiries.put(HoldExpiries.key(expiresAtMs, "a", holdId), HoldExpiries.value("a", holdId));
    }

    private MockProcessorContext.CapturedPunctuator punctuator() {
        assertThat(context.scheduledPunctuators()).hasSize(1);
        return context.scheduledPunctuators().get(0);
    }

    private List<String> indexedHolds() {
        List<String> due = new ArrayList<>();
        try (KeyValueIterator<String, String> it = expiries.all()) {
            it.forEachRemaining(kv -> due.add(HoldExpiries.parseValue(kv.value).id()));
        }
        return due;
    }

    @Test
    void itFollowsStreamTimeEverySecond() {
        assertThat(punctuator().getType()).isEqualTo(PunctuationType.STREAM_TIME);
        assertThat(punctuator().getInterval()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void beforeAnyExpiryNothingHappens() {
        punctuator().getPunctuator().punctuate(49_999L);

        assertThat(context.forwarded()).isEmpty();
        assertThat(indexedHolds()).containsExactly("spent", "due", "later");
        assertThat(accounts.get("a").getVersion()).isEqualTo(6L);
    }

    @Test
    void aHoldWhoseTimeHasPassedIsReleasedWithAHoldExpiredEvent() {
        punctuator().getPunctuator().punctuate(61_500L);

        assertThat(context.forwarded()).hasSize(1);
        MockProcessorContext.CapturedForward<? extends byte[], ? extends byte[]> forward = context.forwarded().get(0);
        assertThat(forward.childName()).contains(DecideTopology.EVENTS_SINK);
        Record<? extends byte[], ? extends byte[]> record = forward.record();
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("a");
        assertThat(record.timestamp()).as("stream time, as the records that moved it").isEqualTo(61_500L);
        LedgerEvent expired = TOPICS.events().decode(record.value());
        assertThat(expired.getType()).isEqualTo(EventType.HOLD_EXPIRED);
        assertThat(expired.getHoldId()).isEqualTo("due");
        assertThat(expired.getAmountMinor()).isEqualTo(700L);
        assertThat(expired.getVersion()).isEqualTo(7L);
        assertThat(expired.getAvailableAfterMinor()).isEqualTo(1_000L);
        assertThat(expired.getLockedAfterMinor()).isEqualTo(200L);
        assertThat(expired.getAcceptedAtMs()).as("accepted by the wall clock").isEqualTo(WALL_CLOCK_MS);
        assertThat(expired.getRequestId()).isEqualTo("expire:due");

        HoldSnapshot released = holds.get(AccountScopedKey.of("a", "due"));
        assertThat(released.getReleasedMinor()).isEqualTo(700L);
        AccountSnapshot account = accounts.get("a");
        assertThat(account.getVersion()).isEqualTo(7L);
        assertThat(account.getAvailableMinor()).isEqualTo(1_000L);
        assertThat(account.getLockedMinor()).isEqualTo(200L);
        // The spent hold had nothing left: out of the index, and no event.
        assertThat(indexedHolds()).containsExactly("later");
        assertThat(metrics.counter("tally.ledger.requests", "outcome", "hold-expired", "code", "none").count())
                .isEqualTo(1.0);
    }

    @Test
    void aHoldExpiresOnceHoweverOftenTheTimePasses() {
        punctuator().getPunctuator().punctuate(61_500L);
        context.resetForwards();

        punctuator().getPunctuator().punctuate(61_500L);
        punctuator().getPunctuator().punctuate(62_500L);

        assertThat(context.forwarded()).isEmpty();
        assertThat(accounts.get("a").getVersion()).isEqualTo(7L);

        punctuator().getPunctuator().punctuate(90_000L);
        assertThat(context.forwarded()).extracting(f -> TOPICS.events().decode(f.record().value()).getHoldId())
                .containsExactly("later");
        assertThat(indexedHolds()).isEmpty();
        assertThat(accounts.get("a").getLockedMinor()).isZero();
    }

    @Test
    void theIndexKeepsOrderAcrossAccounts() {
        // Another account's hold, due first: both accounts are expired in one punctuation, oldest first.
        accounts.put("b", AccountSnapshot.newBuilder(accounts.get("a")).setAccountId("b").setAvailableMinor(0)
                .setLockedMinor(50).build());
        holds.put(AccountScopedKey.of("b", "due"), HoldSnapshot.newBuilder().setHoldId("due").setAmountMinor(50)
                .setCapturedMinor(0).setReleasedMinor(0).setExpiresAtMs(55_000L).build());
        expiries.put(HoldExpiries.key(55_000L, "b", "due"), HoldExpiries.value("b", "due"));

        punctuator().getPunctuator().punctuate(60_000L);

        List<KeyValue<String, Long>> expired = new ArrayList<>();
        context.forwarded().forEach(f -> {
            LedgerEvent event = TOPICS.events().decode(f.record().value());
            expired.add(KeyValue.pair(event.getAccountId(), event.getAmountMinor()));
        });
        assertThat(expired).containsExactly(KeyValue.pair("b", 50L), KeyValue.pair("a", 700L));
        assertThat(accounts.get("b").getLockedMinor()).isZero();
    }
}
