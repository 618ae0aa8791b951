package io.tally.ledger.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.avro.ResultStatus;
import io.tally.core.Currency;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * Random sequences of every operation over a few accounts, run through the real decide topology
 * (TopologyTestDriver, transfers looping through the internal topic) and through a reference model
 * written here the obvious way: every outcome (status and code) and every balance must agree, and
 * at rest the money in the accounts is what came in minus what left the ledger.
 */
class LedgerStatefulPropertiesTest {
    private static final List<String> ACCOUNTS = List.of("a", "b", "c", "e");
    private static final long OVERDRAFT = 1_000;

    /** One step: an operation, an account, a counterparty, an amount, a hold or charge pick. */
    record Step(int op, String account, String other, long amount, int pick) {}

    @Provide
    Arbitrary<List<Step>> steps() {
        return Combinators.combine(Arbitraries.integers().between(0, 8), Arbitraries.of(ACCOUNTS), Arbitraries.of(ACCOUNTS),
                        Arbitraries.longs().between(-50, 3_000), Arbitraries.integers().between(0, 3))
                .as(Step::new).list().ofMinSize(5).ofMaxSize(60);
    }

    @Property(tries = 40)
    void theTopologyAgreesWithTheModelOnEveryOutcomeAndBalance(@ForAll("steps") List<Step> steps) throws Exception {
        Path stateDir = Files.createTempDirectory("stateful");
        LedgerTopics topics = TopicNames.defaults(1).in(ValueSerdes.singleObject());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "stateful");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(DecideTopology.buildTopology(topics, new SimpleMeterRegistry()), props)) {
            TestInputTopic<String, LedgerRequest> in = driver.createInputTopic(topics.requests().name(), new StringSerializer(),
                    ValueSerdes.singleObject().requests().serializer());
            TestOutputTopic<String, LedgerResult> out = driver.createOutputTopic(topics.results().name(), new StringDeserializer(),
                    ValueSerdes.singleObject().results().deserializer());
            Model model = new Model();
            int n = 0;
            for (Step step : steps) {
                String id = "r" + n++;
                LedgerRequest request = model.request(step, id);
                String expected = model.apply(step, id);
                in.pipeInput(request.getAccountId(), request);
                LedgerResult result = out.readValuesToList().stream().filter(r -> r.getRequestId().equals(id))
                        .findFirst().orElseThrow();
                String actual = result.getStatus() == ResultStatus.ACCEPTED ? "ACCEPTED" : result.getRejectionCode();
                assertThat(actual).as("step %s: %s", n, step).isEqualTo(expected);
                long modelTotal = model.available.keySet().stream().mapToLong(a -> model.available.get(a) + model.locked(a)).sum();
                assertThat(modelTotal).as("model conservation after step %s: %s", n, step).isEqualTo(model.cameIn - model.wentOut);
                if (result.getStatus() == ResultStatus.ACCEPTED) {
                    assertThat(result.getAvailableAfterMinor()).as("step %s: %s", n, step).isEqualTo(model.decidedAvailable);
                    assertThat(result.getLockedAfterMinor()).isEqualTo(model.locked(result.getAccountId()));
                }
            }
            long total = model.available.keySet().stream().mapToLong(a -> model.available.get(a) + model.locked(a)).sum();
            assertThat(total).as("conservation").isEqualTo(model.cameIn - model.wentOut);
        }
    }

    /** The rules of DESIGN.md's operations table, kept as plainly as possible. */
    static final class Model {
        final Map<String, Long> available = new HashMap<>();
        final Map<String, String> currency = new HashMap<>();
        final Map<String, Map<String, long[]>> holds = new HashMap<>(); // hold -> {amount, remaining}
        final Map<String, List<String>> chargeIds = new HashMap<>();
        final Map<String, Long> refundable = new HashMap<>();
        final Map<String, Long> versions = new HashMap<>();
        long cameIn;
        long wentOut;
        /** The deciding account's available right after its own event (a returned transfer comes later). */
        long decidedAvailable;
        private long toReturn;

        long locked(String account) {
            return holds.getOrDefault(account, Map.of()).values().stream().mapToLong(h -> h[1]).sum();
        }

        String holdId(Step s) {
            return "h" + s.pick();
        }

        String chargeId(Step s) {
            List<String> ids = chargeIds.getOrDefault(s.account(), List.of());
            return ids.isEmpty() ? s.account() + ":999" : ids.get(s.pick() % ids.size());
        }

        LedgerRequest request(Step s, String id) {
            String cur = s.account().equals("e") ? "EUR" : "CZK";
            return switch (s.op()) {
                case 0 -> RequestCodec.openAccount(id, id, s.account(), new Currency(cur, 2), OVERDRAFT, 0);
                case 1 -> RequestCodec.credit(id, id, s.account(), "CZK", s.amount(), 0, null);
                case 2 -> RequestCodec.charge(id, id, s.account(), "CZK", s.amount(), 0, null);
                case 3 -> RequestCodec.placeHold(id, id, s.account(), "CZK", holdId(s), s.amount(), null, 0);
                case 4 -> RequestCodec.captureHold(id, id, s.account(), "CZK", holdId(s), s.amount(), null, 0);
                case 5 -> RequestCodec.captureHold(id, id, s.account(), "CZK", holdId(s), s.amount(), s.other(), 0);
                case 6 -> RequestCodec.releaseHold(id, id, s.account(), "CZK", holdId(s), s.pick() == 0 ? null : s.amount(), 0);
                case 7 -> RequestCodec.refundCharge(id, id, s.account(), "CZK", chargeId(s), s.amount(), 0);
                default -> RequestCodec.transfer(id, id, s.account(), "CZK", s.other(), s.amount(), 0);
            };
        }

        /** Applies the step; returns ACCEPTED or the rejection code the ledger must give. */
        String apply(Step s, String id) {
            String a = s.account();
            long amount = s.amount();
            if (s.op() == 0) {
                if (available.containsKey(a)) {
                    return "ACCOUNT_EXISTS";
                }
                available.put(a, 0L);
                currency.put(a, a.equals("e") ? "EUR" : "CZK");
                versions.put(a, 1L);
                decidedAvailable = 0;
                return "ACCEPTED";
            }
            // DESIGN.md, Rejections: the request by itself (its payee, its amount), then the account, then the rest.
            if ((s.op() == 8 || s.op() == 5) && s.other().equals(a)) {
                return "SAME_ACCOUNT";
            }
            boolean release = s.op() == 6;
            Long releaseAmount = release && s.pick() == 0 ? null : amount;
            if (releaseAmount != null && releaseAmount <= 0) {
                return "INVALID_AMOUNT";
            }
            if (!available.containsKey(a)) {
                return "ACCOUNT_NOT_FOUND";
            }
            if (!currency.get(a).equals("CZK")) {
                return "CURRENCY_MISMATCH";
            }
            long avail = available.get(a);
            Map<String, long[]> hs = holds.computeIfAbsent(a, k -> new HashMap<>());
            switch (s.op()) {
                case 1 -> {
                    available.put(a, avail + amount);
                    cameIn += amount;
                }
                case 2 -> {
                    if (avail - amount < -OVERDRAFT) {
                        return "INSUFFICIENT_FUNDS";
                    }
                    available.put(a, avail - amount);
                    wentOut += amount;
                    String chargeId = a + ":" + (versions.get(a) + 1);
                    chargeIds.computeIfAbsent(a, k -> new ArrayList<>()).add(chargeId);
                    refundable.put(chargeId, amount);
                }
                case 3 -> {
                    if (hs.containsKey(holdId(s))) {
                        return "HOLD_EXISTS";
                    }
                    if (avail - amount < -OVERDRAFT) {
                        return "INSUFFICIENT_FUNDS";
                    }
                    available.put(a, avail - amount);
                    hs.put(holdId(s), new long[] {amount, amount});
                }
                case 4, 5, 6 -> {
                    long[] h = hs.get(holdId(s));
                    if (h == null) {
                        return "HOLD_NOT_FOUND";
                    }
                    if (h[1] == 0) {
                        return "HOLD_CLOSED";
                    }
                    long take = releaseAmount == null ? h[1] : amount;
                    if (take > h[1]) {
                        return "AMOUNT_EXCEEDS_HOLD";
                    }
                    h[1] -= take;
                    if (s.op() == 6) {
                        available.put(a, avail + take);
                    } else if (s.op() == 5) {
                        payeeSide(a, s.other(), take);
                    } else {
                        wentOut += take;
                    }
                }
                case 7 -> {
                    Long left = refundable.get(chargeId(s));
                    if (left == null) {
                        return "CHARGE_NOT_FOUND";
                    }
                    if (amount > left) {
                        return "AMOUNT_EXCEEDS_REFUNDABLE";
                    }
                    refundable.put(chargeId(s), left - amount);
                    available.put(a, avail + amount);
                    wentOut -= amount;
                }
                default -> {
                    if (avail - amount < -OVERDRAFT) {
                        return "INSUFFICIENT_FUNDS";
                    }
                    available.put(a, avail - amount);
                    payeeSide(a, s.other(), amount);
                }
            }
            versions.merge(a, 1L, Long::sum);
            decidedAvailable = available.get(a);
            if (toReturn > 0) {
                available.merge(a, toReturn, Long::sum); // the payee refused: the TransferReturned event
                toReturn = 0;
            }
            return "ACCEPTED";
        }

        /** The payee takes the money if it exists in CZK; otherwise it goes back to the payer. */
        private void payeeSide(String payer, String payee, long amount) {
            if (available.containsKey(payee) && currency.get(payee).equals("CZK")) {
                available.merge(payee, amount, Long::sum);
                versions.merge(payee, 1L, Long::sum);
            } else {
                toReturn = amount;
                versions.merge(payer, 1L, Long::sum); // the TransferReturned event
            }
        }
    }
}
