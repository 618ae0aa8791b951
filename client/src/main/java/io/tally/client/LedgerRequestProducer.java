package io.tally.client;

import io.tally.avro.LedgerRequest;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes requests straight to {@code ledger.requests}, for a service that already speaks Kafka: each record
 * keyed by its account id (ledger-service's intake refuses any other key, and one account's requests keep their
 * order on its partition), its value a {@link LedgerRequest} in the topic's encoding, chosen as the services
 * choose it ({@link ValueSerdes#fromConfig}: {@code tally.serde=single-object}, the default, or {@code confluent}
 * with {@code schema.registry.url}), or handed over as a {@link LedgerTopics} by a process that already holds
 * one. The producer is idempotent with {@code acks=all}; where the caller's properties do not say otherwise it
 * batches for up to {@code linger.ms=5} and compresses with {@code lz4}, as the services' own producers do
 * (platform's {@code KafkaClients.idempotentProducer}). A resend of the same business request must carry the same
 * idempotency key, which is what makes it safe (DESIGN.md, Idempotency and ordering). The outcome arrives on
 * {@code ledger.results} under the request id.
 *
 * <p>Thread-safe as {@link KafkaProducer} is.
 */
public final class LedgerRequestProducer implements AutoCloseable {
    private final KafkaProducer<String, LedgerRequest> producer;
    private final String topic;
    private final Clock clock;

    /**
     * A producer onto {@code ledger.requests} (the default name).
     *
     * @param config Kafka producer properties ({@code bootstrap.servers}, security, ...), passed through, plus
     *     the encoding's keys ({@link ValueSerdes#CONFIG_KEYS}), which are taken out before Kafka sees them
     * @throws IllegalArgumentException if the encoding keys are wrong ({@link ValueSerdes#fromConfig})
     */
    public LedgerRequestProducer(Map<String, ?> config) {
        this(config, TopicNames.defaults(1).requests(), Clock.systemUTC());
    }

    /**
     * As {@link #LedgerRequestProducer(Map)}, onto {@code topic} (a prefixed deployment's), stamping requests
     * with {@code clock}'s time.
     */
    public LedgerRequestProducer(Map<String, ?> config, String topic, Clock clock) {
        this(withoutEncodingKeys(config), topic, ValueSerdes.fromConfig(config).requests().serializer(), clock);
    }

    /**
     * A producer onto {@code topics.requests()} in its encoding, for a process that already holds its topics
     * (the local stack of {@code ./tally demo}), stamping requests with the system clock's time.
     *
     * @param kafka Kafka producer properties ({@code bootstrap.servers}, security, ...), passed through untouched
     *     but for {@code acks=all} and {@code enable.idempotence=true}; the encoding's keys
     *     ({@link ValueSerdes#CONFIG_KEYS}) have no meaning here and are dropped
     * @param topics where {@code ledger.requests} is (its name, prefixed or not) and its value serde
     * @throws org.apache.kafka.common.KafkaException if Kafka refuses the properties (no bootstrap servers, ...)
     */
    public LedgerRequestProducer(Map<String, ?> kafka, LedgerTopics topics) {
        this(kafka, topics, Clock.systemUTC());
    }

    /** As {@link #LedgerRequestProducer(Map, LedgerTopics)}, stamping requests with {@code clock}'s time. */
    public LedgerRequestProducer(Map<String, ?> kafka, LedgerTopics topics, Clock clock) {
        this(withoutEncodingKeys(kafka), topics.requests().name(), topics.requests().valueSerde().serializer(), clock);
    }

    private LedgerRequestProducer(Map<String, Object> kafka, String topic, Serializer<LedgerRequest> values,
            Clock clock) {
        kafka.put(ProducerConfig.ACKS_CONFIG, "all");
        kafka.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // A few ms of batching and lz4 as the services' producers have: bulk publishing (the demo's Berka import)
        // sends far fewer, smaller requests to the broker; a caller's own values win.
        kafka.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        kafka.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.producer = new KafkaProducer<>(kafka, new StringSerializer(), values);
    }

    private static Map<String, Object> withoutEncodingKeys(Map<String, ?> config) {
        Map<String, Object> kafka = new HashMap<>(config);
        ValueSerdes.CONFIG_KEYS.forEach(kafka::remove);
        return kafka;
    }

    /**
     * Sends {@code request}, keyed by its account id; the future completes when Kafka acknowledged it
     * (exceptionally when it did not: resend with the same idempotency key).
     *
     * @throws IllegalArgumentException if the request has no account id or no idempotency key
     */
    public CompletableFuture<RecordMetadata> send(LedgerRequest request) {
        if (request.getAccountId() == null || request.getIdempotencyKey() == null) {
            throw new IllegalArgumentException("a request needs its account id (the record key) and an idempotency key");
        }
        CompletableFuture<RecordMetadata> acknowledged = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(topic, request.getAccountId(), request), (metadata, e) -> {
            if (e != null) {
                acknowledged.completeExceptionally(e);
            } else {
                acknowledged.complete(metadata);
            }
        });
        return acknowledged;
    }

    /**
     * Credits {@code amountMinor} of {@code currency} to {@code accountId} under {@code idempotencyKey}
     * (null: a random UUID); returns the request sent (its request id names the outcome).
     */
    public LedgerRequest credit(String accountId, long amountMinor, String currency, String idempotencyKey) {
        LedgerRequest request = RequestCodec.credit(UUID.randomUUID().toString(), key(idempotencyKey), accountId,
                currency, amountMinor, clock.millis(), null);
        send(request);
        return request;
    }

    /** Charges {@code amountMinor} from {@code accountId}; as {@link #credit}. */
    public LedgerRequest charge(String accountId, long amountMinor, String currency, String idempotencyKey) {
        LedgerRequest request = RequestCodec.charge(UUID.randomUUID().toString(), key(idempotencyKey), accountId,
                currency, amountMinor, clock.millis(), null);
        send(request);
        return request;
    }

    /** Opens {@code accountId} in {@code currency} with {@code scale} decimals and no overdraft; as {@link #credit}. */
    public LedgerRequest openAccount(String accountId, String currency, int scale, String idempotencyKey) {
        LedgerRequest request = RequestCodec.openAccount(UUID.randomUUID().toString(), key(idempotencyKey), accountId,
                new io.tally.core.Currency(currency, scale), 0, clock.millis());
        send(request);
        return request;
    }

    private static String key(String idempotencyKey) {
        return idempotencyKey != null ? idempotencyKey : UUID.randomUUID().toString();
    }

    /** Blocks until every sent request is acknowledged or failed. */
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
