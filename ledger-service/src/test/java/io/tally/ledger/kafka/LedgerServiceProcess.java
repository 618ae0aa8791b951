package io.tally.ledger.kafka;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import java.nio.file.Path;
import java.util.Map;

/**
 * ledger-service in a process of its own, for tests that kill it: {@code <bootstrap> <topic prefix>
 * <partitions> <application id> <state dir>}. Prints {@code RUNNING} once Streams runs, then
 * serves until killed.
 */
public final class LedgerServiceProcess {
    private LedgerServiceProcess() {}

    public static void main(String[] args) throws Exception {
        // A killed member never leaves its group: a short session lets the restarted one take over sooner.
        Map<String, Object> kafka = Map.of("bootstrap.servers", args[0], "session.timeout.ms", 6_000,
                "heartbeat.interval.ms", 1_000);
        LedgerServiceApp app = new LedgerServiceApp(new LedgerServiceConfig(kafka, args[3],
                Path.of(args[4]), TopicNames.withPrefix(args[1], Integer.parseInt(args[2])).in(ValueSerdes.singleObject()), 1), new SimpleMeterRegistry());
        app.start();
        app.awaitRunning(java.time.Duration.ofSeconds(120));
        System.out.println("RUNNING");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
