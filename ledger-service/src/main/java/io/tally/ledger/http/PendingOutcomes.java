package io.tally.ledger.http;

import io.tally.avro.LedgerResult;
import io.tally.platform.kafka.KafkaClients;
import io.tally.schemas.LedgerTopics;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes requests waiting for their outcome (HTTP handlers, the demo): one consumer reads every partition of
 * {@code ledger.results} (committed records only) from the end it had at start, completes the
 * future registered for each request id, and remembers the latest outcomes for
 * {@code GET /v1/requests/{id}}.
 *
 * <p>Thread-safe: {@link #register} and {@link #find} may be called from any thread.
 */
public final class PendingOutcomes implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PendingOutcomes.class);

    private final KafkaConsumer<String, LedgerResult> consumer;
    private final Map<String, CompletableFuture<LedgerResult>> waiting = new ConcurrentHashMap<>();
    private final Map<String, LedgerResult> recent;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param kafka client properties, passed through
     * @param topics where {@code ledger.results} is, in the configured encoding
     * @param remembered how many recent outcomes {@link #find} can answer
     */
    public PendingOutcomes(Map<String, Object> kafka, LedgerTopics topics, int remembered) {
        Map<String, Object> config = new HashMap<>(kafka);
        // No group: every instance reads every partition from its end, and keeps no position.
        this.consumer = KafkaClients.readCommittedConsumer(config, null, topics.results());
        KafkaClients.assignAll(consumer, topics.results().name(), KafkaClients.From.END);
        this.recent = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, LedgerResult> eldest) {
                return size() > remembered;
            }
        });
        this.thread = new Thread(this::run, "ledger-http-outcomes");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, LedgerResult> r : consumer.poll(Duration.ofMillis(100))) {
                    LedgerResult result = r.value();
                    if (result == null) {
                        continue;
                    }
                    recent.put(result.getRequestId(), result);
                    CompletableFuture<LedgerResult> f = waiting.remove(result.getRequestId());
                    if (f != null) {
                        f.complete(result);
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("the results consumer stopped", e);
        } finally {
            consumer.close();
        }
    }

    /**
     * A future completed when the outcome of {@code requestId} arrives; register before publishing.
     * It stays registered until the outcome arrives, even if the caller stops waiting, so that
     * {@link #isPending} can say so.
     */
    public CompletableFuture<LedgerResult> register(String requestId) {
        return waiting.computeIfAbsent(requestId, id -> new CompletableFuture<>());
    }

    /** Whether {@code requestId} was registered and its outcome has not arrived yet. */
    public boolean isPending(String requestId) {
        return waiting.containsKey(requestId);
    }

    /** The outcome of {@code requestId}, if it arrived since start and is still remembered. */
    public Optional<LedgerResult> find(String requestId) {
        return Optional.ofNullable(recent.get(requestId));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
