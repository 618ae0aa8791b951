package io.tally.bench;

import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Bulk writes over HTTP (issue 15, item 5): {@code POST /v1/batch} of {@link BenchOptions#batchSize}
 * credits, each to another account, against the real ledger-service wired as {@link HttpLatencyWorkload}
 * wires it, at {@link BenchOptions#ratePerS} requests per second offered ({@link OpenLoad}, open model:
 * one send is one batch, so {@code rate / batchSize} batches per second; latency per batch from its
 * intended send time) for {@link BenchOptions#durationS} after a warm-up. A batch succeeds when every
 * item is 201. Goal: at least {@value #GOAL_PER_S} requests decided per second with p99 at most
 * {@value #GOAL_P99_MS} ms per batch. No baseline row of its own: the {@code http} workload's raw Kafka
 * round trip is the floor of one request, and the CPU per 1,000 requests ({@link HttpBreakdown}) says
 * what a batched request costs.
 */
public final class HttpBatchWorkload implements Workload {
    /** The goals: requests decided per second, and milliseconds per batch at p99. */
    public static final double GOAL_PER_S = 20_000;
    public static final double GOAL_P99_MS = 50;
    private static final Duration DRAIN = Duration.ofSeconds(30);
    private static final String TOKEN = BenchLedgerHttp.TOKEN;

    @Override
    public String name() {
        return "batch";
    }

    @Override
    public List<Row> run(BenchEnvironment env) throws Exception {
        BenchOptions o = env.options();
        int batchSize = o.batchSize();
        int batchesPerS = Math.max(1, o.ratePerS() / batchSize);
        int commitIntervalMs = WritePathWorkload.commitIntervalMs(env);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        try (BenchLedgerHttp stack = new BenchLedgerHttp(env, "batch")) {
            MeterRegistry serviceMetrics = stack.metrics();
            URI batch = URI.create(stack.baseUrl() + "/v1/batch");
            String run = Long.toString(System.nanoTime(), 36);
            AtomicReference<Throwable> firstError = new AtomicReference<>();
            OpenLoad.Sender send = sequence -> post(http, batch, body(run, sequence, batchSize, o.httpAccounts()), batchSize)
                    .whenComplete((ok, e) -> firstError.compareAndSet(null, e));
            env.progress("batch: %,d accounts open; %,d req/s offered as %d batches/s of %,d for %d s after %d s warm-up;"
                    + " commit.interval.ms %d", o.httpAccounts(), batchesPerS * batchSize, batchesPerS, batchSize,
                    o.durationS(), o.warmupS(), commitIntervalMs);
            HttpBreakdown breakdown = new HttpBreakdown(serviceMetrics, env::brokerProcessCpuNs);
            OpenLoad.Outcome subject = OpenLoad.run(send, batchesPerS, Duration.ofSeconds(o.warmupS()),
                    Duration.ofSeconds(o.durationS()), DRAIN);
            String where = breakdown.describe((long) batchesPerS * batchSize * (o.warmupS() + o.durationS()), -1);
            double decidedPerS = subject.achievedPerS() * batchSize;
            if (firstError.get() != null) {
                env.progress("batch: the first failed batch: %s", firstError.get());
            }
            env.progress("batch ledger-service at %,d req/s offered: %,.0f req/s decided; per batch %s; %s",
                    batchesPerS * batchSize, decidedPerS, subject.describe(), where);
            boolean met = subject.errors() == 0 && decidedPerS >= GOAL_PER_S && subject.ms(99) <= GOAL_P99_MS;
            String goal = String.format(Locale.ROOT, ">=%,.0f req/s, p99<=%.0f ms/batch", GOAL_PER_S, GOAL_P99_MS);
            String notes = String.format(Locale.ROOT, "batches of %,d; per batch %s; commit.interval.ms %d, commit gap %s;"
                    + " %s", batchSize, subject.describe(), commitIntervalMs, WritePathWorkload.commitGap(env), where);
            return List.of(new Row(String.format(Locale.ROOT, "HTTP batch of %,d @ %,d req/s offered", batchSize,
                    batchesPerS * batchSize), subject.completed() * batchSize, o.durationS(), decidedPerS, Double.NaN,
                    goal, met, subject.ms(50), subject.ms(99), Double.NaN, notes));
        }
    }

    /** Batch {@code sequence}: {@code size} credits of 1.00 CZK, item {@code j} to account {@code sequence * size + j}. */
    static String body(String run, long sequence, int size, int accounts) {
        StringBuilder b = new StringBuilder(size * 130).append("{\"requests\":[");
        for (int j = 0; j < size; j++) {
            long n = sequence * size + j;
            b.append(j == 0 ? "" : ",").append("{\"method\":\"POST\",\"path\":\"/v1/accounts/")
                    .append(RequestMix.account((int) (n % accounts))).append("/credits\",\"idempotencyKey\":\"bench-")
                    .append(run).append('-').append(n).append("\",\"body\":{\"amountMinor\":100,\"currency\":\"CZK\"}}");
        }
        return b.append("]}").toString();
    }

    /** Sends one batch; fails unless it is 200 with {@code size} results that are all 201. */
    private static CompletableFuture<?> post(HttpClient http, URI batch, String body, int size) {
        HttpRequest request = HttpRequest.newBuilder(batch).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            if (response.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + response.statusCode() + ": "
                        + response.body().substring(0, Math.min(300, response.body().length())));
            }
            int accepted = occurrences(response.body(), "{\"status\":201,");
            if (accepted != size) {
                throw new IllegalStateException(accepted + " of " + size + " items accepted: "
                        + response.body().substring(0, Math.min(300, response.body().length())));
            }
            return response;
        });
    }

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            n++;
        }
        return n;
    }
}
