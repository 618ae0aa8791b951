package io.tally.projector.jdbc;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.platform.kafka.KafkaClients;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.registry.SchemaRegistryException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
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
import org.jdbi.v3.core.Handle;
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
 * <p>Thread-safe: {@link #rowsApplied}, {@link #rowsQuarantined}, {@link #lag} and {@link #isCaughtUp}
 * may be read from any thread; {@link #start} and {@link #close} are meant to be called once each.
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
    /** Records quarantined since start, by cause (the counter's tags). */
    private final Map<QuarantineCause, AtomicLong> quarantined = new EnumMap<>(QuarantineCause.class);
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
        this.applicationSql = applicationSql;
        Map<String, Object> props = new HashMap<>(kafkaProperties);
        props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL_RECORDS);
        // Only balances from committed projector transactions; offsets committed after the database
        // transaction, never before.
        this.consumer = KafkaClients.readCommittedConsumer(props, groupId, topics.balances());
        this.topic = topics.balances().name();
        this.jdbi = Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin());
        this.thread = new Thread(this::run, "balance-cache-sink-" + groupId);
        // A daemon may die mid-batch at JVM exit: the transaction rolls back, the offsets stay behind.
        this.thread.setDaemon(true);
        for (QuarantineCause cause : QuarantineCause.values()) {
            quarantined.put(cause, new AtomicLong());
        }
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
     * Records set aside in {@code account_balances_quarantine} since start (rows the database refused
     * for good and undecodable records); a record already there from before (a replay) does not count.
     */
    public long rowsQuarantined() {
        long total = 0;
        for (AtomicLong count : quarantined.values()) {
            total += count.get();
        }
        return total;
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
     * and the counter {@value #QUARANTINED_COUNTER} ({@link #rowsQuarantined}, tagged {@code reason}
     * {@code rejected} with {@code sqlstate_class} {@code 22} or {@code 23}, or {@code undecodable}
     * with {@code none}; every combination from zero, so an alert on its increase sees the first one)
     * in {@code metrics}, tagged with the sink's topic.
     */
    public BalanceCacheSink bindTo(MeterRegistry metrics) {
        for (QuarantineCause cause : QuarantineCause.values()) {
            FunctionCounter.builder(QUARANTINED_COUNTER, quarantined.get(cause), AtomicLong::get)
                    .tags("topic", topic, "reason", cause.reason, "sqlstate_class", cause.sqlStateClass)
                    .description("ledger.balances records set aside in account_balances_quarantine instead of written")
                    .register(metrics);
        }
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
    /** Counter: records quarantined instead of written, by {@code reason} and {@code sqlstate_class}. */
    public static final String QUARANTINED_COUNTER = "tally.projector.cache.sink.quarantined";

    /** The tags of {@link #QUARANTINED_COUNTER}: the only combinations there are. */
    private enum QuarantineCause {
        DATA_EXCEPTION("rejected", "22"),
        INTEGRITY_CONSTRAINT("rejected", "23"),
        UNDECODABLE("undecodable", "none");

        final String reason;
        final String sqlStateClass;

        QuarantineCause(String reason, String sqlStateClass) {
            this.reason = reason;
            this.sqlStateClass = sqlStateClass;
        }

        static QuarantineCause of(QuarantinedBalance row) {
            if (row.reason() == QuarantinedBalance.Reason.UNDECODABLE) {
                return UNDECODABLE;
            }
            return row.sqlState().startsWith("23") ? INTEGRITY_CONSTRAINT : DATA_EXCEPTION;
        }
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
            boolean written = records != null && (records.isEmpty() || applyAndCommit(records));
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

    /** The next records; empty after quarantining an undecodable one; {@code null} if that failed. */
    private ConsumerRecords<String, AccountBalance> poll() {
        try {
            return consumer.poll(POLL_TIMEOUT);
        } catch (RecordDeserializationException e) {
            if (e.getCause() instanceof SchemaRegistryException unreachable) {
                // The record is good; retry later from the committed offsets rather than skip it.
                throw unreachable;
            }
            return quarantineUndecodable(e) ? ConsumerRecords.empty() : null;
        }
    }

    /**
     * Quarantines the record {@code e} could not decode and moves past it; {@code false} if the
     * database failed (the position stays on the record, so it is met again after the backoff).
     *
     * <p>The consumer throws only when it has no records before the bad one to return in the same
     * poll, and every earlier poll was written (or rewound), so every record before it on its
     * partition is written: its offset + 1 may be committed.
     */
    private boolean quarantineUndecodable(RecordDeserializationException e) {
        TopicPartition partition = e.topicPartition();
        QuarantinedBalance row = QuarantinedBalance.undecodable(partition.topic(), partition.partition(), e.offset(),
                bytes(e.keyBuffer()), bytes(e.valueBuffer()),
                e.getCause() == null ? String.valueOf(e.getMessage()) : e.getMessage() + " " + e.getCause().getMessage());
        boolean added;
        try {
            added = jdbi.withExtension(BalanceQuarantineTable.class, t -> t.add(List.of(row)))[0] > 0;
        } catch (JdbiException db) {
            log.error("cannot quarantine the undecodable record at {}, retrying: {}", row.source(), WriteFailure.of(db));
            return false;
        }
        if (added) {
            counted(row);
        }
        OffsetAndMetadata next = new OffsetAndMetadata(e.offset() + 1);
        consumer.seek(partition, next);
        try {
            consumer.commitSync(Map.of(partition, next));
        } catch (WakeupException wakeup) {
            throw wakeup;
        } catch (KafkaException commit) {
            log.warn("offset commit on {} failed, the record will be read again: {}", topic, commit.getMessage());
        }
        return true;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /** Logs a record just quarantined and counts it. */
    private void counted(QuarantinedBalance row) {
        quarantined.get(QuarantineCause.of(row)).incrementAndGet();
        if (row.reason() == QuarantinedBalance.Reason.UNDECODABLE) {
            log.error("quarantined an undecodable record of account '{}' at {}: {}", row.accountIdPrintable(),
                    row.source(), WriteFailure.oneLine(row.message()));
        } else {
            log.error("quarantined the balance of account '{}' version {} at {}: PostgreSQL refused it with SQLSTATE {}: {}",
                    row.accountIdPrintable(), row.version(), row.source(), row.sqlState(),
                    WriteFailure.oneLine(row.message()));
        }
    }

    /** A row to write and the record it came from, for the quarantine. */
    private record Candidate(CachedBalance row, int partition, long offset) {}

    /** What the failure path wrote: rows changed and rows quarantined (only those new to the table). */
    private static final class Isolation {
        long changedRows;
        int savepoints;
        final List<QuarantinedBalance> refused = new ArrayList<>();
    }

    /** Upserts the newest row per account and commits the offsets; {@code false} if the database failed. */
    private boolean applyAndCommit(ConsumerRecords<String, AccountBalance> records) {
        Map<String, Candidate> newest = new HashMap<>();
        for (ConsumerRecord<String, AccountBalance> record : records) {
            if (record.value() != null) {
                newest.merge(record.value().getAccountId(),
                        new Candidate(CachedBalance.of(record.value()), record.partition(), record.offset()),
                        (a, b) -> a.row().version() >= b.row().version() ? a : b);
            }
        }
        if (!newest.isEmpty()) {
            List<Candidate> candidates = new ArrayList<>(newest.values());
            OptionalLong changedRows = write(candidates);
            if (changedRows.isEmpty()) {
                rewindPending = true;
                return false;
            }
            rowsApplied.addAndGet(changedRows.getAsLong());
            log.debug("{} records, {} accounts, {} rows changed", records.count(), newest.size(), changedRows.getAsLong());
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

    /**
     * Writes the rows in one transaction, or, if the database refuses a row for good, the good rows and
     * the refused ones' quarantine in a second; the rows changed, or empty if it is to be retried.
     */
    private OptionalLong write(List<Candidate> candidates) {
        List<CachedBalance> rows = candidates.stream().map(Candidate::row).toList();
        try {
            return OptionalLong.of(jdbi.inTransaction(handle -> changed(writeRows(handle, rows))));
        } catch (JdbiException | ArithmeticException e) {
            WriteFailure failure = WriteFailure.of(e);
            if (!failure.isRowError()) {
                log.error("cannot write {} balances to account_balances, retrying from the committed offsets: {}",
                        rows.size(), failure);
                return OptionalLong.empty();
            }
            log.warn("PostgreSQL refused a row of {} balances ({}): writing the others, quarantining the refused",
                    rows.size(), failure);
        }
        Isolation isolation;
        try {
            isolation = jdbi.inTransaction(handle -> isolate(handle, candidates));
        } catch (JdbiException | ArithmeticException e) {
            log.error("cannot write {} balances to account_balances, retrying from the committed offsets: {}",
                    rows.size(), WriteFailure.of(e));
            return OptionalLong.empty();
        }
        isolation.refused.forEach(this::counted);
        return OptionalLong.of(isolation.changedRows);
    }

    /** The failure path, in one transaction: bisects the rows, then quarantines those refused. */
    private Isolation isolate(Handle handle, List<Candidate> candidates) {
        Isolation isolation = new Isolation();
        List<QuarantinedBalance> refused = new ArrayList<>();
        bisect(handle, candidates, isolation, refused);
        if (!refused.isEmpty()) {
            int[] added = handle.attach(BalanceQuarantineTable.class).add(refused);
            for (int i = 0; i < added.length; i++) {
                if (added[i] > 0) {
                    isolation.refused.add(refused.get(i));
                } else {
                    log.debug("balance of account '{}' at {} refused again, already quarantined",
                            refused.get(i).accountIdPrintable(), refused.get(i).source());
                }
            }
        }
        return isolation;
    }

    /**
     * Writes {@code candidates} under a savepoint; if the database refuses a row of them for good, rolls
     * back to it and writes each half the same way, down to the single rows to blame, which go to
     * {@code refused}. A failure that is not the rows' ends the transaction (it is thrown).
     */
    private void bisect(Handle handle, List<Candidate> candidates, Isolation isolation, List<QuarantinedBalance> refused) {
        // Plain SQL rather than Jdbi's savepoint API, which forgets a savepoint rolled back to, so it
        // could not be released and the rest of the transaction would nest ever deeper inside it.
        String savepoint = "balance_rows_" + isolation.savepoints++;
        handle.execute("SAVEPOINT " + savepoint);
        try {
            isolation.changedRows += changed(writeRows(handle, candidates.stream().map(Candidate::row).toList()));
            handle.execute("RELEASE SAVEPOINT " + savepoint);
            return;
        } catch (JdbiException | ArithmeticException e) {
            WriteFailure failure = WriteFailure.of(e);
            if (!failure.isRowError()) {
                throw e;
            }
            handle.execute("ROLLBACK TO SAVEPOINT " + savepoint);
            handle.execute("RELEASE SAVEPOINT " + savepoint);
            if (candidates.size() == 1) {
                Candidate bad = candidates.get(0);
                refused.add(QuarantinedBalance.rejected(topic, bad.partition(), bad.offset(), bad.row(), failure));
                return;
            }
        }
        int half = candidates.size() / 2;
        bisect(handle, candidates.subList(0, half), isolation, refused);
        bisect(handle, candidates.subList(half, candidates.size()), isolation, refused);
    }

    /**
     * Upserts {@code rows} and runs the application SQL for those that moved forward, on {@code handle}'s
     * transaction; per row, 1 if it moved forward, 0 if not.
     *
     * @throws ArithmeticException if a row's {@code :total} overflows a {@code long}
     */
    private int[] writeRows(Handle handle, List<CachedBalance> rows) {
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
    }

    private static long changed(int[] counts) {
        long changedRows = 0;
        for (int count : counts) {
            changedRows += Math.max(count, 0);
        }
        return changedRows;
    }

    private static PreparedBatch bindApplicationRow(PreparedBatch batch, CachedBalance row) {
        return batch.bind("account_id", row.accountId()).bind("currency", row.currency()).bind("scale", row.scale())
                .bind("available", row.availableMinor()).bind("locked", row.lockedMinor())
                .bind("total", Math.addExact(row.availableMinor(), row.lockedMinor())).bind("version", row.version())
                .bind("last_event_id", row.lastEventId());
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
