package io.tally.projector.jdbc;

import io.micrometer.core.instrument.MeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.platform.kafka.KafkaClients;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.registry.SchemaRegistryException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the PostgreSQL table {@code account_balances} in step with {@code ledger.balances}.
 *
 * <p>One thread polls a plain consumer ({@code read_committed}, so only balances of committed
 * projector transactions are seen; no auto-commit). For each poll it keeps the newest version per
 * account, upserts those rows in one database transaction with one statement
 * ({@link AccountBalanceTable#upsert}: {@code INSERT ... SELECT FROM unnest(...)}, which never moves a
 * row back to an older version), on a connection kept across polls, and only then commits the offsets
 * (asynchronously: a lost commit only means records read again). If the database
 * fails, it logs, seeks back to the committed offsets and retries after a bounded exponential
 * backoff ({@value #MIN_BACKOFF_MS} ms doubling to {@value #MAX_BACKOFF_MS} ms): nothing is lost, and
 * a record read twice (a retry, a restart between the database commit and the offset commit)
 * changes nothing, thanks to the version guard. Kafka errors that outlast the client's own
 * timeouts are retried with the same backoff.
 *
 * <p>No row stalls the sink (issue 21). A write that fails with SQLSTATE class 22 or 23 (a data
 * exception or an integrity constraint, {@link WriteFailure}: retrying cannot fix it) is written
 * again in a second transaction that finds the rows to blame by bisection: each half is written
 * under a savepoint, a half that fails the same way is rolled back to it and split, down to single
 * rows. The good rows are written, each refused row goes to {@code account_balances_quarantine}
 * ({@link BalanceQuarantineTable}, with its SQLSTATE and the database's message), and both commit
 * in that one transaction before the offsets are committed; a record already quarantined is not
 * added again, so a replay quarantines nothing twice. The fast path stays one batch; the failure
 * path costs the failed batch plus about {@code 2 log2(rows)} batches (and savepoints) per refused
 * row. Every other failure keeps the retry from the committed offsets: transient ones (connection,
 * serialization failure, deadlock, resources, shutdown) pass, and configuration errors (class 42,
 * a wrong application SQL or a missing table) fail closed, logged at each attempt. A record that
 * cannot be decoded is quarantined too (reason {@code UNDECODABLE}, with its key and value bytes)
 * and skipped, unless the schema registry could not be reached (then it is retried, as the record is
 * good). Each quarantined record is logged at ERROR (printable account id, SQLSTATE, offset) and
 * counted ({@value #QUARANTINED_COUNTER}); the reconciler reports its account as {@code QUARANTINED}.
 *
 * <p>An application's own balance column can be kept in step in the same transaction: configured
 * SQL ({@code applicationSql}) runs once for each row that moved {@code account_balances} forward, as a
 * batch with named bind parameters {@code :account_id}, {@code :currency}, {@code :scale},
 * {@code :available}, {@code :locked}, {@code :total}, {@code :version}, {@code :last_event_id} (a
 * statement may use any of them), e.g. {@code UPDATE wallets SET balance = :available, locked_balance
 * = :locked WHERE id = :account_id}. Values are always bound, never spliced into the SQL. A row that
 * did not move forward (a replay, an older version) does not run it, so the application's column
 * never moves back either. A row is all or nothing: its upsert and its application SQL share a
 * savepoint, so if the application SQL refuses it (class 22 or 23), the {@code account_balances}
 * row does not move either and the row is quarantined.
 *
 * <p>The tables must exist ({@link ProjectorSchema#migrate}).
 *
 * <p>This class is the poll loop and its backoff; each other job is a class of its own: the consumer and
 * its offsets and lag ({@link SinkConsumer}), one poll's write ({@link CacheWriter}, with the upsert and
 * the application SQL in {@link BalanceRows}), the bisection and quarantine of refused rows
 * ({@link RowIsolation}), the quarantine of undecodable records ({@link UndecodableQuarantine}), and the
 * meters ({@link SinkMeters}).
 *
 * <p>Thread-safe: {@link #rowsApplied}, {@link #rowsQuarantined}, {@link #lag} and {@link #isCaughtUp}
 * may be read from any thread; {@link #start} and {@link #close} are meant to be called once each.
 */
public final class BalanceCacheSink implements AutoCloseable {
    /** First retry delay after a database failure. */
    public static final long MIN_BACKOFF_MS = 100;
    /** Largest retry delay after repeated database failures. */
    public static final long MAX_BACKOFF_MS = 5_000;
    /**
     * {@code max.poll.records} unless the passed-through properties set it: rows per database
     * transaction at most. Each poll costs a transaction and an offset commit, so 500 (the client's
     * default) left the sink waiting on round trips (issue 8, {@code ./tally bench sink}).
     */
    public static final int MAX_POLL_RECORDS = 5_000;
    /** Gauge: records not yet written to the table. */
    public static final String LAG_GAUGE = "tally.projector.cache.sink.lag";
    /** Gauge: rows changed since start. */
    public static final String ROWS_GAUGE = "tally.projector.cache.sink.rows.applied";
    /** Counter: records quarantined instead of written, by {@code reason} and {@code sqlstate_class}. */
    public static final String QUARANTINED_COUNTER = "tally.projector.cache.sink.quarantined";

    private static final Logger log = LoggerFactory.getLogger(BalanceCacheSink.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final SinkConsumer consumer;
    private final String topic;
    private final SinkMeters meters;
    private final CacheWriter writer;
    private final UndecodableQuarantine undecodable;
    private final Thread thread;
    private final CountDownLatch stopping = new CountDownLatch(1);
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
     * @param topics reads {@link LedgerTopics#balances()}, in its configured encoding
     * @param dataSource the database holding {@code account_balances}
     */
    public BalanceCacheSink(Map<String, Object> kafkaProperties, String groupId, LedgerTopics topics,
            DataSource dataSource) {
        this(kafkaProperties, groupId, topics, dataSource, Optional.empty());
    }

    /**
     * As {@link #BalanceCacheSink(Map, String, LedgerTopics, DataSource)}, also running
     * {@code applicationSql} for each row that moved forward (see the class documentation).
     *
     * @param applicationSql SQL with named parameters, run in the same transaction as the upsert
     */
    public BalanceCacheSink(Map<String, Object> kafkaProperties, String groupId, LedgerTopics topics,
            DataSource dataSource, Optional<String> applicationSql) {
        Map<String, Object> props = new HashMap<>(kafkaProperties);
        props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL_RECORDS);
        this.topic = topics.balances().name();
        // Only balances from committed projector transactions; offsets committed after the database
        // transaction, never before.
        this.consumer = new SinkConsumer(KafkaClients.readCommittedConsumer(props, groupId, topics.balances()), topic);
        this.meters = new SinkMeters(topic);
        Jdbi jdbi = Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin());
        this.writer = new CacheWriter(jdbi, new BalanceRows(applicationSql), topic, meters);
        this.undecodable = new UndecodableQuarantine(jdbi, meters);
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
        return meters.rowsApplied();
    }

    /**
     * Records set aside in {@code account_balances_quarantine} since start (rows the database refused
     * for good and undecodable records); a record already there from before (a replay) does not count.
     */
    public long rowsQuarantined() {
        return meters.rowsQuarantined();
    }

    /**
     * Records on the assigned partitions of {@code ledger.balances} not yet written to the table
     * (end offset minus position, summed; the position only stays past records whose rows are
     * written), as of the poll thread's last round; {@code -1} until partitions are assigned and
     * after the sink stopped.
     */
    public long lag() {
        return meters.lag();
    }

    /**
     * Registers gauges {@value #LAG_GAUGE} ({@link #lag}) and {@value #ROWS_GAUGE} ({@link #rowsApplied})
     * and the counter {@value #QUARANTINED_COUNTER} ({@link #rowsQuarantined}, tagged {@code reason}
     * {@code rejected} with {@code sqlstate_class} {@code 22} or {@code 23}, or {@code undecodable}
     * with {@code none}; every combination from zero, so an alert on its increase sees the first one)
     * in {@code metrics}, tagged with the sink's topic.
     *
     * @return this sink
     */
    public BalanceCacheSink bindTo(MeterRegistry metrics) {
        meters.bindTo(metrics);
        return this;
    }

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
        return meters.lag() == 0;
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
            consumer.subscribe();
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
            meters.lag(-1);
            writer.close();
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
            boolean written = records != null && (records.isEmpty() || writeAndCommit(records));
            if (!written) {
                rewindToCommitted();
            }
            meters.lag(consumer.lag());
            return written;
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            // The broker stayed unreachable past the client's timeouts; try again later.
            log.warn("balance cache sink for {} cannot reach Kafka: {}", topic, e.getMessage());
            return false;
        }
    }

    /**
     * The next records; empty after quarantining an undecodable one; {@code null} if that failed (the
     * position stays on the record, so it is met again after the backoff).
     *
     * <p>The consumer throws only when it has no records before the bad one to return in the same
     * poll, and every earlier poll was written (or rewound), so every record before it on its
     * partition is written: its offset + 1 may be committed.
     */
    private ConsumerRecords<String, AccountBalance> poll() {
        try {
            return consumer.poll();
        } catch (RecordDeserializationException e) {
            if (e.getCause() instanceof SchemaRegistryException unreachable) {
                // The record is good; retry later from the committed offsets rather than skip it.
                throw unreachable;
            }
            if (!undecodable.quarantine(e)) {
                return null;
            }
            consumer.commitPast(e.topicPartition(), e.offset());
            return ConsumerRecords.empty();
        }
    }

    /** Writes the newest row per account and commits the offsets; {@code false} if the database failed. */
    private boolean writeAndCommit(ConsumerRecords<String, AccountBalance> records) {
        if (!writer.write(records)) {
            rewindPending = true;
            return false;
        }
        // The rows are written; if the commit fails, the records come again later and change nothing.
        consumer.commit();
        return true;
    }

    private void rewindToCommitted() {
        consumer.rewindToCommitted();
        rewindPending = false;
    }
}
