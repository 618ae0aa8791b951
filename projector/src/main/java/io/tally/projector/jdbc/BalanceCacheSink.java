package io.tally.projector.jdbc;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.registry.SchemaRegistryException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the PostgreSQL table {@code account_balances} in step with {@code ledger.balances}.
 *
 * <p>One thread polls a plain consumer ({@code read_committed}, so only balances of committed
 * projector transactions are seen; no auto-commit). For each poll it keeps the newest version per
 * account, upserts those rows in one database transaction ({@link AccountBalanceTable#upsert}, which
 * never moves a row back to an older version) and only then commits the offsets. If the database
 * fails, it logs, seeks back to the committed offsets and retries after a bounded exponential
 * backoff ({@value #MIN_BACKOFF_MS} ms doubling to {@value #MAX_BACKOFF_MS} ms): nothing is lost, and
 * a record read twice (a retry, a restart between the database commit and the offset commit)
 * changes nothing, thanks to the version guard. Kafka errors that outlast the client's own
 * timeouts are retried with the same backoff. A record that cannot be deserialized is logged at
 * ERROR and skipped. A row the database rejects for good (a constraint) is retried forever, logged
 * each time: the sink fails closed rather than skip it.
 *
 * <p>An application's own balance column can be kept in step in the same transaction: configured
 * SQL ({@code applicationSql}) runs once for each row that moved {@code account_balances} forward, as a
 * batch with named bind parameters {@code :account_id}, {@code :currency}, {@code :scale},
 * {@code :available}, {@code :locked}, {@code :total}, {@code :version}, {@code :last_event_id} (a
 * statement may use any of them), e.g. {@code UPDATE wallets SET balance = :available, locked_balance
 * = :locked WHERE id = :account_id}. Values are always bound, never spliced into the SQL. A row that
 * did not move forward (a replay, an older version) does not run it, so the application's column
 * never moves back either.
 *
 * <p>The table must exist ({@link ProjectorSchema#migrate}).
 *
 * <p>Thread-safe: {@link #rowsApplied}, {@link #lag} and {@link #isCaughtUp} may be read from any
 * thread; {@link #start} and {@link #close} are meant to be called once each.
 */
public final class BalanceCacheSink implements AutoCloseable {
    /** First retry delay after a database failure. */
    public static final long MIN_BACKOFF_MS = 100;
    /** Largest retry delay after repeated database failures. */
    public static final long MAX_BACKOFF_MS = 5_000;

    private static final Logger log = LoggerFactory.getLogger(BalanceCacheSink.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
    /**
     * {@code max.poll.records} unless the passed-through properties set it: rows per database
     * transaction at most. Each poll costs a transaction and an offset commit, so 500 (the client's
     * default) left the sink waiting on round trips (issue 8, {@code ./tally bench sink}).
     */
    public static final int MAX_POLL_RECORDS = 5_000;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaConsumer<String, AccountBalance> consumer;
    private final String topic;
    private final Jdbi jdbi;
    private final Optional<String> applicationSql;
    private final Thread thread;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final AtomicLong rowsApplied = new AtomicLong();
    private volatile long lag = -1;
    private volatile boolean started;
    private volatile RuntimeException failure;
    /** Poll thread only: the positions are past records whose rows were not written. */
    private boolean rewindPending;

    /**
     * Builds a sink; connects to nothing until {@link #start}.
     *
     * @param kafkaProperties Kafka client properties passed through ({@code bootstrap.servers},
     *     security); group id, isolation level, offset reset and auto-commit are set over them
     * @param groupId the consumer group; a sink restarted with the same group resumes where it
     *     committed, a new group replays {@code ledger.balances} from the beginning
     * @param topics reads {@link LedgerTopics#balances()}
     * @param dataSource the database holding {@code account_balances}
     */
    public BalanceCacheSink(Map<String, Object> kafkaProperties, String groupId, LedgerTopics topics,
            DataSource dataSource) {
        this(kafkaProperties, groupId, topics, ValueSerdes.singleObject(), dataSource, Optional.empty());
    }

    /**
     * Builds a sink reading {@code ledger.balances} in the encoding of {@code serdes}; otherwise as
     * {@link #BalanceCacheSink(Map, String, LedgerTopics, DataSource)}.
     */
    public BalanceCacheSink(Map<String, Object> kafkaProperties, String groupId, LedgerTopics topics,
            ValueSerdes serdes, DataSource dataSource) {
        this(kafkaProperties, groupId, topics, serdes, dataSource, Optional.empty());
    }

    /** As below, in the single-object encoding. */
    public BalanceCacheSink(Map<String, Object> kafkaProperties, String groupId, LedgerTopics topics,
            DataSource dataSource, Optional<String> applicationSql) {
        this(kafkaProperties, groupId, topics, ValueSerdes.singleObject(), dataSource, applicationSql);
    }

    /**
     * As {@link #BalanceCacheSink(Map, String, LedgerTopics, ValueSerdes, DataSource)}, also running
     * {@code applicationSql} for each row that moved forward (see the class documentation).
     *
     * @param applicationSql SQL with named parameters, run in the same transaction as the upsert
     */
    public BalanceCacheSink(Map<String, Object> kafkaProperties, String groupId, LedgerTopics topics,
            ValueSerdes serdes, DataSource dataSource, Optional<String> applicationSql) {
        this.applicationSql = applicationSql;
        Map<String, Object> props = new HashMap<>(kafkaProperties);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        // Only balances from committed projector transactions.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // Offsets are committed after the database transaction, never before.
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL_RECORDS);
        this.consumer = new KafkaConsumer<>(props, LedgerTopics.keySerde().deserializer(),
                serdes.balances().deserializer());
        this.topic = topics.balances();
        this.jdbi = Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin());
        this.thread = new Thread(this::run, "balance-cache-sink-" + groupId);
        // A daemon may die mid-batch at JVM exit: the transaction rolls back, the offsets stay behind.
        this.thread.setDaemon(true);
    }

    /** Starts the polling thread. */
    public void start() {
        started = true;
        thread.start();
    }

    /** Rows the database changed (inserted or moved forward) since start; stale rows do not count. */
    public long rowsApplied() {
        return rowsApplied.get();
    }

    /**
     * Records on the assigned partitions of {@code ledger.balances} not yet written to the table
     * (end offset minus position, summed; the position only stays past records whose rows are
     * written), as of the poll thread's last round; {@code -1} until partitions are assigned and
     * after the sink stopped.
     */
    public long lag() {
        return lag;
    }

    /**
     * Registers gauges {@value #LAG_GAUGE} ({@link #lag}) and {@value #ROWS_GAUGE} ({@link #rowsApplied})
     * in {@code metrics}, tagged with the sink's topic.
     */
    public BalanceCacheSink bindTo(MeterRegistry metrics) {
        Gauge.builder(LAG_GAUGE, this, BalanceCacheSink::lag).tag("topic", topic)
                .description("ledger.balances records not yet written to account_balances (-1: not assigned)")
                .register(metrics);
        Gauge.builder(ROWS_GAUGE, this, BalanceCacheSink::rowsApplied).tag("topic", topic)
                .description("account_balances rows inserted or moved forward since start").register(metrics);
        return this;
    }

    /** Gauge: records not yet written to the table. */
    public static final String LAG_GAUGE = "tally.projector.cache.sink.lag";
    /** Gauge: rows changed since start. */
    public static final String ROWS_GAUGE = "tally.projector.cache.sink.rows.applied";

    /**
     * Why the sink stopped on its own, if it did: an error it does not retry (database and Kafka outages
     * are retried and never end up here). A service reports it on its health endpoint and exits, so
     * that it is restarted rather than left without a sink.
     */
    public Optional<RuntimeException> failure() {
        return Optional.ofNullable(failure);
    }

    /** Whether the table reflects every committed record of the assigned partitions ({@link #lag} is 0). */
    public boolean isCaughtUp() {
        return lag == 0;
    }

    /**
     * Stops the polling thread (waiting up to 30 s) and closes the consumer. If interrupted while
     * waiting, returns at once with the interrupt flag set; the thread still stops on its own.
     */
    @Override
    public void close() {
        stopping.countDown();
        if (!started) {
            consumer.close();
            return;
        }
        consumer.wakeup();
        try {
            thread.join(CLOSE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (thread.isAlive()) {
            log.warn("balance cache sink for {} did not stop within {} ms", topic, CLOSE_TIMEOUT.toMillis());
        }
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic));
            long backoffMs = MIN_BACKOFF_MS;
            while (stopping.getCount() > 0) {
                if (pollOnce()) {
                    backoffMs = MIN_BACKOFF_MS;
                } else if (stopping.await(backoffMs, TimeUnit.MILLISECONDS)) {
                    break;
                } else {
                    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
                }
            }
        } catch (WakeupException e) {
            // close() woke the consumer up
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // Not a failure it knows how to wait out: stop and say so (failure()), rather than loop on it.
            failure = e;
            log.error("balance cache sink for {} stopped", topic, e);
        } finally {
            lag = -1;
            consumer.close();
        }
    }

    /** One poll, write and commit; {@code false} if it is to be retried after a backoff. */
    private boolean pollOnce() {
        try {
            if (rewindPending) {
                rewindToCommitted();
            }
            ConsumerRecords<String, AccountBalance> records = poll();
            boolean written = records.isEmpty() || applyAndCommit(records);
            if (!written) {
                rewindToCommitted();
            }
            publishLag();
            return written;
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            // The broker stayed unreachable past the client's timeouts; try again later.
            log.warn("balance cache sink for {} cannot reach Kafka: {}", topic, e.getMessage());
            return false;
        }
    }

    private ConsumerRecords<String, AccountBalance> poll() {
        try {
            return consumer.poll(POLL_TIMEOUT);
        } catch (RecordDeserializationException e) {
            if (e.getCause() instanceof SchemaRegistryException unreachable) {
                // The record is good; retry later from the committed offsets rather than skip it.
                throw unreachable;
            }
            log.error("skipping undecodable record at {}@{}: {}", e.topicPartition(), e.offset(), e.getMessage());
            consumer.seek(e.topicPartition(), e.offset() + 1);
            return ConsumerRecords.empty();
        }
    }

    /** Upserts the newest row per account and commits the offsets; {@code false} if the database failed. */
    private boolean applyAndCommit(ConsumerRecords<String, AccountBalance> records) {
        Map<String, CachedBalance> newest = new HashMap<>();
        for (ConsumerRecord<String, AccountBalance> record : records) {
            if (record.value() != null) {
                newest.merge(record.value().getAccountId(), CachedBalance.of(record.value()),
                        (a, b) -> a.version() >= b.version() ? a : b);
            }
        }
        if (!newest.isEmpty()) {
            try {
                List<CachedBalance> rows = new ArrayList<>(newest.values());
                int[] changed = jdbi.inTransaction(handle -> {
                    int[] upserted = handle.attach(AccountBalanceTable.class).upsert(rows);
                    if (applicationSql.isPresent()) {
                        PreparedBatch batch = handle.prepareBatch(applicationSql.get());
                        batch.getConfig(SqlStatements.class).setUnusedBindingAllowed(true);
                        for (int i = 0; i < rows.size(); i++) {
                            if (upserted[i] > 0) {
                                bindApplicationRow(batch, rows.get(i)).add();
                            }
                        }
                        if (batch.size() > 0) {
                            batch.execute();
                        }
                    }
                    return upserted;
                });
                long changedRows = 0;
                for (int count : changed) {
                    changedRows += Math.max(count, 0);
                }
                rowsApplied.addAndGet(changedRows);
                log.debug("{} records, {} accounts, {} rows changed", records.count(), newest.size(), changedRows);
            } catch (JdbiException e) {
                log.error("cannot write {} balances to account_balances, retrying from the committed offsets: {}",
                        newest.size(), databaseReason(e));
                rewindPending = true;
                return false;
            }
        }
        try {
            consumer.commitSync();
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            // The rows are written; the records come again later and change nothing.
            log.warn("offset commit on {} failed, records will be read again: {}", topic, e.getMessage());
        }
        return true;
    }

    private static PreparedBatch bindApplicationRow(PreparedBatch batch, CachedBalance row) {
        return batch.bind("account_id", row.accountId()).bind("currency", row.currency()).bind("scale", row.scale())
                .bind("available", row.availableMinor()).bind("locked", row.lockedMinor())
                .bind("total", Math.addExact(row.availableMinor(), row.lockedMinor())).bind("version", row.version())
                .bind("last_event_id", row.lastEventId());
    }

    /** The database's own words for a failure, without the statement and values Jdbi adds. */
    private static String databaseReason(JdbiException e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof SQLException sql && sql.getNextException() != null) {
            cause = sql.getNextException();
        }
        return cause instanceof SQLException sql ? sql.getSQLState() + " " + sql.getMessage() : cause.toString();
    }

    /** Seeks every assigned partition back to its committed offset (the beginning if none). */
    private void rewindToCommitted() {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
        for (TopicPartition partition : assigned) {
            OffsetAndMetadata offset = committed.get(partition);
            if (offset == null) {
                consumer.seekToBeginning(List.of(partition));
            } else {
                consumer.seek(partition, offset);
            }
        }
        rewindPending = false;
    }

    private void publishLag() {
        Set<TopicPartition> assigned = consumer.assignment();
        if (assigned.isEmpty()) {
            lag = -1;
            return;
        }
        // The lag the last fetch reported, with no request to the broker; with read_committed it is
        // measured to the last stable offset. Asking for the end offsets instead cost a round trip per poll.
        long behind = 0;
        List<TopicPartition> unknown = new ArrayList<>();
        for (TopicPartition partition : assigned) {
            java.util.OptionalLong known = consumer.currentLag(partition);
            if (known.isPresent()) {
                behind += known.getAsLong();
            } else {
                unknown.add(partition);
            }
        }
        if (!unknown.isEmpty()) {
            Map<TopicPartition, Long> end = consumer.endOffsets(unknown);
            for (TopicPartition partition : unknown) {
                behind += Math.max(0, end.get(partition) - consumer.position(partition));
            }
        }
        lag = behind;
    }
}
