package io.tally.bench;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.ledger.http.LedgerHttpApi;
import io.tally.ledger.http.PendingOutcomes;
import io.tally.ledger.kafka.LedgerServiceApp;
import io.tally.ledger.kafka.RequestPublisher;
import io.tally.platform.http.Tokens;
import io.tally.schemas.LedgerTopics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * ledger-service as {@code ./tally serve} wires it, for the HTTP rows: the decide task
 * ({@link WritePathWorkload#serviceConfig}), the request publisher, the outcome reader and the HTTP API
 * on a free port, with {@link BenchOptions#httpAccounts} accounts opened and decided before it answers.
 * One registry carries the service's and the API's meters, for {@link HttpBreakdown}.
 *
 * <p>Not thread-safe: built and closed by the bench's thread; the service itself is thread-safe.
 */
final class BenchLedgerHttp implements AutoCloseable {
    /** The bearer token the bench's requests carry ({@code write} and {@code read}). */
    static final String TOKEN = "bench-" + Tokens.generate();

    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final LedgerServiceApp service;
    private final RequestPublisher publisher;
    private final PendingOutcomes outcomes;
    private final LedgerHttpApi api;

    /**
     * Opens the accounts on fresh topics named after {@code stem}, starts the service and waits until
     * every open is decided, then serves HTTP.
     */
    BenchLedgerHttp(BenchEnvironment env, String stem) throws Exception {
        LedgerTopics topics = env.newTopics(stem);
        new RequestMix(env.options().httpAccounts()).write(env.kafka(), topics, 0);
        Map<TopicPartition, Long> opens = StreamsTiming.endOffsets(env.kafka(), topics.requests().name());
        String applicationId = BenchEnvironment.unique(stem + "-ledger");
        service = new LedgerServiceApp(WritePathWorkload.serviceConfig(env, applicationId, topics), metrics);
        publisher = new RequestPublisher(env.kafka(), topics);
        outcomes = new PendingOutcomes(env.kafka(), topics, 100_000);
        api = new LedgerHttpApi(publisher, outcomes, Tokens.parse(List.of(Tokens.hash(TOKEN) + ":write,read:bench")),
                Duration.ofSeconds(10), () -> true, metrics, Clock.systemUTC());
        service.start();
        service.awaitRunning(Duration.ofMinutes(2));
        StreamsTiming.awaitCommitted(env.kafka(), applicationId, opens, Duration.ofMinutes(10));
        api.start("127.0.0.1", 0);
    }

    /** Where the API answers, e.g. {@code http://127.0.0.1:40123}. */
    String baseUrl() {
        return "http://127.0.0.1:" + api.port();
    }

    /** The service's and the API's meters. */
    MeterRegistry metrics() {
        return metrics;
    }

    /** Stops the API (answering what is in flight), then the reader, the publisher and the service. */
    @Override
    public void close() throws Exception {
        try (service; publisher; outcomes; api) {
            // closed in reverse order: the API first
        }
    }
}
