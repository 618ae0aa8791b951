package io.tally.bench;

import io.tally.avro.AccountBalance;
import io.tally.projector.jdbc.AccountBalanceTable;
import io.tally.projector.jdbc.BalanceCacheSink;
import io.tally.projector.jdbc.CachedBalance;
import io.tally.projector.jdbc.ProjectorSchema;
import io.tally.schemas.LedgerTopics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/**
 * PostgreSQL cache sink: {@link BenchOptions#rows} {@code ledger.balances} records (one account each,
 * so every one is a row to write) applied by the real {@link BalanceCacheSink} into an empty
 * {@code account_balances}, timed from start until it reports every row applied, against a plain
 * batched {@code INSERT} of the same rows ({@link AccountBalanceTable#insert}), {@value #BATCH} per batch and transaction (the sink's
 * batch: one consumer poll, {@code max.poll.records}), into an identical empty table. Each round uses
 * new databases and a new consumer group. Goal (issue 8): at least 50,000 rows/s.
 */
public final class CacheSinkWorkload implements Workload {
    /** The goal, rows per second. */
    public static final double GOAL_ROWS_PER_S = 50_000;
    /** Rows per batch, both sides: the sink's {@code max.poll.records}. */
    static final int BATCH = BalanceCacheSink.MAX_POLL_RECORDS;

    @Override
    public String name() {
        return "sink";
    }

    @Override
    public List<Row> run(BenchEnvironment env) throws Exception {
        BenchOptions o = env.options();
        LedgerTopics topics = env.newTopics("sink");
        List<AccountBalance> balances = balances(o.rows());
        write(env.kafka(), topics, balances);
        env.progress("sink: %,d balances on %s", balances.size(), topics.balances().name());
        double bestBaseline = 0;
        long bestMs = Long.MAX_VALUE;
        for (int round = 1; round <= o.rounds(); round++) {
            long baselineMs = plainInsert(env.newDatabase("sink_plain"), balances);
            long sinkMs = sink(env, topics, balances.size());
            env.progress("sink round %d: plain batched insert %,d ms, BalanceCacheSink %,d ms", round, baselineMs, sinkMs);
            bestBaseline = Math.max(bestBaseline, balances.size() * 1000.0 / baselineMs);
            bestMs = Math.min(bestMs, sinkMs);
        }
        double rate = balances.size() * 1000.0 / bestMs;
        return List.of(Row.throughput("PostgreSQL cache sink", balances.size(), bestMs / 1000.0, bestBaseline,
                String.format(Locale.ROOT, ">= %,.0f rows/s", GOAL_ROWS_PER_S), rate >= GOAL_ROWS_PER_S,
                String.format(Locale.ROOT, "best of %d rounds each; rows into an empty table; batch %d; the sink's time includes joining its group", o.rounds(),
                        BATCH)));
    }

    private static List<AccountBalance> balances(int n) {
        long now = System.currentTimeMillis();
        List<AccountBalance> balances = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String account = RequestMix.account(i);
            balances.add(AccountBalance.newBuilder().setAccountId(account).setCurrency("CZK").setScale(2)
                    .setAvailableMinor(10_000L + i % 997).setLockedMinor(i % 3 == 0 ? 1_000 : 0).setVersion(3)
                    .setLastEventId(account + ":3").setUpdatedAtMs(now).build());
        }
        return balances;
    }

    private static void write(Map<String, Object> kafka, LedgerTopics topics, List<AccountBalance> balances) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        try (KafkaProducer<String, AccountBalance> producer = new KafkaProducer<>(config,
                LedgerTopics.keySerde().serializer(), topics.balances().valueSerde().serializer())) {
            for (AccountBalance b : balances) {
                producer.send(new ProducerRecord<>(topics.balances().name(), b.getAccountId(), b));
            }
            producer.flush();
        }
    }

    private static long sink(BenchEnvironment env, LedgerTopics topics, int rows) throws Exception {
        DataSource database = env.newDatabase("sink");
        ProjectorSchema.migrate(database);
        long startNs = System.nanoTime();
        try (BalanceCacheSink sink = new BalanceCacheSink(env.kafka(), BenchEnvironment.unique("sink"), topics,
                database)) {
            sink.start();
            while (sink.rowsApplied() < rows) {
                if (System.nanoTime() - startNs > 30L * 60 * 1_000_000_000L) {
                    throw new IllegalStateException("the sink applied " + sink.rowsApplied() + " of " + rows + " rows");
                }
                Thread.sleep(20);
            }
            return (System.nanoTime() - startNs) / 1_000_000;
        }
    }

    /**
     * The baseline: the same rows by plain batched INSERT ({@link AccountBalanceTable#insert}, through Jdbi as
     * the sink's upsert goes) into a fresh {@code account_balances}, {@value #BATCH} rows per transaction.
     */
    private static long plainInsert(DataSource database, List<AccountBalance> balances) {
        ProjectorSchema.migrate(database);
        Jdbi jdbi = Jdbi.create(database).installPlugin(new SqlObjectPlugin());
        long startNs = System.nanoTime();
        try (Handle handle = jdbi.open()) {
            AccountBalanceTable table = handle.attach(AccountBalanceTable.class);
            for (int from = 0; from < balances.size(); from += BATCH) {
                List<CachedBalance> rows = balances.subList(from, Math.min(balances.size(), from + BATCH)).stream()
                        .map(CachedBalance::of).toList();
                handle.useTransaction(h -> table.insert(rows));
            }
        }
        return (System.nanoTime() - startNs) / 1_000_000;
    }
}
