package io.tally.projector;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.avro.EventType;
import io.tally.avro.HoldState;
import io.tally.avro.LedgerEvent;
import io.tally.core.BalanceField;
import io.tally.core.Currency;
import io.tally.projector.ProjectorTopology.IntegrityError;
import io.tally.projector.kafka.ProjectorApp;
import io.tally.projector.kafka.ProjectorConfig;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectorTopologyTest {
    private static final Currency CZK = new Currency("CZK", 2);
    private static final String APPLICATION_ID = "projector-topology-test";

    private final LedgerTopics topics = TopicNames.defaults(1).in(ValueSerdes.singleObject());
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final LedgerHistory history = new LedgerHistory();
    private TopologyTestDriver driver;
    private TestInputTopic<String, LedgerEvent> events;
    private TestOutputTopic<String, AccountBalance> balances;
    private KeyValueStore<String, AccountBalance> store;
    private KeyValueStore<String, Long> flagged;
    private TestOutputTopic<String, HoldState> holdTopic;
    private KeyValueStore<String, HoldState> holds;
    private VersionedKeyValueStore<String, AccountBalance> balanceHistory;

    @BeforeEach
    void setUp(@TempDir Path stateDir) {
        // The app's own Streams settings (exactly-once, LogAndContinue), so the test runs what ships.
        ProjectorConfig config = new ProjectorConfig(
                Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "unused:9092"), APPLICATION_ID, stateDir, topics, 1);
        driver = new TopologyTestDriver(ProjectorTopology.buildTopology(topics, metrics),
                ProjectorApp.streamsProperties(config));
        events = driver.createInputTopic(topics.events().name(), new StringSerializer(), ValueSerdes.singleObject().events().serializer());
        balances = driver.createOutputTopic(
                topics.balances().name(), new StringDeserializer(), ValueSerdes.singleObject().balances().deserializer());
        store = driver.getKeyValueStore(ProjectorTopology.BALANCE_STORE);
        flagged = driver.getKeyValueStore(ProjectorTopology.FLAGGED_STORE);
        holdTopic = driver.createOutputTopic(topics.holds().name(), new StringDeserializer(), ValueSerdes.singleObject().holds().deserializer());
        holds = driver.getKeyValueStore(ProjectorTopology.HOLD_STORE);
        balanceHistory = driver.getVersionedKeyValueStore(ProjectorTopology.BALANCE_HISTORY_STORE);
    }

    @Test
    void holdLifecyclePlacedCapturedReleasedAndExpired() {
        pipe(history.open("a", CZK), history.credit("a", 10_000));
        LedgerEvent place = history.placeHold("a", "ride-42", 2_500, 1_900_000_000_000L);
        LedgerEvent capture = history.capture("a", "ride-42", 1_800);
        LedgerEvent release = history.release("a", "ride-42", null);
        LedgerEvent placeB = history.placeHold("a", "escrow", 1_000, 1_700_000_100_000L);
        LedgerEvent releasePart = history.release("a", "escrow", 400L);
        LedgerEvent expire = history.expire("a", "escrow", 1_700_000_200_000L);
        pipe(place, capture, release, placeB, releasePart);

        HoldState escrowOpen = holds.get("a:escrow");
        assertThat(escrowOpen.getOpen()).isTrue();
        assertThat(escrowOpen.getRemainingMinor()).isEqualTo(600);
        assertThat(store.get("a").getLockedMinor()).isEqualTo(600);
        pipe(expire);

        HoldState ride = holds.get("a:ride-42");
        assertThat(ride.getAmountMinor()).isEqualTo(2_500);
        assertThat(ride.getCapturedMinor()).isEqualTo(1_800);
        assertThat(ride.getReleasedMinor()).isEqualTo(700);
        assertThat(ride.getRemainingMinor()).isZero();
        assertThat(ride.getOpen()).isFalse();
        assertThat(ride.getExpired()).isFalse();
        assertThat(ride.getExpiresAtMs()).isEqualTo(1_900_000_000_000L);
        assertThat(ride.getPlacedAtMs()).isEqualTo(place.getAcceptedAtMs());
        assertThat(ride.getVersion()).isEqualTo(release.getVersion());
        assertThat(ride.getLastEventId()).isEqualTo(release.getEventId());
        HoldState escrow = holds.get("a:escrow");
        assertThat(escrow.getReleasedMinor()).isEqualTo(1_000);
        assertThat(escrow.getOpen()).isFalse();
        assertThat(escrow.getExpired()).isTrue();
        assertThat(store.get("a").getLockedMinor()).isZero();
        assertThat(store.get("a").getAvailableMinor()).isEqualTo(10_000 - 1_800);

        // Published as they change, keyed accountId:holdId, on the account's partition.
        assertThat(holdTopic.readKeyValuesToList()).extracting(kv -> kv.key + " " + kv.value.getRemainingMinor())
                .containsExactly("a:ride-42 2500", "a:ride-42 700", "a:ride-42 0", "a:escrow 1000", "a:escrow 600",
                        "a:escrow 0");
        assertThat(integrityErrors()).isZero();
    }

    @Test
    void duplicatedHoldEventsChangeTheHoldOnce() {
        LedgerEvent open = history.open("a", CZK);
        LedgerEvent credit = history.credit("a", 1_000);
        LedgerEvent place = history.placeHold("a", "h", 500, null);
        LedgerEvent capture = history.capture("a", "h", 200);
        pipe(open, credit, place, place, capture, capture, place);

        assertThat(holds.get("a:h").getCapturedMinor()).isEqualTo(200);
        assertThat(holds.get("a:h").getRemainingMinor()).isEqualTo(300);
        assertThat(store.get("a").getLockedMinor()).isEqualTo(300);
        assertThat(count(ProjectorTopology.DUPLICATE_COUNTER)).isEqualTo(3);
        assertThat(holdTopic.readValuesToList()).hasSize(2);
        assertThat(integrityErrors()).isZero();
    }

    @Test
    void lockedThatNoLongerMatchesTheOpenHoldsIsAnIntegrityError() {
        pipe(history.open("a", CZK), history.credit("a", 1_000), history.placeHold("a", "h", 500, null));
        assertThat(integrityErrors()).isZero();

        pipe(history.correct("a", BalanceField.LOCKED, -100));

        assertThat(integrityErrors(IntegrityError.LOCKED_MISMATCH)).isEqualTo(1);
        assertThat(store.get("a").getLockedMinor()).as("the projection still follows the log").isEqualTo(400);
        assertThat(flagged.get("a")).as("no version is missing").isNull();
    }

    @Test
    void lockedIsCheckedAgainstTheOpenHoldsAfterEveryHoldEvent() {
        pipe(history.open("a", CZK), history.credit("a", 10_000), history.placeHold("a", "h1", 1_000, null),
                history.placeHold("a", "h2", 500, null), history.capture("a", "h1", 400),
                history.release("a", "h2", 200L), history.release("a", "h1", null), history.placeHold("a", "h3", 50, null));
        assertThat(store.get("a").getLockedMinor()).isEqualTo(350);
        assertThat(integrityErrors()).isZero();

        // Locked moves without a hold: the check, now kept as a running sum, still sees it.
        pipe(history.correct("a", BalanceField.LOCKED, 7));
        assertThat(integrityErrors(IntegrityError.LOCKED_MISMATCH)).isEqualTo(1);

        // And every hold event after it compares the corrected locked with the holds again.
        pipe(history.release("a", "h3", null));
        assertThat(store.get("a").getLockedMinor()).isEqualTo(307);
        assertThat(integrityErrors(IntegrityError.LOCKED_MISMATCH)).isEqualTo(2);
    }

    @Test
    void aCaptureOfAHoldTheProjectionDoesNotKnowIsAnIntegrityError() {
        LedgerEvent open = history.open("a", CZK);
        LedgerEvent credit = history.credit("a", 1_000);
        history.placeHold("a", "h", 500, null);
        LedgerEvent capture = history.capture("a", "h", 200);
        // A broken writer's capture of a hold it never placed: version 3 is the capture.
        LedgerEvent orphan = LedgerEvent.newBuilder(capture).setVersion(3).setEventId("a:3")
                .setAvailableAfterMinor(1_000).setLockedAfterMinor(-200).build();
        pipe(open, credit, orphan);

        assertThat(integrityErrors(IntegrityError.HOLD_MISMATCH)).isEqualTo(1);
        assertThat(integrityErrors(IntegrityError.LOCKED_MISMATCH)).isEqualTo(1);
        assertThat(holds.get("a:h")).isNull();
    }

    @Test
    void balanceHistoryAnswersAsOfAnInstant() {
        LedgerEvent open = history.open("a", CZK);
        LedgerEvent credit = history.credit("a", 1_000);
        LedgerEvent charge = history.charge("a", 300);
        pipe(open, credit, charge);

        assertThat(balanceHistory.get("a", open.getAcceptedAtMs() - 1)).as("before the account existed").isNull();
        assertThat(balanceHistory.get("a", open.getAcceptedAtMs()).value()).isEqualTo(balance(open, 0));
        assertThat(balanceHistory.get("a", credit.getAcceptedAtMs() + 999).value()).isEqualTo(balance(credit, 1_000));
        assertThat(balanceHistory.get("a", charge.getAcceptedAtMs()).value()).isEqualTo(balance(charge, 700));
        assertThat(balanceHistory.get("a").value()).isEqualTo(store.get("a"));
        assertThat(balanceHistory.get("a", credit.getAcceptedAtMs()).timestamp()).isEqualTo(credit.getAcceptedAtMs());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void publishesAndStoresTheBalanceAfterEachEvent() {
        LedgerEvent openA = history.open("a", CZK);
        LedgerEvent creditA = history.credit("a", 10_000);
        LedgerEvent chargeA = history.charge("a", 2_550);
        LedgerEvent openB = history.open("b", CZK);
        LedgerEvent creditB = history.credit("b", 1);
        pipe(openA, creditA, openB, chargeA, creditB);

        assertThat(balances.readKeyValuesToList()).containsExactly(
                KeyValue.pair("a", balance(openA, 0)),
                KeyValue.pair("a", balance(creditA, 10_000)),
                KeyValue.pair("b", balance(openB, 0)),
                KeyValue.pair("a", balance(chargeA, 7_450)),
                KeyValue.pair("b", balance(creditB, 1)));
        assertThat(store.get("a")).isEqualTo(balance(chargeA, 7_450));
        assertThat(store.get("a").getLastEventId()).isEqualTo("a:3");
        assertThat(store.get("a").getUpdatedAtMs()).isEqualTo(chargeA.getAcceptedAtMs());
        assertThat(store.get("b")).isEqualTo(balance(creditB, 1));
        assertThat(count(ProjectorTopology.APPLIED_COUNTER)).isEqualTo(5);
        assertThat(count(ProjectorTopology.DUPLICATE_COUNTER) + count(ProjectorTopology.GAP_COUNTER)).isZero();
        assertThat(integrityErrors()).isZero();
        // Changelogged, so a restarted or moved task restores it.
        assertThat(driver.producedTopicNames()).contains(APPLICATION_ID + "-" + ProjectorTopology.BALANCE_STORE + "-changelog");
    }

    @Test
    void everyStoreIsChangeloggedUnderTheNameTheRebuildReads() {
        LedgerEvent open = history.open("a", CZK);
        LedgerEvent credit = history.credit("a", 1_000);
        LedgerEvent place = history.placeHold("a", "h1", 300, null);
        history.credit("a", 5); // never piped: the next one is a gap, which flags the account
        LedgerEvent afterGap = history.credit("a", 7);
        pipe(open, credit, place, afterGap);

        assertThat(flagged.get("a")).isNotNull();
        assertThat(driver.producedTopicNames()).contains(
                ProjectorTopology.changelogTopic(APPLICATION_ID, ProjectorTopology.BALANCE_STORE),
                ProjectorTopology.changelogTopic(APPLICATION_ID, ProjectorTopology.BALANCE_HISTORY_STORE),
                ProjectorTopology.changelogTopic(APPLICATION_ID, ProjectorTopology.HOLD_STORE),
                ProjectorTopology.changelogTopic(APPLICATION_ID, ProjectorTopology.FLAGGED_STORE));
        assertThat(ProjectorTopology.changelogTopic("tally-projector-20260101T000000Z", ProjectorTopology.HOLD_STORE))
                .isEqualTo("tally-projector-20260101T000000Z-holds-changelog");
    }

    @Test
    void dropsAndCountsADuplicatedEvent() {
        LedgerEvent open = history.open("a", CZK);
        LedgerEvent credit = history.credit("a", 500);
        pipe(open, credit, credit, open);

        assertThat(balances.readValuesToList()).containsExactly(balance(open, 0), balance(credit, 500));
        assertThat(store.get("a")).isEqualTo(balance(credit, 500));
        assertThat(count(ProjectorTopology.DUPLICATE_COUNTER)).isEqualTo(2);
        assertThat(count(ProjectorTopology.APPLIED_COUNTER)).isEqualTo(2);
    }

    /**
     * The version guard: version 3 before 2 is a gap and is not applied; 2 is then applied; the
     * account stays flagged until 3 comes again (a re-delivery or a replay), which is then applied.
     * At no step does the store hold a balance that skips an event.
     */
    @Test
    void outOfOrderEventWaitsForItsPredecessorAndIsAppliedWhenDeliveredAgain() {
        LedgerEvent v1 = history.open("a", CZK);
        LedgerEvent v2 = history.credit("a", 1_000);
        LedgerEvent v3 = history.charge("a", 300);

        pipe(v1, v3);
        assertThat(store.get("a")).isEqualTo(balance(v1, 0));
        assertThat(count(ProjectorTopology.GAP_COUNTER)).isEqualTo(1);
        assertThat(flagged.get("a")).isEqualTo(3L);

        pipe(v2);
        assertThat(store.get("a")).isEqualTo(balance(v2, 1_000));
        assertThat(flagged.get("a")).as("still missing version 3").isEqualTo(3L);

        pipe(v3);
        assertThat(store.get("a")).isEqualTo(balance(v3, 700));
        assertThat(flagged.get("a")).isNull();
        assertThat(balances.readValuesToList())
                .containsExactly(balance(v1, 0), balance(v2, 1_000), balance(v3, 700));
        assertThat(count(ProjectorTopology.GAP_COUNTER)).isEqualTo(1);
        assertThat(count(ProjectorTopology.APPLIED_COUNTER)).isEqualTo(3);
    }

    @Test
    void eventBeforeTheOpeningIsAGap() {
        history.open("a", CZK);
        LedgerEvent credit = history.credit("a", 1_000);
        pipe(credit);

        assertThat(store.get("a")).isNull();
        assertThat(flagged.get("a")).isEqualTo(2L);
        assertThat(count(ProjectorTopology.GAP_COUNTER)).isEqualTo(1);
        assertThat(balances.isEmpty()).isTrue();
    }

    @Test
    void undecodableEventsAreCountedAndOtherAccountsContinue() {
        LedgerEvent openA = history.open("a", CZK);
        LedgerEvent unknownTypeA = LedgerEvent.newBuilder(history.credit("a", 100)).setType(EventType.UNKNOWN).build();
        LedgerEvent creditA = history.credit("a", 200);
        LedgerEvent openB = history.open("b", CZK);
        LedgerEvent missingAmountB = LedgerEvent.newBuilder(history.credit("b", 5)).setAmountMinor(null).build();
        LedgerEvent openC = history.open("c", CZK);

        pipe(openA, unknownTypeA, openB, missingAmountB, creditA);
        TestInputTopic<String, byte[]> raw =
                driver.createInputTopic(topics.events().name(), new StringSerializer(), new ByteArraySerializer());
        raw.pipeInput("c", new byte[] {1, 2, 3});
        pipe(openC);

        assertThat(integrityErrors(IntegrityError.UNDECODABLE)).isEqualTo(2);
        assertThat(store.get("a")).as("version 2 unreadable, 3 waits").isEqualTo(balance(openA, 0));
        assertThat(flagged.get("a")).isEqualTo(3L);
        assertThat(store.get("b")).isEqualTo(balance(openB, 0));
        assertThat(flagged.get("b")).isEqualTo(2L);
        assertThat(store.get("c")).as("after a record Kafka could not deserialize").isEqualTo(balance(openC, 0));
        assertThat(droppedRecords()).as("the corrupt record, skipped by LogAndContinue").isEqualTo(1);
    }

    @Test
    void balanceMismatchWithTheWriterIsCountedAndTheProjectionKept() {
        LedgerEvent open = history.open("a", CZK);
        LedgerEvent credit = LedgerEvent.newBuilder(history.credit("a", 100)).setAvailableAfterMinor(999).build();
        pipe(open, credit);

        assertThat(integrityErrors(IntegrityError.BALANCE_MISMATCH)).isEqualTo(1);
        assertThat(store.get("a").getAvailableMinor()).isEqualTo(100);
        assertThat(store.get("a").getVersion()).isEqualTo(2);
        assertThat(balances.readValuesToList()).extracting(AccountBalance::getAvailableMinor).containsExactly(0L, 100L);
    }

    @Test
    void eventKeyedByAnotherAccountIsNotApplied() {
        LedgerEvent open = history.open("a", CZK);
        events.pipeInput("b", open);

        assertThat(integrityErrors(IntegrityError.KEY_MISMATCH)).isEqualTo(1);
        assertThat(store.get("a")).isNull();
        assertThat(store.get("b")).isNull();
    }

    @Test
    void overflowingEventIsNotApplied() {
        LedgerEvent open = history.open("a", CZK);
        LedgerEvent max = history.credit("a", Long.MAX_VALUE);
        // No writer accepts this; a broken one might send it.
        LedgerEvent overflow = LedgerEvent.newBuilder(max).setEventId("a:3").setVersion(3).setAmountMinor(1L).build();
        pipe(open, max, overflow);

        assertThat(integrityErrors(IntegrityError.OVERFLOW)).isEqualTo(1);
        assertThat(store.get("a").getAvailableMinor()).isEqualTo(Long.MAX_VALUE);
        assertThat(flagged.get("a")).isEqualTo(3L);
    }

    private void pipe(LedgerEvent... records) {
        for (LedgerEvent e : records) {
            events.pipeInput(e.getAccountId(), e);
        }
    }

    /** The balance expected after {@code event}, with {@code availableMinor} said out loud. */
    private static AccountBalance balance(LedgerEvent event, long availableMinor) {
        return AccountBalance.newBuilder().setAccountId(event.getAccountId()).setCurrency(event.getCurrency())
                .setScale(event.getScale()).setAvailableMinor(availableMinor).setLockedMinor(0)
                .setVersion(event.getVersion()).setLastEventId(event.getEventId())
                .setUpdatedAtMs(event.getAcceptedAtMs()).build();
    }

    private double count(String counter) {
        return metrics.get(counter).counter().count();
    }

    private double integrityErrors(IntegrityError reason) {
        return metrics.get(ProjectorTopology.INTEGRITY_COUNTER).tag("reason", reason.tag()).counter().count();
    }

    private double integrityErrors() {
        return metrics.get(ProjectorTopology.INTEGRITY_COUNTER).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private double droppedRecords() {
        return driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("dropped-records-total"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
                .sum();
    }
}
