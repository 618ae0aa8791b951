package io.tally.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.tally.core.reconciliation.AccountComparison;
import io.tally.core.reconciliation.BalanceView;
import io.tally.core.reconciliation.Comparison.Measure;
import io.tally.core.reconciliation.DriftTier;
import io.tally.core.reconciliation.ReconciliationStatus;
import io.tally.core.reconciliation.ToleranceTiers;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class ReconcilerTest {
    /** Seed 000's 0.01 / 1 / 10 NGN, in kobo. */
    private static final TierPolicy NGN_AND_JPY = TierPolicy.byScale(Map.of("NGN", 2, "JPY", 0));

    private final List<AccountComparison> seen = new ArrayList<>();
    private final List<AccountError> failed = new ArrayList<>();
    private final ReconciliationListener listener = new ReconciliationListener() {
        @Override
        public void onComparison(AccountComparison comparison) {
            seen.add(comparison);
        }

        @Override
        public void onError(AccountError error) {
            failed.add(error);
        }
    };

    private static BalanceView ngn(String id, long availableMinor, long lockedMinor, long version) {
        return new BalanceView(id, "NGN", availableMinor, lockedMinor, version);
    }

    /** A source whose rows come from {@code steps} in order, each returning a view or throwing, as a source's next() does. */
    @SafeVarargs
    private static Iterator<BalanceView> rows(Supplier<BalanceView>... steps) {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < steps.length;
            }

            @Override
            public BalanceView next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return steps[next++].get();
            }
        };
    }

    private ReconciliationResult reconcile(List<BalanceView> projection, List<BalanceView> cache) {
        return reconcile(new Reconciler(NGN_AND_JPY, new StepClock(1_000, 7)), projection, cache);
    }

    private ReconciliationResult reconcile(Reconciler reconciler, List<BalanceView> projection, List<BalanceView> cache) {
        return reconciler.run("account_balances", Measure.AVAILABLE_AND_LOCKED,
                projection.iterator(), cache.iterator(), listener);
    }

    private ReconciliationStatus statusOf(String accountId) {
        return seen.stream().filter(c -> c.accountId().equals(accountId)).findFirst().orElseThrow().status();
    }

    @Test
    void withAGraceAnAccountBehindIsInFlightUntilItsLastEventIsOlderThanTheGraceAtTheRunsStart() {
        // The run starts at 1 000 ms (StepClock); the projection's newest events were accepted at 500 and 100 ms.
        List<BalanceView> projection = List.of(new BalanceView("fresh", "NGN", 700, 0, 3L, 500L),
                new BalanceView("stale", "NGN", 700, 0, 3L, 100L));
        List<BalanceView> cache = List.of(ngn("fresh", 500, 0, 2), ngn("stale", 500, 0, 2));
        Reconciler reconciler = new Reconciler(NGN_AND_JPY, new StepClock(1_000, 7))
                .withGrace(new io.tally.core.reconciliation.InFlightGrace(600));

        ReconciliationResult result = reconcile(reconciler, projection, cache);

        assertThat(statusOf("fresh")).isEqualTo(ReconciliationStatus.IN_FLIGHT);
        assertThat(statusOf("stale")).isEqualTo(ReconciliationStatus.DRIFT);
        assertThat(result.inFlight()).isEqualTo(1);
        assertThat(result.drift()).isEqualTo(1);
        assertThat(result.count(DriftTier.WARN)).isEqualTo(1); // 2.00 NGN behind
        assertThat(result.largestDiscrepancies()).extracting(Discrepancy::accountId).containsExactly("stale");
    }

    @Test
    void equalBalancesAreInSyncAndNothingIsADiscrepancy() {
        List<BalanceView> both = List.of(ngn("a", 100, 0, 1), ngn("b", 5_000, 250, 7));

        ReconciliationResult result = reconcile(both, both);

        assertThat(result.checked()).isEqualTo(2);
        assertThat(result.inSync()).isEqualTo(2);
        assertThat(result.count(DriftTier.NONE)).isEqualTo(2);
        assertThat(result.largestDiscrepancies()).isEmpty();
        assertThat(result.isClean()).isTrue();
        assertThat(result.sourceName()).isEqualTo("account_balances");
        assertThat(result.measure()).isEqualTo(Measure.AVAILABLE_AND_LOCKED);
    }

    @Test
    void differencesAreClassifiedBySeed000Tiers() {
        // NGN at scale 2: tolerance 0.01 (1 kobo), warn 1.00 (100), auto-fix ceiling 10.00 (1000).
        List<BalanceView> projection = List.of(
                ngn("critical", 10_000, 0, 3), ngn("minor", 10_000, 0, 3), ngn("none", 10_000, 0, 3),
                ngn("tolerated", 10_000, 0, 3), ngn("warn", 10_000, 0, 3), ngn("warn-edge", 10_000, 0, 3));
        List<BalanceView> cache = List.of(
                ngn("critical", 10_000 + 1_001, 0, 3),
                ngn("minor", 10_000, 100, 3),          // 1.00 NGN too much locked: still minor
                ngn("none", 10_000, 0, 3),
                ngn("tolerated", 10_000 - 1, 0, 3),    // 0.01 NGN: ignored
                ngn("warn", 10_000 - 101, 0, 3),
                ngn("warn-edge", 10_000 + 1_000, 0, 3)); // exactly the ceiling: still auto-fixable

        ReconciliationResult result = reconcile(projection, cache);

        assertThat(result.inSync()).isEqualTo(2);
        assertThat(result.drift()).isEqualTo(4);
        assertThat(result.countByTier()).containsExactlyInAnyOrderEntriesOf(Map.of(
                DriftTier.NONE, 1L, DriftTier.TOLERATED, 1L, DriftTier.MINOR, 1L,
                DriftTier.WARN, 2L, DriftTier.CRITICAL, 1L));
        assertThat(statusOf("tolerated")).isEqualTo(ReconciliationStatus.IN_SYNC);
        assertThat(seen).filteredOn(c -> c.accountId().equals("critical")).singleElement()
                .satisfies(c -> assertThat(c.tier()).isEqualTo(DriftTier.CRITICAL))
                .satisfies(c -> assertThat(c.differenceMinor()).isEqualTo(1_001));
        // Sum of the drift sizes: 1001 + 100 + 101 + 1000.
        assertThat(result.driftMinorByCurrency()).containsExactly(Map.entry("NGN", 2_202L));
    }

    @Test
    void tiersFollowTheAccountsCurrencyScale() {
        // 1 JPY is a whole minor unit at scale 0: tolerance 0, so a 1-yen difference is drift.
        List<BalanceView> projection = List.of(new BalanceView("jp", "JPY", 500, 0, 2L), ngn("ng", 500, 0, 2));
        List<BalanceView> cache = List.of(new BalanceView("jp", "JPY", 501, 0, 2L), ngn("ng", 501, 0, 2));

        ReconciliationResult result = reconcile(projection, cache);

        assertThat(statusOf("jp")).isEqualTo(ReconciliationStatus.DRIFT);
        assertThat(statusOf("ng")).isEqualTo(ReconciliationStatus.IN_SYNC);
        assertThat(result.count(DriftTier.MINOR)).isEqualTo(1);
    }

    @Test
    void aCacheBehindTheProjectionIsInFlightNotDrift() {
        ReconciliationResult result = reconcile(
                List.of(ngn("a", 90_000, 0, 12)),
                List.of(ngn("a", 100_000, 0, 11)));

        assertThat(result.inFlight()).isEqualTo(1);
        assertThat(result.drift()).isZero();
        assertThat(result.largestDiscrepancies()).isEmpty();
        assertThat(seen.get(0).differenceMinor()).isEqualTo(10_000);
    }

    @Test
    void accountsOnOneSideOnlyAreMissingOnTheOther() {
        ReconciliationResult result = reconcile(
                List.of(ngn("a", 1, 0, 1), ngn("b", 2_500, 500, 1), ngn("d", 4, 0, 1)),
                List.of(ngn("a", 1, 0, 1), ngn("c", 300, 0, 1), ngn("d", 4, 0, 1), ngn("e", 5, 0, 1)));

        assertThat(result.checked()).isEqualTo(5);
        assertThat(result.missingInCache()).isEqualTo(1);
        assertThat(result.missingInProjection()).isEqualTo(2);
        assertThat(statusOf("b")).isEqualTo(ReconciliationStatus.MISSING_IN_CACHE);
        assertThat(statusOf("c")).isEqualTo(ReconciliationStatus.MISSING_IN_PROJECTION);
        assertThat(statusOf("e")).isEqualTo(ReconciliationStatus.MISSING_IN_PROJECTION);
        // A missing account's size is the present side's available + locked.
        assertThat(result.largestDiscrepancies()).extracting(Discrepancy::accountId, Discrepancy::sizeMinor)
                .containsExactly(tuple("b", 3_000L),
                        tuple("c", 300L),
                        tuple("e", 5L));
    }

    @Test
    void anEmptySideMakesEveryAccountMissing() {
        ReconciliationResult result = reconcile(List.of(ngn("a", 1, 0, 1), ngn("b", 1, 0, 1)), List.of());

        assertThat(result.missingInCache()).isEqualTo(2);
        assertThat(reconcile(List.of(), List.of()).checked()).isZero();
    }

    @Test
    void differentCurrenciesAreAMismatchNotADifference() {
        ReconciliationResult result = reconcile(
                List.of(ngn("a", 100, 0, 1)),
                List.of(new BalanceView("a", "USD", 100, 0, 1L)));

        assertThat(result.currencyMismatch()).isEqualTo(1);
        assertThat(result.discrepancies()).isEqualTo(1);
        assertThat(statusOf("a")).isEqualTo(ReconciliationStatus.CURRENCY_MISMATCH);
    }

    @Test
    void aSourceOutOfOrderFailsTheRunNamingBothIds() {
        // Numeric order is not account order: "9" sorts after "10".
        List<BalanceView> numeric = List.of(ngn("9", 1, 0, 1), ngn("10", 1, 0, 1));
        List<BalanceView> sorted = List.of(ngn("10", 1, 0, 1), ngn("9", 1, 0, 1));
        Reconciler reconciler = new Reconciler(NGN_AND_JPY, new StepClock(0, 1));

        assertThatThrownBy(() -> reconcile(reconciler, sorted, numeric))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("account_balances is not strictly ascending")
                .hasMessageContaining("'10' came after '9'");
        assertThatThrownBy(() -> reconcile(reconciler, numeric, sorted))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("projection is not strictly ascending")
                .hasMessageContaining("'10' came after '9'");
    }

    @Test
    void aDuplicateAccountFailsTheRun() {
        List<BalanceView> duplicated = List.of(ngn("a", 1, 0, 1), ngn("a", 2, 0, 2));

        assertThatThrownBy(() -> reconcile(List.of(ngn("a", 1, 0, 1)), duplicated))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'a' came after 'a'");
    }

    @Test
    void oneAccountFailingDoesNotStopTheOthers() {
        // Seed 001: errors are recorded per account and the run goes on.
        List<BalanceView> projection = List.of(
                ngn("a", 100, 0, 1),
                ngn("b-overflow", Long.MAX_VALUE, 0, 1),
                new BalanceView("c-unknown-currency", "XAU", 100, 0, 1L),
                ngn("d", 100, 0, 1));
        List<BalanceView> cache = List.of(
                ngn("a", 100, 0, 1),
                ngn("b-overflow", -2, 0, 1),           // -2 - MAX_VALUE overflows a long
                new BalanceView("c-unknown-currency", "XAU", 100, 0, 1L),
                ngn("d", 5_000, 0, 1));

        ReconciliationResult result = reconcile(projection, cache);

        assertThat(result.checked()).isEqualTo(4);
        assertThat(result.errors()).isEqualTo(2);
        assertThat(result.inSync()).isEqualTo(1);
        assertThat(result.drift()).isEqualTo(1);
        assertThat(result.errorSamples()).extracting(AccountError::accountId)
                .containsExactly("b-overflow", "c-unknown-currency");
        assertThat(result.errorSamples().get(0).message()).startsWith("ArithmeticException");
        assertThat(result.errorSamples().get(1).message()).contains("no tolerance tiers for currency XAU");
        assertThat(failed).isEqualTo(result.errorSamples());
        assertThat(seen).extracting(AccountComparison::accountId).containsExactly("a", "d");
    }

    @Test
    void anUnreadableRowIsAnErrorOfThatAccountAndItsOtherSideIsNotReportedMissing() {
        Iterator<BalanceView> cache = rows(
                () -> ngn("a", 1, 0, 1),
                () -> {
                    throw new SourceRowException("b", "locked_minor is NULL");
                },
                () -> {
                    throw new SourceRowException(null, "a row has no account_id");
                },
                () -> ngn("c", 1, 0, 1));
        List<BalanceView> projection = List.of(ngn("a", 1, 0, 1), ngn("b", 1, 0, 1), ngn("c", 1, 0, 1));

        ReconciliationResult result = new Reconciler(NGN_AND_JPY, new StepClock(0, 1))
                .run("wallets", Measure.AVAILABLE_AND_LOCKED, projection.iterator(), cache, listener);

        assertThat(result.checked()).isEqualTo(4);
        assertThat(result.inSync()).isEqualTo(2);
        assertThat(result.errors()).isEqualTo(2);
        assertThat(result.missingInCache()).isZero();
        // The row without an id is met while the cache is read one row ahead of "b".
        assertThat(result.errorSamples()).containsExactly(
                new AccountError(null, "wallets: a row has no account_id"),
                new AccountError("b", "wallets: locked_minor is NULL"));
    }

    @Test
    void aQuarantinedAccountIsADiscrepancyWhateverItsOlderRowSaysAndItsReasonReachesTheListener() {
        Iterator<BalanceView> cache = rows(
                () -> ngn("a", 1, 0, 1),
                () -> { // an older row, behind the projection, would be IN_FLIGHT; it is QUARANTINED
                    throw new QuarantinedAccountException("b", ngn("b", 400, 0, 3), "refused v4 (22021)");
                },
                () -> { // only quarantined: would be MISSING_IN_CACHE
                    throw new QuarantinedAccountException("m1\u0000x", null, "refused v1 (22021)");
                },
                () -> { // in the cache with the projection's amounts: still QUARANTINED (an undecodable record)
                    throw new QuarantinedAccountException("u", ngn("u", 7, 0, 2), "undecodable");
                });
        List<BalanceView> projection = List.of(ngn("a", 1, 0, 1), ngn("b", 500, 0, 4), ngn("m1\u0000x", 900, 100, 1),
                ngn("u", 7, 0, 2));
        List<String> reasons = new ArrayList<>();
        ReconciliationListener withReasons = new ReconciliationListener() {
            @Override
            public void onComparison(AccountComparison comparison) {
                seen.add(comparison);
            }

            @Override
            public void onQuarantined(AccountComparison comparison, String reason) {
                seen.add(comparison);
                reasons.add(comparison.accountId() + ": " + reason);
            }
        };

        ReconciliationResult result = new Reconciler(NGN_AND_JPY, new StepClock(0, 1))
                .run("account_balances", Measure.AVAILABLE_AND_LOCKED, projection.iterator(), cache, withReasons);

        assertThat(seen).extracting(AccountComparison::accountId, AccountComparison::status,
                        AccountComparison::differenceAvailableMinor)
                .containsExactly(tuple("a", ReconciliationStatus.IN_SYNC, 0L),
                        tuple("b", ReconciliationStatus.QUARANTINED, -100L),
                        tuple("m1\u0000x", ReconciliationStatus.QUARANTINED, 0L),
                        tuple("u", ReconciliationStatus.QUARANTINED, 0L));
        assertThat(reasons).containsExactly("b: refused v4 (22021)", "m1\u0000x: refused v1 (22021)", "u: undecodable");
        assertThat(result.quarantined()).isEqualTo(3);
        assertThat(result.count(ReconciliationStatus.QUARANTINED)).isEqualTo(3);
        assertThat(result.missingInCache()).isZero();
        assertThat(result.inFlight()).isZero();
        assertThat(result.errors()).isZero();
        assertThat(result.discrepancies()).isEqualTo(3);
        assertThat(result.isClean()).isFalse();
        assertThat(result.count(DriftTier.NONE)).isEqualTo(4);
        // Ranked like a missing row: by the projection's balance, the amount the cache cannot account for.
        assertThat(result.largestDiscrepancies()).extracting(Discrepancy::accountId, Discrepancy::sizeMinor)
                .containsExactly(tuple("m1\u0000x", 1_000L), tuple("b", 500L), tuple("u", 7L));
    }

    @Test
    void largestDiscrepanciesComeFirstTiesInAccountOrderAndOnlyTopNAreKept() {
        List<BalanceView> projection = new ArrayList<>();
        List<BalanceView> cache = new ArrayList<>();
        long[] differences = {5, 700, 20_000, 700, 300, 2, 9_999};
        for (int i = 0; i < differences.length; i++) {
            String id = "acc-" + i;
            projection.add(ngn(id, 50_000, 0, 4));
            cache.add(ngn(id, 50_000 - differences[i], 0, 4));
        }
        Reconciler reconciler = new Reconciler(NGN_AND_JPY, new StepClock(0, 1), 4, 10);

        ReconciliationResult result = reconcile(reconciler, projection, cache);

        assertThat(result.drift()).isEqualTo(7); // even 2 kobo is above the 1-kobo tolerance
        assertThat(result.largestDiscrepancies()).extracting(Discrepancy::accountId, Discrepancy::sizeMinor)
                .containsExactly(
                        tuple("acc-2", 20_000L),
                        tuple("acc-6", 9_999L),
                        tuple("acc-1", 700L),
                        tuple("acc-3", 700L));
        assertThat(result.largestDiscrepancies().get(0).comparison().differenceMinor()).isEqualTo(-20_000);
    }

    @Test
    void aShiftBetweenAvailableAndLockedIsDriftSizedByBothParts() {
        ReconciliationResult result = reconcile(
                List.of(ngn("a", 10_000, 5_000, 2)),
                List.of(ngn("a", 15_000, 0, 2)));

        assertThat(result.drift()).isEqualTo(1);
        assertThat(seen.get(0).differenceMinor()).isZero();
        assertThat(result.largestDiscrepancies().get(0).sizeMinor()).isEqualTo(10_000);
    }

    @Test
    void theListenerSeesEveryComparedAccountInAccountOrder() {
        List<BalanceView> projection = List.of(ngn("10", 1, 0, 1), ngn("100", 1, 0, 2), ngn("9", 1, 0, 1));
        List<BalanceView> cache = List.of(ngn("10", 1, 0, 1), ngn("100", 1, 0, 1), ngn("B", 1, 0, 1));

        ReconciliationResult result = reconcile(projection, cache);

        assertThat(seen).extracting(AccountComparison::accountId).containsExactly("10", "100", "9", "B");
        assertThat(seen).extracting(AccountComparison::status).containsExactly(
                ReconciliationStatus.IN_SYNC, ReconciliationStatus.IN_FLIGHT,
                ReconciliationStatus.MISSING_IN_CACHE, ReconciliationStatus.MISSING_IN_PROJECTION);
        assertThat(seen).hasSize((int) result.checked());
    }

    @Test
    void aFailingListenerEndsTheRun() {
        ReconciliationListener broken = comparison -> {
            throw new IllegalStateException("report disk full");
        };
        Reconciler reconciler = new Reconciler(NGN_AND_JPY, new StepClock(0, 1));

        assertThatThrownBy(() -> reconciler.run("account_balances", Measure.AVAILABLE_AND_LOCKED,
                List.of(ngn("a", 1, 0, 1)).iterator(), List.of(ngn("a", 1, 0, 1)).iterator(), broken))
                .hasMessage("report disk full");
    }

    @Test
    void countsAddUpToTheAccountsChecked() {
        List<BalanceView> projection = List.of(
                ngn("a", 1, 0, 1), ngn("b", 100, 0, 1), ngn("c", 1, 0, 2), ngn("d", 1, 0, 1),
                ngn("f", 1, 0, 1), ngn("g", Long.MIN_VALUE, 0, 1));
        List<BalanceView> cache = List.of(
                ngn("a", 1, 0, 1), ngn("b", 5_000, 0, 1), ngn("c", 1, 0, 1), ngn("e", 1, 0, 1),
                new BalanceView("f", "USD", 1, 0, 1L), ngn("g", 1, 0, 1));

        ReconciliationResult r = reconcile(projection, cache);

        assertThat(r.checked()).isEqualTo(7);
        assertThat(List.of(r.inSync(), r.drift(), r.inFlight(), r.missingInCache(), r.missingInProjection(),
                r.currencyMismatch(), r.errors())).containsExactly(1L, 1L, 1L, 1L, 1L, 1L, 1L);
        assertThat(r.inSync() + r.drift() + r.inFlight() + r.missingInCache() + r.missingInProjection()
                + r.currencyMismatch() + r.errors()).isEqualTo(r.checked());
        assertThat(r.countByTier().values().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(r.checked() - r.errors());
    }

    @Test
    void aStatementWithoutCurrencyIsComparedByTotalInTheProjectionsCurrency() {
        List<BalanceView> projection = List.of(ngn("a", 7_000, 3_000, 4), ngn("b", 7_000, 3_000, 4));
        List<BalanceView> statement = List.of(
                new BalanceView("a", null, 10_000, 0, null),
                new BalanceView("b", null, 10_050, 0, null));

        ReconciliationResult result = new Reconciler(NGN_AND_JPY, new StepClock(0, 1))
                .run("bank statement", StatementSource.MEASURE, projection.iterator(), statement.iterator(), listener);

        assertThat(result.inSync()).isEqualTo(1);
        assertThat(result.drift()).isEqualTo(1);
        assertThat(result.count(DriftTier.MINOR)).isEqualTo(1);
        assertThat(result.largestDiscrepancies()).singleElement()
                .satisfies(d -> assertThat(d.accountId()).isEqualTo("b"))
                .satisfies(d -> assertThat(d.sizeMinor()).isEqualTo(50));
    }

    @Test
    void theRunIsStampedByTheGivenClock() {
        ReconciliationResult result = reconcile(List.of(ngn("a", 1, 0, 1)), List.of(ngn("a", 1, 0, 1)));

        assertThat(result.startedAtMs()).isEqualTo(1_000);
        assertThat(result.finishedAtMs()).isEqualTo(1_007);
        assertThat(result.durationMs()).isEqualTo(7);
    }

    @Test
    void onlyTheFirstErrorsAreKeptButAllAreCounted() {
        List<BalanceView> projection = new ArrayList<>();
        List<BalanceView> cache = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            projection.add(new BalanceView("x" + i, "XAU", 1, 0, 1L));
            cache.add(new BalanceView("x" + i, "XAU", 1, 0, 1L));
        }
        Reconciler reconciler = new Reconciler(NGN_AND_JPY, new StepClock(0, 1), 10, 2);

        ReconciliationResult result = reconcile(reconciler, projection, cache);

        assertThat(result.errors()).isEqualTo(5);
        assertThat(result.errorSamples()).extracting(AccountError::accountId).containsExactly("x0", "x1");
        assertThat(failed).hasSize(5);
    }

    @Test
    void aFallbackGivesTiersToUnknownCurrencies() {
        TierPolicy policy = NGN_AND_JPY.withFallback(new ToleranceTiers(0, 10, 100));
        ReconciliationResult result = reconcile(new Reconciler(policy, new StepClock(0, 1)),
                List.of(new BalanceView("x", "XAU", 100, 0, 1L)),
                List.of(new BalanceView("x", "XAU", 150, 0, 1L)));

        assertThat(result.errors()).isZero();
        assertThat(result.count(DriftTier.WARN)).isEqualTo(1);
    }
}
