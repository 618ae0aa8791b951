package io.tally.ledger.http;

import io.tally.avro.LedgerResult;
import io.tally.platform.kafka.KafkaClients;
import io.tally.schemas.LedgerTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes requests waiting for their outcome (HTTP handlers, the demo): one consumer reads every partition of
 * {@code ledger.results} (committed records only) from the end it had at start, completes the
 * future registered for each request id, and remembers the latest outcomes for
 * {@code GET /v1/requests/{id}}.
 *
 * <p>Every instance of ledger-service reads every outcome, whichever instance took the request, but
 * each reads at its own pace: the instance that answered a write may be a few milliseconds ahead of
 * the others. {@link #caughtUp} closes that gap for a caller that must not be told "unknown" about
 * an outcome already committed (issue 20: {@code GET /v1/requests/{id}} on every instance).
 *
 * <p>Thread-safe: {@link #register} and {@link #find} may be called from any thread.
 */
public final class PendingOutcomes implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PendingOutcomes.class);
    /** How long the reader waits for the broker's end offsets for {@link #caughtUp}, holding up the outcomes meanwhile. */
    private static final Duration END_OFFSETS_TIMEOUT = Duration.ofSeconds(2);

    private final KafkaConsumer<String, LedgerResult> consumer;
    private final Map<String, CompletableFuture<LedgerResult>> waiting = new ConcurrentHashMap<>();
    private final Map<String, LedgerResult> recent;
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> catchUpRequests = new ConcurrentLinkedQueue<>();
    private final List<CatchUp> catchUps = new ArrayList<>(); // the reader thread's only
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param kafka client properties, passed through
     * @param topics where {@code ledger.results} is, in the configured encoding
     * @param remembered how many recent outcomes {@link #find} can answer
     */
    public PendingOutcomes(Map<String, Object> kafka, LedgerTopics topics, int remembered) {
        Map<String, Object> config = new HashMap<>(kafka);
        // The broker answers one connection's requests in order, so the end offsets that caughtUp asks for
        // wait behind a fetch parked for new data: at the default 500 ms, every catch-up took 500 ms (measured,
        // PendingOutcomesIT). A fetch still returns as soon as an outcome arrives; idle, this is 10 fetches/s.
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
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
                completeCatchUps();
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("the results consumer stopped", e);
        } finally {
            IllegalStateException stopped = new IllegalStateException("the results reader stopped");
            catchUps.forEach(c -> c.waiting.forEach(f -> f.completeExceptionally(stopped)));
            catchUpRequests.forEach(f -> f.completeExceptionally(stopped));
            consumer.close();
        }
    }

    /**
     * On the reader thread: gives each new catch-up request the committed end of every partition
     * (the last stable offset: this consumer reads committed records only), and completes every
     * request whose end this reader has passed.
     */
    private void completeCatchUps() {
        if (!catchUpRequests.isEmpty()) {
            List<CompletableFuture<Void>> asked = new ArrayList<>();
            for (CompletableFuture<Void> f; (f = catchUpRequests.poll()) != null; ) {
                asked.add(f);
            }
            try {
                catchUps.add(new CatchUp(consumer.endOffsets(consumer.assignment(), END_OFFSETS_TIMEOUT), asked));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                // The broker did not answer: those callers learn it, and the reader goes on completing writes.
                asked.forEach(f -> f.completeExceptionally(e));
            }
        }
        catchUps.removeIf(c -> {
            boolean passed = c.end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
            if (passed) {
                c.waiting.forEach(f -> f.complete(null));
            }
            return passed;
        });
    }

    private record CatchUp(Map<TopicPartition, Long> end, List<CompletableFuture<Void>> waiting) {}

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

    /**
     * A future completed once this reader has read every outcome committed to {@code ledger.results}
     * before this call (its position on every partition at or past the last stable offset it asks the
     * broker for, on its next poll, within about 100 ms plus one round trip when it is not behind).
     * After it completes, {@link #find} knows every such outcome, unless it was forgotten as older than
     * the {@code remembered} most recent ones. Completed exceptionally if the reader stops first; it
     * has no timeout of its own, so a caller bounds its wait ({@link CompletableFuture#orTimeout}).
     */
    public CompletableFuture<Void> caughtUp() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        catchUpRequests.add(f);
        return f;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
