package io.tally.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Kafka nodes, each its own JVM: a topic created without a replication factor gets three
 * replicas and {@code min.insync.replicas=2}; {@code kill -9} of the node leading its partition loses
 * no acknowledged write and the survivors take new ones; the killed node comes back on the same ports
 * and catches up; a stop leaves no process behind.
 */
class LocalClusterIT {
    private static final Duration START = Duration.ofMinutes(3);

    @Test
    void threeNodesInTheirOwnProcessesSurviveTheKillOfTheLeader(@TempDir Path directory) throws Exception {
        LocalCluster cluster = LocalCluster.open(directory, Optional.of(3));
        try {
            List<LocalCluster.NodeStatus> started = cluster.start(START);
            assertThat(started).allMatch(LocalCluster.NodeStatus::running);
            assertThat(started.stream().map(n -> n.pid().orElseThrow()).distinct())
                    .as("one JVM per node, none of them this one").hasSize(3)
                    .doesNotContain(ProcessHandle.current().pid());
            assertThat(cluster.brokersAnswering()).containsExactly(0, 1, 2);

            String topic = "replicated";
            TopicPartitionInfo partition;
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty()))).all().get();
                partition = awaitFullIsr(admin, topic);
                assertThat(partition.replicas()).as("replicas of a topic created without a factor").hasSize(3);
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
                assertThat(config.get("min.insync.replicas").value()).isEqualTo("2");
                assertThat(admin.describeFeatures().featureMetadata().get().finalizedFeatures()
                        .get("transaction.version").maxVersionLevel()).as("transaction protocol (KIP-890)").isEqualTo((short) 2);
            }

            try (KafkaProducer<String, String> producer = producer(cluster)) {
                send(producer, topic, 0, 100);
                int leader = partition.leader().id();
                assertThat(cluster.kill(leader)).isTrue();
                assertThat(cluster.status().get(leader).running()).isFalse();
                send(producer, topic, 100, 200); // the two survivors are the in-sync replicas now
            }
            assertThat(readAll(cluster, topic)).as("every acknowledged write, once, in order")
                    .isEqualTo(numbers(0, 200));

            List<LocalCluster.NodeStatus> restarted = cluster.start(START);
            assertThat(restarted).allMatch(LocalCluster.NodeStatus::running);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
                assertThat(awaitFullIsr(admin, topic).isr()).as("the restarted node caught up").hasSize(3);
            }
            assertThatThrownBy(() -> LocalCluster.open(directory, Optional.of(5)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has 3 nodes");
        } finally {
            List<Long> pids = cluster.status().stream().flatMap(n -> n.pid().stream()).toList();
            cluster.stop(Duration.ofSeconds(60));
            assertThat(cluster.status()).noneMatch(LocalCluster.NodeStatus::running);
            assertThat(pids.stream().flatMap(pid -> ProcessHandle.of(pid).stream()).filter(ProcessHandle::isAlive))
                    .as("no node process left").isEmpty();
        }
    }

    private static TopicPartitionInfo awaitFullIsr(Admin admin, String topic) throws Exception {
        long deadlineNs = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            TopicDescription d = admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic);
            TopicPartitionInfo p = d.partitions().get(0);
            if (p.leader() != null && p.isr().size() == p.replicas().size()) {
                return p;
            }
            assertThat(System.nanoTime() - deadlineNs).as("ISR of %s complete within 2 minutes: %s", topic, p).isNegative();
            Thread.sleep(200);
        }
    }

    private static KafkaProducer<String, String> producer(LocalCluster cluster) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000), new StringSerializer(), new StringSerializer());
    }

    private static void send(KafkaProducer<String, String> producer, String topic, int from, int to) throws Exception {
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        for (int i = from; i < to; i++) {
            sent.add(producer.send(new ProducerRecord<>(topic, "k", Integer.toString(i))));
        }
        for (var f : sent) {
            f.get(); // acknowledged by the in-sync replicas, or this throws
        }
    }

    private static List<String> readAll(LocalCluster cluster, String topic) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "local-cluster-it", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadlineNs = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (values.size() < 200 && System.nanoTime() - deadlineNs < 0) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }

    private static List<String> numbers(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(Integer.toString(i));
        }
        return out;
    }
}
