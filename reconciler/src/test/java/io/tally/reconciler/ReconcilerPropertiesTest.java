package io.tally.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.reconciliation.AccountComparison;
import io.tally.core.reconciliation.BalanceView;
import io.tally.core.reconciliation.Comparison;
import io.tally.core.reconciliation.Comparison.Measure;
import io.tally.core.reconciliation.ReconciliationStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The streaming merge join agrees with a plain join through hash maps. */
class ReconcilerPropertiesTest {
    private static final TierPolicy POLICY = TierPolicy.byScale(Map.of("NGN", 2, "USD", 2, "JPY", 0));

    @Property(tries = 500)
    void mergeJoinEqualsAMapJoin(@ForAll("sides") List<List<BalanceView>> sides, @ForAll Measure measure) {
        List<BalanceView> projection = sorted(sides.get(0));
        List<BalanceView> cache = sorted(sides.get(1));
        Map<String, AccountComparison> merged = new HashMap<>();
        List<String> order = new ArrayList<>();

        ReconciliationResult result = new Reconciler(POLICY, new StepClock(0, 1), 5, 1_000).run("cache", measure,
                projection.iterator(), cache.iterator(), new ReconciliationListener() {
                    @Override
                    public void onComparison(AccountComparison comparison) {
                        merged.put(comparison.accountId(), comparison);
                        order.add(comparison.accountId());
                    }

                    @Override
                    public void onError(AccountError error) {
                        order.add(error.accountId());
                    }
                });

        Map<String, BalanceView> expectedById = byId(projection);
        Map<String, BalanceView> actualById = byId(cache);
        TreeSet<String> all = new TreeSet<>(AccountOrder.INSTANCE);
        all.addAll(expectedById.keySet());
        all.addAll(actualById.keySet());
        Map<ReconciliationStatus, Long> statuses = new TreeMap<>();
        long errors = 0;
        for (String id : all) {
            BalanceView e = expectedById.get(id);
            BalanceView a = actualById.get(id);
            try {
                AccountComparison reference = Comparison.compare(e, a,
                        POLICY.tiersFor(e != null ? e.currencyCode() : a.currencyCode()), measure);
                assertThat(merged.get(id)).isEqualTo(reference);
                statuses.merge(reference.status(), 1L, Long::sum);
            } catch (ArithmeticException overflow) {
                assertThat(merged).doesNotContainKey(id);
                errors++;
            }
        }
        assertThat(order).containsExactlyElementsOf(all);
        assertThat(result.checked()).isEqualTo(all.size());
        assertThat(result.errors()).isEqualTo(errors);
        for (ReconciliationStatus status : ReconciliationStatus.values()) {
            assertThat(result.count(status)).as(status.name()).isEqualTo(statuses.getOrDefault(status, 0L));
        }
        assertThat(result.largestDiscrepancies()).hasSize((int) Math.min(5, result.discrepancies()));
        assertThat(result.largestDiscrepancies()).isSortedAccordingTo(
                Comparator.comparingLong(Discrepancy::sizeMinor).reversed());
    }

    private static List<BalanceView> sorted(List<BalanceView> views) {
        List<BalanceView> copy = new ArrayList<>(byId(views).values());
        copy.sort(Comparator.comparing(BalanceView::accountId, AccountOrder.INSTANCE));
        return copy;
    }

    private static Map<String, BalanceView> byId(List<BalanceView> views) {
        Map<String, BalanceView> map = new HashMap<>();
        views.forEach(v -> map.putIfAbsent(v.accountId(), v));
        return map;
    }

    @Provide
    Arbitrary<List<List<BalanceView>>> sides() {
        Arbitrary<String> ids = Arbitraries.of("1", "10", "100", "9", "B", "a", "é", "😀", "\uFF61", "acc-2", "acc-10");
        Arbitrary<Long> amounts = Arbitraries.oneOf(
                Arbitraries.longs().between(0, 3),
                Arbitraries.longs().between(-2_000, 20_000),
                Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE));
        Arbitrary<BalanceView> views = Combinators.combine(
                ids, Arbitraries.of("NGN", "USD", "JPY"), amounts, Arbitraries.longs().between(0, 50),
                Arbitraries.longs().between(1, 3).injectNull(0.2))
                .as(BalanceView::new);
        return views.list().ofMaxSize(11).list().ofSize(2);
    }
}
