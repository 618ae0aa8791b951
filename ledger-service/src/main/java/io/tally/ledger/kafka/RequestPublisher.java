package io.tally.ledger.kafka;

import io.tally.avro.LedgerRequest;
import io.tally.platform.kafka.KafkaClients;
import io.tally.schemas.LedgerTopics;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Publishes requests to {@code ledger.requests}, keyed by account id, with an idempotent producer
 * ({@code acks=all}, {@code enable.idempotence=true}), so that the requests of one account keep
 * their order and a producer retry never duplicates a record (duplicates from a sender's own
 * retries are the idempotency key's business).
 *
 * <p>Thread-safe as {@link KafkaProducer} is.
 */
public final class RequestPublisher implements AutoCloseable {
    private final KafkaProducer<String, LedgerRequest> producer;
    private final String topic;

    /**
     * @param kafka client properties, passed through ({@code bootstrap.servers}, security, ...)
     * @param topics where {@code ledger.requests} is, in the configured encoding
     */
    public RequestPublisher(Map<String, Object> kafka, LedgerTopics topics) {
        this.producer = KafkaClients.idempotentProducer(kafka, topics.requests());
        this.topic = topics.requests().name();
    }

    /** Sends {@code request} asynchronously; {@code callback} sees the result or the failure. */
    public Future<RecordMetadata> publish(LedgerRequest request, Callback callback) {
        return producer.send(new ProducerRecord<>(topic, request.getAccountId(), request), callback);
    }

    /**
     * Sends {@code request} asynchronously; the future completes when Kafka acknowledged it, exceptionally
     * when it did not take it (on the producer's I/O thread: dependants should be quick, or async).
     * Throws, as {@link KafkaProducer#send} does, when the producer cannot send at all (closed).
     */
    public CompletableFuture<RecordMetadata> publish(LedgerRequest request) {
        CompletableFuture<RecordMetadata> acknowledged = new CompletableFuture<>();
        publish(request, (metadata, e) -> {
            if (e != null) {
                acknowledged.completeExceptionally(e);
            } else {
                acknowledged.complete(metadata);
            }
        });
        return acknowledged;
    }

    /** Blocks until every sent request is acknowledged (or failed). */
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
