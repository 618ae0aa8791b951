package io.tally.reconciler.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.avro.AccountBalance;
import io.tally.core.reconciliation.BalanceView;
import io.tally.core.reconciliation.Comparison.Measure;
import io.tally.reconciler.AccountError;
import io.tally.reconciler.ReconciliationListener;
import io.tally.reconciler.ReconciliationResult;
import io.tally.reconciler.Reconciler;
import io.tally.reconciler.SourceRowException;
import io.tally.reconciler.TierPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;

class ProjectionSourceTest {

    private static AccountBalance balance(String id, long availableMinor, long lockedMinor, long version) {
        return AccountBalance.newBuilder().setAccountId(id).setCurrency("CZK").setScale(2)
                .setAvailableMinor(availableMinor).setLockedMinor(lockedMinor).setVersion(version)
                .setLastEventId("evt-" + id + "-" + version).setUpdatedAtMs(0).build();
    }

    /**
     * A stand-in for one partition's store: iterates like Kafka Streams' stores, by the UTF-8 bytes of
     * the key, and records whether its iterator was closed.
     */
    private static final class Store implements ReadOnlyKeyValueStore<String, AccountBalance> {
        final TreeMap<Bytes, AccountBalance> entries = new TreeMap<>();
        int open;

        Store put(String key, AccountBalance value) {
            entries.put(Bytes.wrap(key.getBytes(StandardCharsets.UTF_8)), value);
            return this;
        }

        @Override
        public AccountBalance get(String key) {
            return entries.get(Bytes.wrap(key.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public KeyValueIterator<String, AccountBalance> range(String from, String to) {
            throw new UnsupportedOperationException();
        }

        @Override
        public KeyValueIterator<String, AccountBalance> all() {
            open++;
            Iterator<Map.Entry<Bytes, AccountBalance>> it = entries.entrySet().iterator();
            return new KeyValueIterator<>() {
                private Map.Entry<Bytes, AccountBalance> peeked;

                @Override
                public boolean hasNext() {
                    return peeked != null || it.hasNext();
                }

                @Override
                public KeyValue<String, AccountBalance> next() {
                    Map.Entry<Bytes, AccountBalance> e = peeked != null ? peeked : it.next();
                    peeked = null;
                    return KeyValue.pair(new String(e.getKey().get(), StandardCharsets.UTF_8), e.getValue());
                }

                @Override
                public String peekNextKey() {
                    if (peeked == null) {
                        peeked = it.next();
                    }
                    return new String(peeked.getKey().get(), StandardCharsets.UTF_8);
                }

                @Override
                public void close() {
                    open--;
                }
            };
        }

        @Override
        public long approximateNumEntries() {
            return entries.size();
        }
    }

    private static List<String> ids(ProjectionSource source) {
        List<String> ids = new ArrayList<>();
        source.forEachRemaining(v -> ids.add(v.accountId()));
        return ids;
    }

    @Test
    void aStoreIsReadInAccountOrderAndItsIteratorClosed() {
        Store store = new Store().put("9", balance("9", 900, 0, 2)).put("10", balance("10", 1_000, 50, 5))
                .put("B", balance("B", 1, 0, 1)).put("a", balance("a", 1, 0, 1));

        List<BalanceView> views = new ArrayList<>();
        try (ProjectionSource source = ProjectionSource.of(store)) {
            source.forEachRemaining(views::add);
            assertThat(store.open).isEqualTo(1);
        }

        assertThat(store.open).isZero();
        assertThat(views).containsExactly(
                new BalanceView("10", "CZK", 1_000, 50, 5L, 0L),
                new BalanceView("9", "CZK", 900, 0, 2L, 0L),
                new BalanceView("B", "CZK", 1, 0, 1L, 0L),
                new BalanceView("a", "CZK", 1, 0, 1L, 0L));
    }

    @Test
    void partitionStoresAreMergedIntoAccountOrder() {
        Store p0 = new Store().put("100", balance("100", 1, 0, 1)).put("a", balance("a", 1, 0, 1));
        Store p1 = new Store().put("10", balance("10", 1, 0, 1)).put("9", balance("9", 1, 0, 1))
                .put("é", balance("é", 1, 0, 1));
        Store p2 = new Store();

        try (ProjectionSource source = ProjectionSource.merging(List.of(p0, p1, p2))) {
            assertThat(ids(source)).containsExactly("10", "100", "9", "a", "é");
        }
        assertThat(p0.open + p1.open + p2.open).isZero();
    }

    @Test
    void aBalanceUnderAnotherAccountsKeyIsAnErrorOfThatKeyAndReadingGoesOn() {
        Store store = new Store().put("a", balance("a", 1, 0, 1)).put("b", balance("zz", 1, 0, 1))
                .put("c", balance("c", 1, 0, 1));

        try (ProjectionSource source = ProjectionSource.of(store)) {
            assertThat(source.next().accountId()).isEqualTo("a");
            assertThatThrownBy(source::next).isInstanceOfSatisfying(SourceRowException.class,
                    e -> assertThat(e.accountId()).isEqualTo("b"));
            assertThat(source.next().accountId()).isEqualTo("c");
            assertThat(source.hasNext()).isFalse();
        }
    }

    @Test
    void aPlainIteratorOfBalancesIsASource() {
        try (ProjectionSource source = ProjectionSource.of(
                List.of(balance("1", 1, 0, 1), balance("2", 1, 0, 1)).iterator())) {
            assertThat(ids(source)).containsExactly("1", "2");
        }
    }

    @Test
    void theProjectionReconcilesAgainstACache() {
        Store store = new Store().put("1", balance("1", 10_000, 0, 3)).put("2", balance("2", 20_000, 500, 9));
        List<BalanceView> cache = List.of(
                new BalanceView("1", "CZK", 10_000, 0, 3L),
                new BalanceView("2", "CZK", 19_000, 500, 9L));
        List<AccountError> errors = new ArrayList<>();

        ReconciliationResult result;
        try (ProjectionSource projection = ProjectionSource.of(store)) {
            result = new Reconciler(TierPolicy.byScale(Map.of("CZK", 2)),
                    Clock.fixed(Instant.EPOCH, ZoneOffset.UTC))
                    .run("account_balances", Measure.AVAILABLE_AND_LOCKED, projection, cache.iterator(),
                            new ReconciliationListener() {
                                @Override
                                public void onComparison(io.tally.core.reconciliation.AccountComparison c) {
                                }

                                @Override
                                public void onError(AccountError error) {
                                    errors.add(error);
                                }
                            });
        }

        assertThat(errors).isEmpty();
        assertThat(result.inSync()).isEqualTo(1);
        assertThat(result.drift()).isEqualTo(1);
        assertThat(result.largestDiscrepancies().get(0).accountId()).isEqualTo("2");
    }
}
