package io.tally.examples.balances;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A downstream consumer that is not tally: it reads {@code ledger.balances} with kafka-clients, Avro
 * and a Confluent-compatible Schema Registry only, and the published {@code AccountBalance.avsc} as
 * its reader schema. It decodes the Confluent wire format itself (byte 0 {@code 0x00}, bytes 1-4 the
 * schema id, big-endian, then Avro binary), fetching each writer schema once with
 * {@code GET /schemas/ids/{id}} and resolving it against the reader schema (Avro schema resolution).
 *
 * <p>Run: {@code java -cp ... io.tally.examples.balances.BalanceConsumer BOOTSTRAP REGISTRY_URL [TOPIC]};
 * prints one line per balance, {@code account currency available=<minor> locked=<minor> version=<n>},
 * amounts in minor units.
 *
 * <p>Not thread-safe (one consumer, one thread).
 */
public final class BalanceConsumer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The reader schema: the published {@code AccountBalance.avsc}, copied into this program. */
    public static final Schema READER_SCHEMA = readerSchema();

    private final String registryUrl;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<Integer, GenericDatumReader<GenericRecord>> readersById = new HashMap<>();
    private final KafkaConsumer<String, byte[]> consumer;

    /**
     * @param bootstrapServers Kafka's {@code host:port} list
     * @param registryUrl the registry's Confluent API, e.g. {@code http://localhost:8081} or
     *     Apicurio's {@code http://localhost:8080/apis/ccompat/v7}
     */
    public BalanceConsumer(String bootstrapServers, String registryUrl) {
        this.registryUrl = registryUrl.endsWith("/") ? registryUrl.substring(0, registryUrl.length() - 1) : registryUrl;
        this.consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrapServers,
                "isolation.level", "read_committed", "enable.auto.commit", "false"),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Reads {@code topic} from the beginning until it has read up to the end offsets seen at the
     * start, or {@code timeout} passes.
     *
     * @return the balances in topic order (per partition), decoded with the reader schema
     * @throws IllegalArgumentException if a record is not in the Confluent wire format or its schema
     *     id is unknown to the registry (the message names the partition and offset)
     * @throws UncheckedIOException if the registry cannot be reached
     */
    public List<GenericRecord> readAll(String topic, Duration timeout) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        List<GenericRecord> balances = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                if (record.value() != null) {
                    balances.add(decode(record));
                }
            }
        }
        return balances;
    }

    private GenericRecord decode(ConsumerRecord<String, byte[]> record) {
        byte[] value = record.value();
        String where = record.topic() + "-" + record.partition() + "@" + record.offset();
        if (value.length < 5 || value[0] != 0) {
            throw new IllegalArgumentException(where + " is not in the Confluent wire format (magic byte 0 + 4-byte id)");
        }
        int id = ByteBuffer.wrap(value, 1, 4).getInt();
        GenericDatumReader<GenericRecord> reader = readersById.computeIfAbsent(id,
                k -> new GenericDatumReader<>(writerSchema(k, where), READER_SCHEMA));
        try {
            return reader.read(null, DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null));
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": body does not match schema id " + id + ": " + e.getMessage(), e);
        }
    }

    private Schema writerSchema(int id, String where) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(registryUrl + "/schemas/ids/" + id))
                .header("Accept", "application/vnd.schemaregistry.v1+json").GET().build();
        try {
            HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                throw new IllegalArgumentException(where + ": schema id " + id + " not found in the registry ("
                        + answer.statusCode() + " " + answer.body() + ")");
            }
            return new Schema.Parser().parse(JSON.readTree(answer.body()).path("schema").asText());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fetch schema id " + id + " from " + registryUrl, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Schema readerSchema() {
        try (InputStream in = BalanceConsumer.class.getResourceAsStream("/avro/AccountBalance.avsc")) {
            if (in == null) {
                throw new IllegalStateException("AccountBalance.avsc is not on the classpath under /avro");
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        consumer.close();
    }

    /** Prints every balance on the topic (default {@code ledger.balances}) and exits. */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: BalanceConsumer BOOTSTRAP_SERVERS REGISTRY_URL [TOPIC]");
            System.exit(2);
        }
        String topic = args.length > 2 ? args[2] : "ledger.balances";
        try (BalanceConsumer balances = new BalanceConsumer(args[0], args[1])) {
            for (GenericRecord b : balances.readAll(topic, Duration.ofMinutes(1))) {
                System.out.println(b.get("accountId") + " " + b.get("currency") + " available=" + b.get("availableMinor")
                        + " locked=" + b.get("lockedMinor") + " version=" + b.get("version"));
            }
        }
    }
}
