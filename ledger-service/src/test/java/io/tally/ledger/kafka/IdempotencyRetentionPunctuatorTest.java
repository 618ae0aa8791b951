package io.tally.ledger.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.avro.LedgerResult;
import io.tally.avro.ResultStatus;
import io.tally.avro.internal.IdempotencyRecord;
import io.tally.core.LedgerCommand;
import io.tally.schemas.SingleObjectSerde;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The idempotency-retention punctuator alone: a mock processor context, a real in-memory idempotency
 * store, the punctuator fired by hand at chosen wall-clock times.
 */
class IdempotencyRetentionPunctuatorTest {
    private static final long DAY_MS = Duration.ofDays(1).toMillis();
    private static final long NOW_MS = 1_780_000_000_000L;

    private final MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
    private final KeyValueStore<String, IdempotencyRecord> store = idempotencyStore();

    private KeyValueStore<String, IdempotencyRecord> idempotencyStore() {
        KeyValueStore<String, IdempotencyRecord> s = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(DecideTopology.IDEMPOTENCY_STORE), Serdes.String(),
                        SingleObjectSerde.of(IdempotencyRecord.class))
                .withLoggingDisabled() // the mock context has no changelog
                .build();
        s.init(context.getStateStoreContext(), s);
        context.addStateStore(s);
        return s;
    }

    private void decided(String idempotencyKey, long decidedAtMs, LedgerCommand.Origin origin) {
        LedgerResult outcome = LedgerResult.newBuilder().setRequestId("r-" + idempotencyKey).setIdempotencyKey(idempotencyKey).setAccountId("a")
                .setStatus(ResultStatus.ACCEPTED).setDecidedAtMs(decidedAtMs).build();
        store.put(IdempotencyKeys.storeKey("a", idempotencyKey, origin), IdempotencyRecord.newBuilder()
                .setRequestHash(ByteBuffer.wrap(new byte[32])).setOutcome(outcome).build());
    }

    private List<String> keptRequestIds() {
        List<String> kept = new ArrayList<>();
        try (KeyValueIterator<String, IdempotencyRecord> it = store.all()) {
            it.forEachRemaining(kv -> kept.add(kv.value.getOutcome().getRequestId()));
        }
        return kept;
    }

    private MockProcessorContext.CapturedPunctuator scheduled(Duration retention) {
        new IdempotencyRetentionPunctuator(store, retention).schedule(context);
        assertThat(context.scheduledPunctuators()).hasSize(1);
        return context.scheduledPunctuators().get(0);
    }

    @Test
    void keysDecidedMoreThanTheRetentionAgoAreForgottenAndTheOthersKept() {
        decided("old", NOW_MS - DAY_MS - 1, LedgerCommand.Origin.PUBLIC);
        decided("internal-old", NOW_MS - 2 * DAY_MS, LedgerCommand.Origin.INTERNAL);
        decided("just-in-time", NOW_MS - DAY_MS, LedgerCommand.Origin.PUBLIC);
        decided("recent", NOW_MS - 1_000, LedgerCommand.Origin.OPERATOR);

        scheduled(Duration.ofDays(1)).getPunctuator().punctuate(NOW_MS);

        assertThat(keptRequestIds()).containsExactlyInAnyOrder("r-just-in-time", "r-recent");
        assertThat(context.forwarded()).as("forgetting writes only the store").isEmpty();
    }

    @Test
    void aKeyIsForgottenOnlyOnceTheWallClockHasPassedItsRetention() {
        decided("pay-1", NOW_MS, LedgerCommand.Origin.PUBLIC);
        MockProcessorContext.CapturedPunctuator punctuator = scheduled(Duration.ofHours(24));

        punctuator.getPunctuator().punctuate(NOW_MS + Duration.ofHours(23).toMillis());
        assertThat(keptRequestIds()).containsExactly("r-pay-1");

        punctuator.getPunctuator().punctuate(NOW_MS + Duration.ofHours(25).toMillis());
        assertThat(keptRequestIds()).isEmpty();
    }

    @Test
    void itRunsOnTheWallClockEveryTenthOfTheRetentionAtMostAMinuteApart() {
        MockProcessorContext.CapturedPunctuator daily = scheduled(Duration.ofDays(1));
        assertThat(daily.getType()).isEqualTo(PunctuationType.WALL_CLOCK_TIME);
        assertThat(daily.getInterval()).isEqualTo(Duration.ofMinutes(1));

        assertThat(IdempotencyRetentionPunctuator.interval(Duration.ofSeconds(5))).isEqualTo(Duration.ofMillis(500));
        assertThat(IdempotencyRetentionPunctuator.interval(Duration.ofMillis(5))).isEqualTo(Duration.ofMillis(1));
        assertThat(IdempotencyRetentionPunctuator.interval(Duration.ZERO)).isEqualTo(Duration.ofMillis(1));
    }
}
