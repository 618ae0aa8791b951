package io.tally.bench;

import io.micrometer.core.instrument.MeterRegistry;
import io.tally.ledger.http.LedgerHttpApi;
import io.tally.ledger.kafka.LedgerServiceApp;
import io.tally.platform.kafka.KafkaClients;
import io.tally.schemas.TopicAdmin;
import io.tally.schemas.TopicSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * HTTP write round trip: {@code POST /v1/accounts/{id}/credits} against the real ledger-service
 * ({@link LedgerServiceApp} + {@link LedgerHttpApi}, wired as {@code ./tally serve} wires them) at a
 * fixed offered load ({@link OpenLoad}: open model, latency from the intended send time, HdrHistogram),
 * {@link BenchOptions#ratePerS} for {@link BenchOptions#durationS} after a warm-up; a 201 is a success.
 * Baseline at the same rate: the raw Kafka round trip the service must make at least, an idempotent
 * {@code acks=all} produce (the publisher's settings) read back by a {@code read_committed} consumer
 * (the outcome reader's settings). Then, subject only, a short search for the highest rate that keeps
 * p99 under 50 ms: up by 1.5x per step while it holds, or, if the offered rate missed, down by half per
 * step until it holds, at most {@link BenchOptions#searchSteps} steps; one row per rate tried.
 * Goal (issue 8): p50 at most 15 ms and p99 at most 50 ms at 1,000 requests/s.
 */
public final class HttpLatencyWorkload implements Workload {
    /** The goals, milliseconds. */
    public static final double GOAL_P50_MS = 15;
    public static final double GOAL_P99_MS = 50;
    private static final Duration DRAIN = Duration.ofSeconds(30);
    private static final String TOKEN = BenchLedgerHttp.TOKEN;

    @Override
    public String name() {
        return "http";
    }

    @Override
    public List<Row> run(BenchEnvironment env) throws Exception {
        BenchOptions o = env.options();
        int commitIntervalMs = WritePathWorkload.commitIntervalMs(env);
        try (BenchLedgerHttp stack = new BenchLedgerHttp(env, "http"); KafkaRoundTrip raw = new KafkaRoundTrip(env)) {
            MeterRegistry serviceMetrics = stack.metrics();
            String base = stack.baseUrl();
            if (o.separateProcesses()) {
                return measure(env, inItsOwnJvm(base, o.httpAccounts()), raw, serviceMetrics, commitIntervalMs);
            }
            try (HttpWriteClient http = new HttpWriteClient(base, TOKEN)) {
                return measure(env, inThisJvm(http, o.httpAccounts()), raw, serviceMetrics, commitIntervalMs);
            }
        }
    }

    /** The baseline at the rate, the service at the rate, then the rate search; a row each. */
    private static List<Row> measure(BenchEnvironment env, Load load, KafkaRoundTrip raw, MeterRegistry serviceMetrics,
            int commitIntervalMs) throws Exception {
        BenchOptions o = env.options();
        List<Row> rows = new ArrayList<>();
        env.progress("http: %,d accounts open; %d req/s for %d s after %d s warm-up; commit.interval.ms %d,"
                + " commit gap %s; load generator %s", o.httpAccounts(), o.ratePerS(), o.durationS(), o.warmupS(),
                commitIntervalMs, WritePathWorkload.commitGap(env), load.where());
        Duration warmup = Duration.ofSeconds(o.warmupS());
        OpenLoad.Outcome baseline = OpenLoad.run(raw::send, o.ratePerS(), warmup, Duration.ofSeconds(o.durationS()),
                DRAIN);
        env.progress("http baseline (raw Kafka round trip) at %d/s: %s", o.ratePerS(), baseline.describe());
        Window subject = window(env, load, serviceMetrics, o.ratePerS(), o.durationS());
        rows.add(row(o.ratePerS(), o.durationS(), subject.outcome(), baseline, commitIntervalMs,
                WritePathWorkload.commitGap(env), subject.breakdown()));
        int searchS = Math.max(10, o.durationS() / 2);
        boolean up = keepsP99(subject.outcome());
        int rate = o.ratePerS();
        for (int step = 1; step <= o.searchSteps(); step++) {
            rate = up ? (int) Math.round(rate * 1.5) : Math.max(1, rate / 2);
            Window next = window(env, load, serviceMetrics, rate, searchS);
            rows.add(row(rate, searchS, next.outcome(), null, commitIntervalMs, WritePathWorkload.commitGap(env),
                    next.breakdown()));
            if (keepsP99(next.outcome()) != up) {
                break;
            }
        }
        return rows;
    }

    /** One measured window of the service at {@code rate}, with where its time and CPU went. */
    private record Window(OpenLoad.Outcome outcome, String breakdown) {}

    private static Window window(BenchEnvironment env, Load load, MeterRegistry serviceMetrics, int rate, int seconds)
            throws Exception {
        int warmupS = env.options().warmupS();
        HttpBreakdown breakdown = new HttpBreakdown(serviceMetrics, env::brokerProcessCpuNs);
        Measured measured = load.run(rate, Duration.ofSeconds(warmupS), Duration.ofSeconds(seconds));
        String where = breakdown.describe((long) rate * (warmupS + seconds), measured.loadProcessCpuNs());
        env.progress("http ledger-service at %d/s: %s; %s", rate, measured.outcome().describe(), where);
        return new Window(measured.outcome(), where);
    }

    /** A measured window's outcome, and the load generator's CPU if it ran in a JVM of its own (else -1). */
    private record Measured(OpenLoad.Outcome outcome, long loadProcessCpuNs) {}

    /** Where the load comes from: this JVM, or one of its own ({@link BenchProcess} {@code load}). */
    private interface Load {
        Measured run(int rate, Duration warmup, Duration measured) throws Exception;

        String where();
    }

    /** The load from a thread of this JVM, on {@code http}. */
    private static Load inThisJvm(HttpWriteClient http, int accounts) {
        return new Load() {
            @Override
            public Measured run(int rate, Duration warmup, Duration measured) throws InterruptedException {
                return new Measured(OpenLoad.run(sequence -> credit(http, sequence, accounts), rate, warmup, measured,
                        DRAIN), -1);
            }

            @Override
            public String where() {
                return "in the service's JVM";
            }
        };
    }

    /** The load from a JVM of its own per window, against {@code base}. */
    private static Load inItsOwnJvm(String base, int accounts) {
        return new Load() {
            @Override
            public Measured run(int rate, Duration warmup, Duration measured) throws Exception {
                try (ChildJvm child = ChildJvm.start("load", 512, List.of(base, TOKEN, Integer.toString(rate),
                        Long.toString(warmup.toSeconds()), Long.toString(measured.toSeconds()),
                        Long.toString(DRAIN.toSeconds()), Integer.toString(accounts)))) {
                    child.awaitLine("READY", Duration.ofMinutes(1));
                    Duration whole = warmup.plus(measured).plus(DRAIN).plusMinutes(1);
                    String[] f = child.awaitLine("RESULT", whole).split(" ");
                    return new Measured(new OpenLoad.Outcome(Long.parseLong(f[0]), Long.parseLong(f[1]),
                            Double.parseDouble(f[2]), BenchProcess.decode(f[4])), Long.parseLong(f[3]));
                }
            }

            @Override
            public String where() {
                return "in a JVM of its own";
            }
        };
    }

    private static boolean keepsP99(OpenLoad.Outcome outcome) {
        return outcome.errors() == 0 && outcome.ms(99) < GOAL_P99_MS;
    }

    private static Row row(int rate, int seconds, OpenLoad.Outcome subject, OpenLoad.Outcome baseline,
            int commitIntervalMs, String commitGap, String breakdown) {
        boolean atGoalRate = baseline != null;
        String goal = atGoalRate ? String.format(Locale.ROOT, "p50<=%.0f p99<=%.0f ms", GOAL_P50_MS, GOAL_P99_MS)
                : String.format(Locale.ROOT, "p99<%.0f ms", GOAL_P99_MS);
        boolean met = subject.errors() == 0 && subject.ms(99) <= GOAL_P99_MS
                && (!atGoalRate || subject.ms(50) <= GOAL_P50_MS);
        String notes = subject.describe() + "; commit.interval.ms " + commitIntervalMs + ", commit gap " + commitGap
                + (atGoalRate ? "; baseline raw Kafka round trip: " + baseline.describe() : "; rate search, no baseline")
                + "; " + breakdown;
        return new Row(String.format(Locale.ROOT, "HTTP write @ %,d req/s offered", rate), subject.completed(), seconds,
                subject.achievedPerS(), atGoalRate ? baseline.achievedPerS() : Double.NaN, goal, met, subject.ms(50),
                subject.ms(99), Double.NaN, notes);
    }

    /** A credit of 100 CZK to one of {@code accounts} accounts, request {@code sequence} of a run; 201 expected. */
    static CompletableFuture<?> credit(HttpWriteClient http, long sequence, int accounts) {
        String account = RequestMix.account((int) (sequence % accounts));
        return http.post("/v1/accounts/" + account + "/credits", "bench-" + sequence + "-" + System.nanoTime(),
                "{\"amountMinor\": 100, \"currency\": \"CZK\"}", 201);
    }

    /**
     * The baseline: a record produced with the request publisher's settings (idempotent,
     * {@code acks=all}, {@code linger.ms=5}) to a topic with tally's partition count, completed when a
     * {@code read_committed} consumer with the outcome reader's settings ({@code fetch.max.wait.ms=5})
     * reads it back.
     */
    private static final class KafkaRoundTrip implements AutoCloseable {
        private final KafkaProducer<String, String> producer;
        private final KafkaConsumer<String, String> consumer;
        private final Map<String, CompletableFuture<Object>> waiting = new ConcurrentHashMap<>();
        private final String topic;
        private final Thread reader;
        private volatile boolean running = true;

        KafkaRoundTrip(BenchEnvironment env) throws Exception {
            topic = BenchEnvironment.unique("http-roundtrip");
            try (Admin admin = Admin.create(env.kafka())) {
                TopicAdmin.ensure(admin, List.of(new TopicSpec(topic, env.options().partitions(), Map.of())), (short) 1);
            }
            Map<String, Object> p = new HashMap<>(env.kafka());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
            Map<String, Object> c = new HashMap<>(env.kafka());
            c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
            consumer = KafkaClients.readCommittedConsumer(c, null, new StringDeserializer(), new StringDeserializer());
            KafkaClients.assignAll(consumer, topic, KafkaClients.From.END);
            reader = new Thread(this::read, "bench-roundtrip-reader");
            reader.setDaemon(true);
            reader.start();
        }

        CompletableFuture<?> send(long sequence) {
            String key = RequestMix.account((int) (sequence % 10_000)) + "/" + sequence;
            CompletableFuture<Object> done = new CompletableFuture<>();
            waiting.put(key, done);
            producer.send(new ProducerRecord<>(topic, key, "{\"amountMinor\": 100, \"currency\": \"CZK\"}"), (m, e) -> {
                if (e != null) {
                    waiting.remove(key);
                    done.completeExceptionally(e);
                }
            });
            return done;
        }

        private void read() {
            try {
                while (running) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                        CompletableFuture<Object> f = waiting.remove(r.key());
                        if (f != null) {
                            f.complete(r);
                        }
                    }
                }
            } catch (WakeupException e) {
                // closing
            } finally {
                consumer.close();
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            consumer.wakeup();
            reader.join(10_000);
            producer.close();
        }
    }
}
