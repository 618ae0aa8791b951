package io.tally.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.Currency;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.ledger.kafka.RequestPublisher;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./tally serve ledger} as its own process, stopped with SIGTERM (what {@code docker stop}
 * sends): it closes gracefully, so its input offsets are committed and its consumer group is empty at
 * once, not after the session timeout.
 */
class ServeSigtermIT {
    @TempDir
    Path dir;

    @Test
    void sigtermCommitsOffsetsAndLeavesTheGroup() throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        String prefix = TestInfrastructure.uniqueName("sigterm") + ".";
        String applicationId = prefix + "ledger";
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path log = dir.resolve("service.log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.tally.cli.Main", "serve", "ledger", "--create-topics")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(Map.of(
                ServiceEnvironment.BOOTSTRAP_SERVERS, infra.bootstrapServers(),
                ServiceEnvironment.TOPIC_PREFIX, prefix,
                ServiceEnvironment.PARTITIONS, "1",
                ServiceEnvironment.REPLICATION_FACTOR, "1",
                ServiceEnvironment.STATE_DIR, dir.resolve("state").toString(),
                ServiceEnvironment.HEALTH_PORT, Integer.toString(port),
                ServiceEnvironment.APPLICATION_ID, applicationId));
        Process process = builder.start();
        try {
            awaitHealthy(process, port, log);
            LedgerTopics topics = TopicNames.withPrefix(prefix, 1).in(ValueSerdes.singleObject());
            Map<String, Object> kafka = Map.of("bootstrap.servers", infra.bootstrapServers());
            try (RequestPublisher publisher = new RequestPublisher(kafka, topics)) {
                publisher.publish(RequestCodec.openAccount("open-1", "k", "acct-1", new Currency("CZK", 2), 0, 0), null).get();
            }
            Thread.sleep(2_000); // a commit interval or more: the request is processed

            process.destroy(); // SIGTERM
            assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("stopped within 90 s").isTrue();
            // The JVM exits 128 + 15 after its shutdown hooks when terminated by SIGTERM.
            assertThat(process.exitValue()).as(Files.readString(log)).isEqualTo(143);
            assertThat(Files.readString(log)).contains("stop requested (signal); closing");

            try (Admin admin = Admin.create(kafka)) {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(applicationId))
                        .describedGroups().get(applicationId).get();
                assertThat(group.members()).as("left the group on close").isEmpty();
                Map<TopicPartition, OffsetAndMetadata> offsets =
                        admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
                assertThat(offsets.get(new TopicPartition(topics.requests().name(), 0)).offset())
                        .as("the request's offset is committed").isEqualTo(1L);
            }
        } finally {
            process.destroyForcibly();
        }
    }

    private static void awaitHealthy(Process process, int port, Path log) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            assertThat(process.isAlive()).as("service exited: %s", Files.exists(log) ? Files.readString(log) : "").isTrue();
            try {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/health")).build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYetListening) {
                // starting
            }
            Thread.sleep(250);
        }
        throw new AssertionError("not healthy within 120 s: " + Files.readString(log));
    }
}
