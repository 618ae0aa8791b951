package io.tally.reconciler;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.avro.LedgerRequest;
import io.tally.core.Currency;
import io.tally.core.reconciliation.BalanceView;
import io.tally.embedded.PostgresServer;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.ledger.kafka.LedgerServiceApp;
import io.tally.ledger.kafka.LedgerServiceConfig;
import io.tally.ledger.kafka.RequestPublisher;
import io.tally.projector.jdbc.BalanceCacheSink;
import io.tally.projector.jdbc.ProjectorSchema;
import io.tally.projector.kafka.ProjectorApp;
import io.tally.projector.kafka.ProjectorConfig;
import io.tally.reconciler.jdbc.ReconcilerSchema;
import io.tally.reconciler.kafka.ProjectionSource;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicNames;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.codec.RequestCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/**
 * The stack a fixing run needs, on the real broker and PostgreSQL, with topics of its own in one value
 * encoding: ledger-service deciding requests, the projector materializing balances, its sink filling
 * {@code account_balances} in a fresh database with the reconciler's tables; and what the tests ask of
 * it (requests, the projection, the cache, the audit trail, a topic's records).
 *
 * <p>Not thread-safe: one test class uses it.
 */
public final class ReconcilerFixture implements AutoCloseable {
    /** How long anything may take. */
    public static final Duration TIMEOUT = Duration.ofSeconds(90);
    /** The tests' currency. */
    public static final Currency CZK = new Currency("CZK", 2);

    public final Map<String, Object> kafka;
    public final LedgerTopics topics;
    public final DataSource database;
    public final Jdbi jdbi;
    public final LedgerServiceApp ledger;
    public final ProjectorApp projector;
    public final String sinkGroup;
    private BalanceCacheSink sink;
    private final RequestPublisher publisher;

    private ReconcilerFixture(Map<String, Object> kafka, LedgerTopics topics, DataSource database, Path state) {
        this.kafka = kafka;
        this.topics = topics;
        this.database = database;
        this.jdbi = Jdbi.create(database).installPlugin(new SqlObjectPlugin());
        this.ledger = new LedgerServiceApp(new LedgerServiceConfig(kafka, TestInfrastructure.uniqueName("ledger"),
                state.resolve("ledger"), topics, 1), new SimpleMeterRegistry());
        this.projector = new ProjectorApp(new ProjectorConfig(kafka, TestInfrastructure.uniqueName("projector"),
                state.resolve("projector"), topics, 1), new SimpleMeterRegistry());
        this.sinkGroup = TestInfrastructure.uniqueName("sink");
        this.sink = new BalanceCacheSink(kafka, sinkGroup, topics, database);
        this.publisher = new RequestPublisher(kafka, topics);
    }

    /**
     * Creates topics named {@code <name>-<unique>.*} (2 partitions) with values in {@code serdes}, a fresh
     * database with the projector's and the reconciler's tables, and starts the three services.
     */
    public static ReconcilerFixture start(String name, ValueSerdes serdes) throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        Map<String, Object> kafka = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
        LedgerTopics topics = TopicNames.withPrefix(TestInfrastructure.uniqueName(name) + ".", 2).in(serdes);
        try (Admin admin = Admin.create(kafka)) {
            TopicAdmin.ensure(admin, topics.specs(), (short) 1);
        }
        DataSource database = PostgresServer.dataSource(infra.newDatabase(name));
        ProjectorSchema.migrate(database);
        ReconcilerSchema.migrate(database);
        ReconcilerFixture stack = new ReconcilerFixture(kafka, topics, database, Files.createTempDirectory(name + "-it"));
        stack.ledger.start();
        stack.projector.start();
        stack.sink.start();
        stack.ledger.awaitRunning(TIMEOUT);
        stack.projector.awaitRunning(TIMEOUT);
        return stack;
    }

    /** The cache sink, as started last. */
    public BalanceCacheSink sink() {
        return sink;
    }

    /** Stops the cache sink: the cache falls behind. */
    public void stopSink() {
        sink.close();
    }

    /** Starts the cache sink again, in its group: it catches up from its committed offsets. */
    public void restartSink() {
        sink = new BalanceCacheSink(kafka, sinkGroup, topics, database);
        sink.start();
    }

    /** Opens {@code accountId} in CZK and credits it {@code amountMinor}: version 2. */
    public void openAndCredit(String accountId, long amountMinor) {
        send(RequestCodec.openAccount("open-" + accountId, "open", accountId, CZK, 0, 0));
        send(RequestCodec.credit("credit-" + accountId, "credit", accountId, "CZK", amountMinor, 0, null));
    }

    /** Publishes {@code request} to {@code ledger.requests} and waits for the brokers. */
    public void send(LedgerRequest request) {
        publisher.publish(request, null);
        publisher.flush();
    }

    /** The projection's balance of {@code accountId}, or {@code null} (also while a store is rebalancing). */
    public AccountBalance projected(String accountId) {
        try {
            return projector.balances().get(accountId);
        } catch (InvalidStateStoreException rebalancing) {
            return null;
        }
    }

    /** The projection's accounts starting with {@code prefix}, read into memory (a few). */
    public Iterator<BalanceView> projection(String prefix) {
        List<BalanceView> views = new ArrayList<>();
        try (ProjectionSource source = ProjectionSource.merging(projector.balancesByPartition())) {
            AccountFilter.of(source, id -> id.startsWith(prefix)).forEachRemaining(views::add);
        }
        return views.iterator();
    }

    /** Available per account of {@code account_balances} rows whose id starts with {@code prefix}. */
    public Map<String, Long> cachedAvailable(String prefix) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT account_id, available_minor FROM account_balances WHERE account_id LIKE :p")
                .bind("p", prefix + "%")
                .reduceRows(new HashMap<String, Long>(), (m, row) -> {
                    m.put(row.getColumn("account_id", String.class), row.getColumn("available_minor", Long.class));
                    return m;
                }));
    }

    /** Waits until {@code accounts} rows starting with {@code prefix} are cached at {@code version}. */
    public void awaitCached(String prefix, int accounts, long version) throws InterruptedException {
        await(accounts + " " + prefix + " accounts cached at version " + version, () -> jdbi.withHandle(h -> h.createQuery(
                        "SELECT count(*) FROM account_balances WHERE account_id LIKE :p AND version = :v")
                .bind("p", prefix + "%").bind("v", version).mapTo(Long.class).one()) == accounts);
    }

    /** Rows of {@code balance_corrections_applied} of accounts starting with {@code prefix}. */
    public long auditRows(String prefix) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM balance_corrections_applied WHERE account_id LIKE :p")
                .bind("p", prefix + "%").mapTo(Long.class).one());
    }

    /** The sum of {@code topic}'s end offsets. */
    public long endOffsetSum(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(new HashMap<>(kafka), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Committed records of {@code topic} from the start that match, until {@code expected} or the end. */
    public <V> List<V> readAll(String topic, Deserializer<V> values, int expected, Predicate<V> matching) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<V> out = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, new StringDeserializer(), values)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + TIMEOUT.toMillis();
            while (out.size() < expected && System.currentTimeMillis() < deadline
                    && partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(200))) {
                    if (matching.test(r.value())) {
                        out.add(r.value());
                    }
                }
            }
        }
        return out;
    }

    /** Waits until {@code condition} holds, at most {@link #TIMEOUT}. */
    public static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadlineNs > 0) {
                throw new AssertionError("not true within " + TIMEOUT.toMillis() + " ms: " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Stops the services (the topics and the database stay). */
    @Override
    public void close() {
        publisher.close();
        sink.close();
        projector.close();
        ledger.close();
    }
}
