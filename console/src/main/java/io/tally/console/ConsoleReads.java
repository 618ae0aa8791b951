package io.tally.console;

import io.tally.ledger.kafka.DeadLetters;
import io.tally.platform.kafka.GroupProgress;
import io.tally.reconciler.jdbc.DiscrepancyRow;
import io.tally.reconciler.jdbc.RunRow;
import io.tally.reconciler.jdbc.RunTable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/**
 * The console's reads that are not the projector's: reconciliation runs from PostgreSQL, consumer lag
 * from the brokers, dead letters from {@code ledger.requests.dlq}. Each answers a JSON-ready map.
 *
 * <p>Thread-safe: every call opens what it needs and closes it.
 */
final class ConsoleReads {
    /** The most dead letters a call reads, newest first. */
    static final int MAX_DEAD_LETTERS = 100;
    private static final Duration DLQ_READ = Duration.ofSeconds(3);

    private final ConsoleSources sources;
    private final Jdbi jdbi;

    ConsoleReads(ConsoleSources sources) {
        this.sources = sources;
        this.jdbi = Jdbi.create(sources.dataSource()).installPlugin(new SqlObjectPlugin());
    }

    /** The latest {@code runs} runs, newest first, each with up to {@code top} discrepancies, largest first. */
    List<Map<String, Object>> runs(int runs, int top) {
        return jdbi.withExtension(RunTable.class, table -> {
            List<Map<String, Object>> answer = new ArrayList<>();
            for (RunRow run : table.latest(runs)) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("runId", run.runId());
                m.put("source", run.source());
                m.put("mode", run.mode());
                m.put("status", run.status());
                m.put("startedAt", run.startedAt().toString());
                m.put("finishedAt", run.finishedAt() == null ? null : run.finishedAt().toString());
                m.put("checked", run.checked());
                m.put("drift", run.drift());
                m.put("fixed", run.fixed());
                m.put("failure", run.failure());
                List<Map<String, Object>> discrepancies = new ArrayList<>();
                for (DiscrepancyRow d : table.largestFirst(run.runId(), top)) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("accountId", d.accountId());
                    row.put("status", d.status());
                    row.put("tier", d.tier());
                    row.put("currency", d.currency());
                    row.put("expectedAvailableMinor", d.expectedAvailableMinor());
                    row.put("actualAvailableMinor", d.actualAvailableMinor());
                    row.put("differenceMinor", d.differenceMinor());
                    row.put("sizeMinor", d.sizeMinor());
                    row.put("fix", d.fix());
                    discrepancies.add(row);
                }
                m.put("discrepancies", discrepancies);
                answer.add(m);
            }
            return answer;
        });
    }

    /**
     * Each watched group's lag: records between its committed offsets and the log ends of its topics,
     * and whether it has caught up; and the live projector application (the rebuild state).
     */
    Map<String, Object> lag() {
        List<Map<String, Object>> groups = new ArrayList<>();
        try (Admin admin = Admin.create(new HashMap<>(sources.kafka()))) {
            for (ConsoleSources.Group group : sources.groups()) {
                Map<TopicPartition, Long> end = new HashMap<>();
                for (String topic : group.topics()) {
                    end.putAll(GroupProgress.endOffsets(admin, topic));
                }
                GroupProgress progress = GroupProgress.of(admin, group.groupId(), end);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("service", group.service());
                m.put("groupId", group.groupId());
                m.put("topics", group.topics());
                m.put("lag", progress.behind());
                m.put("caughtUp", progress.caughtUp());
                groups.add(m);
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("groups", groups);
        answer.put("liveProjector", sources.liveProjector().get());
        return answer;
    }

    /**
     * The newest dead letters of {@code ledger.requests.dlq} (committed ones, at most
     * {@value #MAX_DEAD_LETTERS}, newest first), each with its reason and detail headers, where it came
     * from, its key and its size.
     */
    List<Map<String, Object>> deadLetters() {
        String topic = sources.topics().requestsDlq().name();
        Map<String, Object> config = new HashMap<>(sources.kafka());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            for (TopicPartition tp : partitions) {
                consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - MAX_DEAD_LETTERS));
            }
            long deadline = System.nanoTime() + DLQ_READ.toNanos();
            while (System.nanoTime() < deadline && partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        records.sort(Comparator.comparingLong((ConsumerRecord<byte[], byte[]> r) -> r.timestamp()).reversed());
        List<Map<String, Object>> answer = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records.subList(0, Math.min(records.size(), MAX_DEAD_LETTERS))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("partition", r.partition());
            m.put("offset", r.offset());
            m.put("at", Instant.ofEpochMilli(r.timestamp()).toString());
            m.put("reason", header(r, DeadLetters.REASON));
            m.put("detail", header(r, DeadLetters.DETAIL));
            m.put("source", header(r, DeadLetters.SOURCE_TOPIC) + "/" + header(r, DeadLetters.SOURCE_PARTITION)
                    + "@" + header(r, DeadLetters.SOURCE_OFFSET));
            m.put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
            m.put("valueBytes", r.value() == null ? 0 : r.value().length);
            answer.add(m);
        }
        return answer;
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
