package io.tally.ledger.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.avro.LedgerEvent;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.avro.ResultStatus;
import io.tally.core.Currency;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills ledger-service (SIGKILL, a process of its own) in the middle of a load and starts it again:
 * every request is decided exactly once, no accepted request is lost and none applied twice,
 * checked by reading {@code ledger.events} and {@code ledger.results} as committed.
 */
class LedgerServiceCrashIT {
    private static final int ACCOUNTS = 30;
    private static final int MOVEMENTS = 10_000;

    @TempDir
    Path dir;

    @Test
    void aKilledServiceLosesNothingAndAppliesNothingTwice() throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        String prefix = TestInfrastructure.uniqueName("crash") + ".";
        LedgerTopics topics = TopicNames.withPrefix(prefix, 4).in(ValueSerdes.singleObject());
        Map<String, Object> kafka = Map.of("bootstrap.servers", infra.bootstrapServers());
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        String applicationId = TestInfrastructure.uniqueName("ledger-crash");
        List<LedgerRequest> requests = load();

        Process first = start(infra.bootstrapServers(), prefix, applicationId);
        try (RequestPublisher publisher = new RequestPublisher(kafka, topics)) {
            for (LedgerRequest r : requests) {
                publisher.publish(r, null);
            }
            publisher.flush();
        }
        // Let it decide part of the load, then pull the plug.
        int decidedBeforeKill = killAfter(first, kafka, topics, 300);
        assertThat(decidedBeforeKill).as("killed in the middle of the load").isLessThan(requests.size());

        Process second = start(infra.bootstrapServers(), prefix, applicationId);
        try {
            List<LedgerResult> results = LedgerServiceIT.readAll(kafka, topics.results().name(),
                    ValueSerdes.singleObject().results().deserializer(), requests.size());
            Map<String, LedgerResult> byRequest = new HashMap<>();
            for (LedgerResult r : results) {
                assertThat(byRequest.put(r.getRequestId(), r)).as("one committed outcome per request").isNull();
            }
            assertThat(byRequest).hasSize(requests.size());

            long accepted = byRequest.values().stream().filter(r -> r.getStatus() == ResultStatus.ACCEPTED).count();
            List<LedgerEvent> events = LedgerServiceIT.readAll(kafka, topics.events().name(),
                    ValueSerdes.singleObject().events().deserializer(), (int) accepted);
            assertThat(events).hasSize((int) accepted);
            Map<String, Long> model = new HashMap<>();
            Map<String, List<Long>> versions = new HashMap<>();
            Set<String> keys = new HashSet<>();
            Map<String, LedgerRequest> requestById = new HashMap<>();
            requests.forEach(r -> requestById.put(r.getRequestId(), r));
            for (LedgerEvent e : events) {
                assertThat(keys.add(e.getAccountId() + "/" + e.getIdempotencyKey())).as("applied twice: %s", e).isTrue();
                versions.computeIfAbsent(e.getAccountId(), k -> new ArrayList<>()).add(e.getVersion());
                LedgerRequest r = requestById.get(e.getRequestId());
                long signed = r.getAmountMinor() == null ? 0 : "CREDIT".equals(r.getType().name()) ? r.getAmountMinor() : -r.getAmountMinor();
                long balance = model.merge(e.getAccountId(), signed, Long::sum);
                assertThat(e.getAvailableAfterMinor()).as("%s", e.getEventId()).isEqualTo(balance);
            }
            versions.forEach((account, v) -> {
                for (int i = 0; i < v.size(); i++) {
                    assertThat(v.get(i)).as("%s versions", account).isEqualTo(i + 1L);
                }
            });
        } finally {
            second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Kills {@code process} (SIGKILL) as soon as {@code count} outcomes are committed; returns how many there were. */
    private static int killAfter(Process process, Map<String, Object> kafka, LedgerTopics topics, int count)
            throws InterruptedException {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "kill-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        int seen = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(Set.of(topics.results().name()));
            long deadline = System.currentTimeMillis() + 60_000;
            while (seen < count && System.currentTimeMillis() < deadline) {
                seen += consumer.poll(Duration.ofMillis(20)).count();
            }
        }
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        return seen;
    }

    private static List<LedgerRequest> load() {
        List<LedgerRequest> requests = new ArrayList<>();
        for (int a = 0; a < ACCOUNTS; a++) {
            requests.add(RequestCodec.openAccount("open-" + a, "open", "acct-" + a, new Currency("CZK", 2), 5_000, 0));
        }
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < MOVEMENTS; i++) {
            String account = "acct-" + random.nextInt(ACCOUNTS);
            long amount = 1 + random.nextInt(2_000);
            requests.add(random.nextBoolean()
                    ? RequestCodec.credit("m-" + i, "m-" + i, account, "CZK", amount, 0, null)
                    : RequestCodec.charge("m-" + i, "m-" + i, account, "CZK", amount, 0, null));
        }
        return requests;
    }

    private Process start(String bootstrap, String prefix, String applicationId) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                LedgerServiceProcess.class.getName(), bootstrap, prefix, "4", applicationId, dir.resolve("state").toString())
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.contains("RUNNING")) {
                // Keep draining its output so it never blocks on a full pipe.
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
                drain.setDaemon(true);
                drain.start();
                return p;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("ledger-service process did not start");
    }
}
