package io.tally.reconciler.kafka;

import io.tally.platform.kafka.KafkaClients;
import io.tally.reconciler.Fixer;
import io.tally.schemas.Topic;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A {@link Fixer} whose fixes are records on a topic, keyed by account id: the producer is
 * idempotent with {@code acks=all}, so a retry never duplicates a fix; a failed send is remembered
 * and thrown from the next {@link #send} or from {@link #flush}, which returns only when every fix is
 * on the brokers.
 *
 * <p>Not thread-safe: used from the run's thread.
 *
 * @param <V> the value record
 */
abstract class ProducingFixer<V> implements Fixer {
    private final Producer<String, V> producer;
    private final String topic;
    private final String what;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    /**
     * @param kafka client properties, passed through
     * @param topic where the fixes go, in the configured encoding
     * @param what what one record is, for error messages ("a correction")
     */
    ProducingFixer(Map<String, Object> kafka, Topic<String, V> topic, String what) {
        this.producer = KafkaClients.idempotentProducer(kafka, topic);
        this.topic = topic.name();
        this.what = what;
    }

    /**
     * Sends one fix, asynchronously.
     *
     * @throws IllegalStateException if an earlier send failed
     */
    final void send(String accountId, V value) {
        rethrowFailure();
        producer.send(new ProducerRecord<>(topic, accountId, value), (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
    }

    @Override
    public final void flush() {
        producer.flush();
        rethrowFailure();
    }

    private void rethrowFailure() {
        Exception e = failure.get();
        if (e != null) {
            throw new IllegalStateException(what + " could not be sent to " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public final void close() {
        producer.close();
    }
}
