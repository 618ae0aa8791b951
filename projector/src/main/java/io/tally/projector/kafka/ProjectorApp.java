package io.tally.projector.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.avro.HoldState;
import io.tally.platform.kafka.BoundedRocksDbMemory;
import io.tally.platform.kafka.RestoreProgress;
import io.tally.platform.kafka.StreamsService;
import io.tally.projector.ProjectorTopology;
import io.tally.schemas.LedgerTopics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.query.MultiVersionedKeyQuery;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;
import org.apache.kafka.streams.query.VersionedKeyQuery;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.VersionedRecordIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running projector: Kafka Streams executing {@link ProjectorTopology} with exactly-once
 * processing, and interactive queries on its stores.
 *
 * <p>Failure handling: a record on {@code ledger.events} that cannot be deserialized is logged and
 * skipped (Kafka's {@link LogAndContinueExceptionHandler}), so it never crash-loops a partition;
 * events that deserialize but cannot be applied are handled inside the topology. Any other
 * exception in a stream thread shuts this client down (state {@code ERROR}) rather than replacing
 * the thread and failing again on the same record.
 *
 * <p>Thread-safe: as {@link KafkaStreams} is; {@link #start} and {@link #close} are meant to be
 * called once each.
 */
public final class ProjectorApp implements AutoCloseable {
    /** How long {@link #close} waits for the stream threads to finish. */
    public static final Duration CLOSE_TIMEOUT = StreamsService.CLOSE_TIMEOUT;

    private static final Logger log = LoggerFactory.getLogger(ProjectorApp.class);

    private final ProjectorConfig config;
    private final StreamsService service;
    /** The service's client, for interactive queries. */
    private final KafkaStreams streams;

    /**
     * Builds the projector; connects to nothing until {@link #start}.
     *
     * @param metrics where the projector's counters and the Kafka Streams client metrics go
     */
    public ProjectorApp(ProjectorConfig config, MeterRegistry metrics) {
        this(config, metrics, ProjectorTopology.Publishing.PUBLISH);
    }

    /**
     * Builds the projector, publishing its tables or not (a rebuild beside the live projection does
     * not); connects to nothing until {@link #start}.
     */
    public ProjectorApp(ProjectorConfig config, MeterRegistry metrics, ProjectorTopology.Publishing publishing) {
        this(config, streamsProperties(config), metrics, publishing);
    }

    /**
     * Builds the projector with Kafka Streams properties of the caller's making, normally
     * {@link #streamsProperties} with some settings changed (a rebuild replays at least once, with
     * more threads and longer commits; see {@code ProjectionRebuild}); connects to nothing until
     * {@link #start}.
     *
     * @param streamsProperties the complete Kafka Streams properties; the application id and state
     *     directory must be {@code config}'s
     */
    public ProjectorApp(ProjectorConfig config, Properties streamsProperties, MeterRegistry metrics,
            ProjectorTopology.Publishing publishing) {
        this.config = config;
        this.service = new StreamsService("projector " + config.applicationId(), ProjectorTopology.buildTopology(
                config.topics(), metrics, config.historyRetention(), publishing), streamsProperties, metrics);
        this.streams = service.streams();
    }

    /**
     * The Kafka Streams properties of {@code config}: its Kafka properties, then the settings the
     * projector owns.
     */
    public static Properties streamsProperties(ProjectorConfig config) {
        Properties props = new Properties();
        props.putAll(config.kafkaProperties());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.replicationFactor());
        // Store update, changelog write, ledger.balances write and the consumed offset commit in one
        // transaction (KIP-447): a crash never publishes a balance twice or loses one.
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // An undecodable record on ledger.events is logged and skipped instead of stopping the
        // partition forever; the version guard then reports the account's gap. An unreachable
        // schema registry stops the client instead (the record is good).
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, SkipUndecodableEvents.class);
        // Every store, the versioned history included, under one block cache and memtable budget, 256 MiB
        // unless the Kafka properties set tally.rocksdb.memory.bytes (DESIGN.md, Operators: memory sizing).
        BoundedRocksDbMemory.applyTo(props);
        return props;
    }

    /** The configuration this projector runs with. */
    public ProjectorConfig config() {
        return config;
    }

    /**
     * Whether this instance answers queries for every partition it runs actively: the client is
     * {@code RUNNING}, has at least one active task, and each active task's balance store is queryable
     * (restored). {@code false} while starting, rebalancing or restoring.
     */
    public boolean isQueryable() {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return false;
        }
        List<Integer> partitions = new ArrayList<>();
        streams.metadataForLocalThreads().forEach(thread -> thread.activeTasks().forEach(task ->
                task.topicPartitions().forEach(tp -> partitions.add(tp.partition()))));
        if (partitions.isEmpty()) {
            return false;
        }
        try {
            for (int partition : partitions) {
                partitionStore(ProjectorTopology.BALANCE_STORE, partition).approximateNumEntries();
            }
            return true;
        } catch (InvalidStateStoreException notYet) {
            return false;
        }
    }

    /** Starts the stream threads; returns at once (see {@link #awaitRunning}). */
    public void start() {
        log.info("projector {} starting: {} -> {}", config.applicationId(), config.topics().events().name(),
                config.topics().balances().name());
        service.start();
    }

    /**
     * Waits until the client is {@code RUNNING}, i.e. has its partitions and restored its stores.
     *
     * @param stallTimeout how long it may make no progress (no state change, no store restored further)
     *     before this gives up; a long restore that moves is waited for ({@link StreamsService#awaitRunning})
     * @throws IllegalStateException if it makes no progress for {@code stallTimeout}, or has failed or
     *     stopped
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitRunning(Duration stallTimeout) throws InterruptedException {
        service.awaitRunning(stallTimeout);
    }

    /**
     * Waits until this instance answers for every partition it runs ({@link #isQueryable}).
     *
     * @throws IllegalStateException if it is not queryable within {@code timeout}, or failed or stopped
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitQueryable(Duration timeout) throws InterruptedException {
        service.awaitUntil(this::isQueryable, "queryable", timeout);
    }

    /**
     * Where {@code accountId}'s balance, history and holds live: its partition and the
     * {@code application.server} of the instance that hosts it actively.
     *
     * @return the metadata, or {@link KeyQueryMetadata#NOT_AVAILABLE} while it is not known (not
     *     started, rebalancing)
     */
    public KeyQueryMetadata ownerOf(String accountId) {
        return streams.queryMetadataForKey(ProjectorTopology.BALANCE_STORE, accountId,
                LedgerTopics.keySerde().serializer());
    }

    /**
     * The Kafka Streams client's own metrics, read now (those of RocksDB stores appear once the stores
     * open; a Micrometer binder only picks new ones up on its next refresh).
     */
    public Map<MetricName, ? extends Metric> streamsMetrics() {
        return service.streamsMetrics();
    }

    /** How far this instance has restored its stores from their changelogs since it started (records; thread-safe). */
    public RestoreProgress.Reading restoreProgress() {
        return service.restoreProgress();
    }

    /**
     * The store partitions this instance holds, active and standby, each with its lag behind its
     * changelog's end in records (Kafka Streams' {@code allLocalStorePartitionLags}, which asks the broker
     * for end offsets: not for a hot path). A standby whose lags are all 0 can take over with no restore.
     *
     * @return lags by {@code store/partition}; empty while the instance holds nothing
     */
    public Map<String, Long> localStoreLags() {
        Map<String, Long> lags = new TreeMap<>();
        streams.allLocalStorePartitionLags().forEach((store, byPartition) -> byPartition.forEach((partition, lag) ->
                lags.put(store + "/" + partition, lag.offsetLag())));
        return lags;
    }

    /** The number of tasks this instance runs actively now. */
    public int activeTasks() {
        return streams.metadataForLocalThreads().stream().mapToInt(t -> t.activeTasks().size()).sum();
    }

    /** The client's current state. */
    public KafkaStreams.State state() {
        return streams.state();
    }

    /**
     * The balances this instance holds: account id → balance. Reads see committed and uncommitted
     * store writes of this instance's tasks; other instances' accounts are absent.
     *
     * @throws org.apache.kafka.streams.errors.InvalidStateStoreException if the store is not
     *     queryable now (not started, rebalancing, restoring); retry later
     */
    public ReadOnlyKeyValueStore<String, AccountBalance> balances() {
        return allPartitionsStore(ProjectorTopology.BALANCE_STORE);
    }

    /**
     * The balances of each partition separately, partition 0 first. A store of several partitions
     * iterates them one after another, so a reader that needs all accounts in key order (the
     * reconciler's merge join) merges these instead.
     *
     * @return one store per partition of {@code ledger.events}
     * @throws org.apache.kafka.streams.errors.InvalidStateStoreException if a partition is not
     *     hosted by this instance or not queryable now
     */
    public List<ReadOnlyKeyValueStore<String, AccountBalance>> balancesByPartition() {
        List<ReadOnlyKeyValueStore<String, AccountBalance>> stores = new ArrayList<>();
        for (int partition = 0; partition < config.topics().partitions(); partition++) {
            stores.add(partitionStore(ProjectorTopology.BALANCE_STORE, partition));
        }
        return stores;
    }

    /**
     * One partition's store of this instance, for a read that must come from the account's own
     * partition: the all-partitions views ({@link #balances()}, {@link #holds()}) leave out a partition
     * whose task is still restoring, so a key there would read as absent rather than fail.
     *
     * @param store {@link ProjectorTopology#BALANCE_STORE}, {@link ProjectorTopology#HOLD_STORE} or
     *     {@link ProjectorTopology#FLAGGED_STORE}
     * @throws org.apache.kafka.streams.errors.InvalidStateStoreException if this instance does not run
     *     that partition's task actively now (not hosted, restoring, rebalancing)
     */
    public <V> ReadOnlyKeyValueStore<String, V> partitionStore(String store, int partition) {
        return streams.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.<String, V>keyValueStore())
                .withPartition(partition));
    }

    /**
     * The holds this instance holds: {@code accountId:holdId} (see {@link ProjectorTopology#holdKey})
     * → hold state, open and closed.
     *
     * @throws org.apache.kafka.streams.errors.InvalidStateStoreException as {@link #balances()}
     */
    public ReadOnlyKeyValueStore<String, HoldState> holds() {
        return allPartitionsStore(ProjectorTopology.HOLD_STORE);
    }

    /**
     * The balance of {@code accountId} as it was at {@code asOf} (the last event accepted at or before
     * it), from the balance history (KIP-889 versioned store, read with interactive queries v2).
     *
     * @return the balance, or empty if the account had none then, or {@code asOf} is older than the
     *     history retention
     * @throws InvalidStateStoreException if this instance does not host the account's partition now or
     *     the store is not queryable (rebalancing, restoring); retry later or ask its owner
     */
    public Optional<AccountBalance> balanceAsOf(String accountId, Instant asOf) {
        int partition = ownerOf(accountId).partition();
        StateQueryRequest<VersionedRecord<AccountBalance>> request = StateQueryRequest
                .inStore(ProjectorTopology.BALANCE_HISTORY_STORE)
                .withQuery(VersionedKeyQuery.<String, AccountBalance>withKey(accountId).asOf(asOf))
                .withPartitions(Set.of(partition));
        StateQueryResult<VersionedRecord<AccountBalance>> result = streams.query(request);
        QueryResult<VersionedRecord<AccountBalance>> answer = result.getPartitionResults().get(partition);
        if (answer == null || answer.isFailure()) {
            throw new InvalidStateStoreException("balance history of partition " + partition + " not queryable here: "
                    + (answer == null ? "no answer" : answer.getFailureReason() + " " + answer.getFailureMessage()));
        }
        return Optional.ofNullable(answer.getResult()).map(VersionedRecord::value);
    }

    /**
     * The account's balances as they were applied, newest first: every version the balance-history store
     * still keeps (it keeps {@link ProjectorTopology#DEFAULT_HISTORY_RETENTION} by default, counted in
     * event time), at most {@code limit} of them. Reads this instance's store of the account's partition
     * with Kafka Streams' multi-version query (KIP-968).
     *
     * @param limit the most balances to return, at least 1
     * @return the balances, each stamped by its event's time ({@code updatedAtMs}); empty if none is kept
     * @throws org.apache.kafka.streams.errors.InvalidStateStoreException if that partition's store is not
     *     queryable here
     */
    public List<AccountBalance> balanceHistory(String accountId, int limit) {
        int partition = ownerOf(accountId).partition();
        StateQueryRequest<VersionedRecordIterator<AccountBalance>> request = StateQueryRequest
                .inStore(ProjectorTopology.BALANCE_HISTORY_STORE)
                .withQuery(MultiVersionedKeyQuery.<String, AccountBalance>withKey(accountId).withDescendingTimestamps())
                .withPartitions(Set.of(partition));
        QueryResult<VersionedRecordIterator<AccountBalance>> answer =
                streams.query(request).getPartitionResults().get(partition);
        if (answer == null || answer.isFailure()) {
            throw new InvalidStateStoreException("balance history of partition " + partition + " not queryable here: "
                    + (answer == null ? "no answer" : answer.getFailureReason() + " " + answer.getFailureMessage()));
        }
        List<AccountBalance> balances = new ArrayList<>();
        try (VersionedRecordIterator<AccountBalance> versions = answer.getResult()) {
            while (versions.hasNext() && balances.size() < limit) {
                balances.add(versions.next().value());
            }
        }
        return balances;
    }

    /**
     * The accounts whose projection is known to miss events: account id → the version it must
     * reach to be trusted again (see {@link ProjectorTopology}).
     *
     * @throws org.apache.kafka.streams.errors.InvalidStateStoreException as {@link #balances()}
     */
    public ReadOnlyKeyValueStore<String, Long> flaggedAccounts() {
        return allPartitionsStore(ProjectorTopology.FLAGGED_STORE);
    }

    /** The key-value store {@code store} over every partition this instance runs. */
    private <V> ReadOnlyKeyValueStore<String, V> allPartitionsStore(String store) {
        return streams.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.<String, V>keyValueStore()));
    }

    /**
     * Stops the stream threads, waiting up to {@link #CLOSE_TIMEOUT}, leaves the consumer group and
     * unbinds the client metrics.
     */
    @Override
    public void close() {
        service.close();
    }
}
