package io.tally.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.ledger.kafka.LedgerServiceApp;
import io.tally.ledger.kafka.LedgerServiceConfig;
import io.tally.projector.kafka.ProjectorApp;
import io.tally.projector.kafka.ProjectorConfig;
import io.tally.schemas.LedgerTopics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;

/**
 * Memory per service: ledger-service after deciding {@link BenchOptions#memoryAccounts} opens and
 * {@link BenchOptions#memoryEvents} mixed requests, then the projector after projecting the events
 * that made. Each figure is the heap used after a full GC ({@code System.gc()}, then
 * {@link java.lang.management.MemoryMXBean}) with the service running and caught up, minus the same
 * just before it started; the notes add the process's resident set growth (Linux
 * {@code /proc/self/status} {@code VmRSS}), which includes RocksDB's native memory that the heap
 * figure does not. Every service shares this JVM with the benchmark (and the embedded broker), so
 * these are differences, not a service alone in its own process. No baseline, no goal: a figure to
 * watch.
 */
public final class MemoryWorkload implements Workload {
    private static final double MIB = 1024.0 * 1024;

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public List<Row> run(BenchEnvironment env) throws Exception {
        BenchOptions o = env.options();
        LedgerTopics topics = env.newTopics("memory");
        long requests = new RequestMix(o.memoryAccounts()).write(env.kafka(), topics, o.memoryEvents());
        String note = String.format(Locale.ROOT, "%,d accounts, %,d mixed requests", o.memoryAccounts(), o.memoryEvents());
        Row ledger;
        String ledgerId = BenchEnvironment.unique("memory-ledger");
        long heapBefore = heapAfterGc();
        long rssBefore = residentBytes();
        long startNs = System.nanoTime();
        try (LedgerServiceApp app = new LedgerServiceApp(WritePathWorkload.serviceConfig(env, ledgerId, topics),
                new SimpleMeterRegistry())) {
            app.start();
            StreamsTiming.awaitCommitted(env.kafka(), ledgerId, StreamsTiming.endOffsets(env.kafka(), topics.requests().name()),
                    Duration.ofMinutes(60));
            double seconds = (System.nanoTime() - startNs) / 1e9;
            ledger = measured("memory: ledger-service", requests, seconds, heapBefore, rssBefore, app.streamsMetrics(), note);
        }
        env.progress("memory: %s", Results.fields(ledger));
        Map<TopicPartition, Long> events = StreamsTiming.endOffsets(env.kafka(), topics.events().name());
        String projectorId = BenchEnvironment.unique("memory-projector");
        heapBefore = heapAfterGc();
        rssBefore = residentBytes();
        startNs = System.nanoTime();
        Row projector;
        try (ProjectorApp app = new ProjectorApp(new ProjectorConfig(env.kafka(), projectorId,
                env.newStateDir(projectorId), topics, 1), new SimpleMeterRegistry())) {
            app.start();
            StreamsTiming.awaitCommitted(env.kafka(), projectorId, events, Duration.ofMinutes(60));
            double seconds = (System.nanoTime() - startNs) / 1e9;
            projector = measured("memory: projector", StreamsTiming.offsets(events), seconds, heapBefore, rssBefore,
                    app.streamsMetrics(), note + "; records = ledger.events offsets");
        }
        env.progress("memory: %s", Results.fields(projector));
        return List.of(ledger, projector);
    }

    private static Row measured(String workload, long records, double seconds, long heapBefore, long rssBefore,
            Map<MetricName, ? extends Metric> metrics, String note) throws InterruptedException {
        long heap = heapAfterGc() - heapBefore;
        long rss = residentBytes() - rssBefore;
        double memtables = rocksDb(metrics, MEMTABLES);
        // One cache shared by every store (BoundedRocksDbMemory): each reports it, so count it once.
        double blockCaches = rocksDbShared(metrics, BLOCK_CACHE);
        double tableReaders = rocksDb(metrics, TABLE_READERS);
        return Row.throughput(workload, records, seconds, Double.NaN, "", null, String.format(Locale.ROOT,
                "%s; heap after GC %+.0f MiB, resident set %+.0f MiB (the whole JVM: broker and heap growth included), "
                        + "RocksDB native %.0f MiB (memtables %.0f, held within the shared block cache of %.0f; table readers %.0f), "
                        + "while running and caught up", note, heap / MIB, rss / MIB, (blockCaches + tableReaders) / MIB,
                memtables / MIB, blockCaches / MIB, tableReaders / MIB))
                .withHeapMb(heap / MIB);
    }

    /** Kafka Streams' RocksDB property metrics (KIP-607, recorded at INFO). */
    private static final String MEMTABLES = "size-all-mem-tables";
    private static final String BLOCK_CACHE = "block-cache-usage";
    private static final String TABLE_READERS = "estimate-table-readers-mem";

    /** The sum over the service's stores of one RocksDB property metric, bytes (per-store properties: memtables, table readers). */
    static double rocksDb(Map<MetricName, ? extends Metric> metrics, String property) {
        return metrics.entrySet().stream().filter(e -> e.getKey().name().equals(property))
                .mapToDouble(e -> e.getValue().metricValue() instanceof Number n ? n.doubleValue() : 0)
                .filter(Double::isFinite).sum();
    }

    /** One RocksDB property metric that every store reports for the same shared object: its largest value, bytes. */
    static double rocksDbShared(Map<MetricName, ? extends Metric> metrics, String property) {
        return metrics.entrySet().stream().filter(e -> e.getKey().name().equals(property))
                .mapToDouble(e -> e.getValue().metricValue() instanceof Number n ? n.doubleValue() : 0)
                .filter(Double::isFinite).max().orElse(0);
    }

    /** Heap used after two full collections, bytes. */
    static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 2; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The process's resident set, bytes ({@code VmRSS}); 0 where {@code /proc} is absent. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
