package io.tally.ledger.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tally.avro.LedgerResult;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Where a synchronous write's time goes (issue 15): one Micrometer timer per stage,
 * {@code tally.http.write.stage{stage}}, with a percentile histogram (so {@code /metrics} carries the
 * {@code _bucket} series a Prometheus {@code histogram_quantile} reads), and
 * {@code tally.http.write.stage{stage="total"}} for the whole of it; and the whole of it by outcome,
 * {@code tally.http.write.latency{outcome}} (the ledger's outcome status in lower case, {@code accepted} or
 * {@code rejected}, replays included, the same tag as {@code tally.http.requests}; {@code pending}: answered 202 at the request
 * timeout; {@code error}: 503, Kafka did not take it), which the dashboard's latency panel and the
 * {@code TallyWriteLatencyHigh} alert read (deploy/). A write refused before it is published (400, 413,
 * 415) is in neither.
 *
 * <p>The stages, in order, each from the end of the one before:
 * <ol>
 *   <li>{@code parse}: the handler has the request; the body read, checked and turned into a request;
 *   <li>{@code publish}: until Kafka acknowledged the request ({@code acks=all});
 *   <li>{@code decide}: until the decide task decided it (its {@code decidedAtMs}, wall clock, ms
 *       resolution; 0 when the decision was stamped before the acknowledgement came back, and not
 *       recorded for a replayed outcome, whose stamp is the first decision's);
 *   <li>{@code commit}: until the outcome reader had it: the wait for the Streams transaction to
 *       commit, the commit itself, the transaction markers and the reader's fetch;
 *   <li>{@code respond}: until the response was handed to Jetty to write.
 * </ol>
 *
 * <p>Thread-safe: a {@link Write} is stamped by whichever thread reaches a stage (Jetty's, the
 * producer's, the outcome reader's), each stage once, in order, through the happens-before edges of the
 * futures between them; the timers are thread-safe.
 */
final class WriteStages {
    /** The stages, in order. */
    enum Stage { PARSE, PUBLISH, DECIDE, COMMIT, RESPOND, TOTAL }

    private final Map<Stage, Timer> timers = new EnumMap<>(Stage.class);
    private final MeterRegistry registry;
    /** {@code tally.http.write.latency} by outcome tag: a registry lookup hashes tags every time. */
    private final Map<String, Timer> latencies = new ConcurrentHashMap<>();

    WriteStages(MeterRegistry registry) {
        this.registry = registry;
        for (Stage stage : Stage.values()) {
            timers.put(stage, Timer.builder("tally.http.write.stage")
                    .description("time a synchronous write spends in each stage, from the end of the one before")
                    .tag("stage", stage.name().toLowerCase(Locale.ROOT))
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(30))
                    .register(registry));
        }
    }

    private Timer latency(String outcome) {
        return latencies.computeIfAbsent(outcome, tag -> Timer.builder("tally.http.write.latency")
                .description("time from a synchronous write's arrival to its answer, by outcome")
                .tag("outcome", tag)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry));
    }

    /** A write that the handler has just been given: its clock starts now. */
    Write start() {
        return new Write();
    }

    /** One write's stamps ({@link System#nanoTime}), read against a wall-clock anchor for the decide stamp. */
    final class Write {
        private final long acceptedNs = System.nanoTime();
        private final long anchorWallMs = System.currentTimeMillis();
        private long lastNs = acceptedNs;
        private long publishedNs;
        private volatile long readNs;

        /** The request is built: ends {@code parse}. */
        void parsed() {
            lastNs = record(Stage.PARSE, lastNs);
        }

        /** Kafka acknowledged the request: ends {@code publish}. */
        void published() {
            publishedNs = System.nanoTime();
            lastNs = record(Stage.PUBLISH, lastNs);
        }

        /**
         * The outcome reader has the outcome: called on the reader's thread as it completes the wait, which
         * may be before the producer's acknowledgement callback has run.
         */
        void outcomeRead() {
            readNs = System.nanoTime();
        }

        /**
         * The response is handed to Jetty: records {@code decide} (from the outcome's stamp), {@code commit},
         * {@code respond} and {@code total}. Called after both {@link #published} and {@link #outcomeRead}.
         */
        void responded(LedgerResult result) {
            long nowNs = System.nanoTime();
            long readAtNs = readNs == 0 ? nowNs : Math.max(readNs, publishedNs);
            if (!result.getReplayed()) {
                long decidedNs = acceptedNs + TimeUnit.MILLISECONDS.toNanos(result.getDecidedAtMs() - anchorWallMs);
                long decidedAtNs = Math.min(readAtNs, Math.max(publishedNs, decidedNs));
                timers.get(Stage.DECIDE).record(decidedAtNs - publishedNs, TimeUnit.NANOSECONDS);
                timers.get(Stage.COMMIT).record(readAtNs - decidedAtNs, TimeUnit.NANOSECONDS);
            }
            record(Stage.RESPOND, readAtNs);
            record(Stage.TOTAL, acceptedNs);
            finished(result.getStatus().name().toLowerCase(Locale.ROOT));
        }

        /**
         * The write is answered without an outcome: records {@code tally.http.write.latency{outcome}} only.
         *
         * @param outcome {@code pending} (202) or {@code error} (503)
         */
        void finished(String outcome) {
            latency(outcome).record(System.nanoTime() - acceptedNs, TimeUnit.NANOSECONDS);
        }

        private long record(Stage stage, long sinceNs) {
            long nowNs = System.nanoTime();
            timers.get(stage).record(nowNs - sinceNs, TimeUnit.NANOSECONDS);
            return nowNs;
        }
    }
}
