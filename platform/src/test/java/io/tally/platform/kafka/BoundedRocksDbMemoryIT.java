package io.tally.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.embedded.testing.TestInfrastructure;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Streams application (two tasks, each with a plain, a timestamped and a versioned RocksDB
 * store) on the embedded broker under an 8 MiB bound, written 24 MiB, three times the bound per store,
 * and RocksDB's own numbers read from Kafka Streams' KIP-607 metrics (INFO level, the default):
 * every store reports one block cache of the bound's capacity, the same usage (one cache, not six),
 * and neither the cache's usage nor the memtables together ever pass the bound while writing. Kafka
 * Streams without the setter gives each store a cache of its own of 50 MiB and memtables of up to
 * 3 x 16 MiB. The bound holds here because what the cache cannot evict (the memtables' reservation,
 * at most 6 stores x 2 memtables x 512 KiB, and blocks in use) stays below it; a slow disk, whose
 * flushes lag, stalls a store's writes rather than growing its memtables (a CI machine reached 10.3 MB
 * with Streams' 3 memtables per store).
 */
class BoundedRocksDbMemoryIT {
    private static final long BOUND_BYTES = 8L << 20;
    private static final int PARTITIONS = 2;
    private static final int RECORDS = 6_000;
    private static final int VALUE_BYTES = 4096;
    private static final List<String> STORES = List.of("plain", "timestamped", "versioned");

    @Test
    void everyStoreSharesOneCacheOfTheBoundAndStaysWithinIt(@TempDir Path stateDir) throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        String topic = TestInfrastructure.uniqueName("bounded-rocksdb-in");
        Map<String, Object> kafka = Map.of("bootstrap.servers", infra.bootstrapServers());
        try (Admin admin = Admin.create(kafka)) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        }
        AtomicLong processed = new AtomicLong();
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, TestInfrastructure.uniqueName("bounded-rocksdb"));
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        BoundedRocksDbMemory.applyTo(props);
        props.put(BoundedRocksDbMemory.MEMORY_BYTES_CONFIG, BOUND_BYTES);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);

        Map<String, BigInteger> peaks = new HashMap<>();
        try (StreamsService app = new StreamsService("bounded-rocksdb-it", topology(topic, processed), props,
                new SimpleMeterRegistry())) {
            app.start();
            app.awaitRunning(Duration.ofMinutes(2));
            produce(infra.bootstrapServers(), topic);
            long deadlineNs = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (processed.get() < RECORDS && System.nanoTime() - deadlineNs < 0) {
                sample(app.streamsMetrics(), peaks);
                Thread.sleep(20);
            }
            assertThat(processed.get()).as("records processed").isEqualTo(RECORDS);
            sample(app.streamsMetrics(), peaks);

            Map<String, BigInteger> capacities = perStore(app.streamsMetrics(), "block-cache-capacity");
            assertThat(capacities.keySet()).as("stores reporting a block cache")
                    .isEqualTo(expectedStores());
            assertThat(new TreeSet<>(capacities.values())).as("block cache capacity of every store")
                    .containsExactly(BigInteger.valueOf(BOUND_BYTES));
            assertThat(oneUsageForAll(app)).as("every store reports the same cache usage: one cache").isTrue();
        }
        System.out.printf(Locale.ROOT, "bound %d bytes: peak block cache usage %s (pinned %s), peak memtables %s%n",
                BOUND_BYTES, peaks.get("block-cache-usage"), peaks.get("block-cache-pinned-usage"),
                peaks.get("size-all-mem-tables"));
        assertThat(peaks.get("block-cache-usage")).as("peak block cache usage (memtables charged to it)")
                .isGreaterThan(BigInteger.ZERO)
                .isLessThanOrEqualTo(BigInteger.valueOf(BOUND_BYTES));
        assertThat(peaks.get("size-all-mem-tables")).as("peak of all stores' memtables together")
                .isGreaterThan(BigInteger.ZERO)
                .isLessThanOrEqualTo(BigInteger.valueOf(BOUND_BYTES));
    }

    private static Topology topology(String topic, AtomicLong processed) {
        Topology topology = new Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), topic);
        topology.addProcessor("put", () -> new PutEverywhere(processed), "in");
        // No changelogs: the point is RocksDB's memory, and the broker shares the test's two cores.
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("plain"),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled(), "put");
        topology.addStateStore(Stores.timestampedKeyValueStoreBuilder(
                Stores.persistentTimestampedKeyValueStore("timestamped"), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled(), "put");
        topology.addStateStore(Stores.versionedKeyValueStoreBuilder(
                Stores.persistentVersionedKeyValueStore("versioned", Duration.ofDays(1)), Serdes.String(),
                Serdes.ByteArray()).withLoggingDisabled(), "put");
        return topology;
    }

    /** Writes each record to all three stores and reads an older key back, so data blocks are cached too. */
    private static final class PutEverywhere implements Processor<String, byte[], Void, Void> {
        private final AtomicLong processed;
        private KeyValueStore<String, byte[]> plain;
        private TimestampedKeyValueStore<String, byte[]> timestamped;
        private VersionedKeyValueStore<String, byte[]> versioned;

        PutEverywhere(AtomicLong processed) {
            this.processed = processed;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            plain = context.getStateStore("plain");
            timestamped = context.getStateStore("timestamped");
            versioned = context.getStateStore("versioned");
        }

        @Override
        public void process(Record<String, byte[]> record) {
            plain.put(record.key(), record.value());
            timestamped.put(record.key(), ValueAndTimestamp.make(record.value(), record.timestamp()));
            versioned.put(record.key(), record.value(), record.timestamp());
            int i = Integer.parseInt(record.key().substring(1));
            if (i >= 1_000) {
                plain.get("k" + (i - 1_000));
            }
            processed.incrementAndGet();
        }
    }

    private static void produce(String bootstrapServers, String topic) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all");
        Random random = new Random(16);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                byte[] value = new byte[VALUE_BYTES];
                random.nextBytes(value);
                producer.send(new ProducerRecord<>(topic, "k" + i, value));
            }
            producer.flush();
        }
    }

    /** Keeps the highest block cache usage (and pinned usage) seen, and the highest sum of every store's memtables. */
    private static void sample(Map<MetricName, ? extends Metric> metrics, Map<String, BigInteger> peaks) {
        perStore(metrics, "block-cache-usage").values().forEach(v -> peaks.merge("block-cache-usage", v, BigInteger::max));
        perStore(metrics, "block-cache-pinned-usage").values()
                .forEach(v -> peaks.merge("block-cache-pinned-usage", v, BigInteger::max));
        BigInteger memtables = perStore(metrics, "size-all-mem-tables").values().stream()
                .reduce(BigInteger.ZERO, BigInteger::add);
        peaks.merge("size-all-mem-tables", memtables, BigInteger::max);
    }

    /** Whether every store reports the same usage in one reading (a few readings allowed: the cache moves). */
    private static boolean oneUsageForAll(StreamsService app) throws InterruptedException {
        for (int attempt = 0; attempt < 50; attempt++) {
            if (new TreeSet<>(perStore(app.streamsMetrics(), "block-cache-usage").values()).size() == 1) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static Set<String> expectedStores() {
        Set<String> stores = new TreeSet<>();
        for (int task = 0; task < PARTITIONS; task++) {
            for (String store : STORES) {
                stores.add("0_" + task + "/" + store);
            }
        }
        return stores;
    }

    /** A RocksDB property metric of each store, keyed {@code task/store}. */
    private static Map<String, BigInteger> perStore(Map<MetricName, ? extends Metric> metrics, String name) {
        Map<String, BigInteger> values = new TreeMap<>();
        metrics.forEach((metricName, metric) -> {
            if (metricName.name().equals(name) && metricName.group().equals("stream-state-metrics")) {
                String store = metricName.tags().entrySet().stream().filter(t -> t.getKey().startsWith("rocksdb-"))
                        .map(Map.Entry::getValue).findFirst().orElseThrow();
                values.put(metricName.tags().get("task-id") + "/" + store, (BigInteger) metric.metricValue());
            }
        });
        return values;
    }
}
