package io.tally.bench;

import java.util.OptionalInt;

/**
 * The sizes and rates of a run; {@link #defaults()} finish in a few minutes on 2 cores, the flags of
 * {@code ./tally bench} scale them up.
 *
 * @param rounds rounds per workload; each round times the baseline, then the subject
 * @param partitions partitions of every keyed topic
 * @param accounts accounts the write path opens (one request each, before the mixed requests)
 * @param requests mixed requests of the write path after the opens
 * @param events requests decided into the rebuild's {@code ledger.events} (about one event each)
 * @param eventAccounts accounts those events are spread over
 * @param rows {@code ledger.balances} records the cache sink applies (one account each)
 * @param reconcileAccounts accounts the reconciler compares
 * @param ratePerS offered HTTP write load, requests per second
 * @param durationS measured seconds at that load (after the warm-up)
 * @param warmupS seconds of unrecorded load before each measurement
 * @param searchSteps further rates tried (each 1.5x the last) to find the highest with p99 under 50 ms; 0: none
 * @param httpAccounts accounts the HTTP load spreads over
 * @param memoryAccounts accounts loaded before measuring each service's heap
 * @param memoryEvents mixed requests (about one event each) loaded after them
 * @param commitIntervalMs ledger-service's {@code commit.interval.ms} for the write path, HTTP and memory
 *     rows (also given to their baselines); empty: the service's own default
 * @param commitGapMs ledger-service's commit gap ({@code LedgerServiceConfig.commitGap}, the opt-in commit
 *     pacer) for the same rows; 0 or empty: none, commits on {@code commit.interval.ms} only (the default)
 * @param separateProcesses whether the embedded broker and the HTTP load generator run in JVMs of their
 *     own, as a deployment runs them (the default), rather than in the bench's, beside the services measured
 * @param batchSize write requests per {@code POST /v1/batch} of the batch workload (1 to 1,000); its
 *     offered load is {@code ratePerS} requests per second, so {@code ratePerS / batchSize} batches
 */
public record BenchOptions(int rounds, int partitions, int accounts, int requests, int events, int eventAccounts,
        int rows, int reconcileAccounts, int ratePerS, int durationS, int warmupS, int searchSteps, int httpAccounts,
        int memoryAccounts, int memoryEvents, OptionalInt commitIntervalMs, OptionalInt commitGapMs,
        boolean separateProcesses, int batchSize) {

    public BenchOptions {
        if (rounds < 1 || partitions < 1) {
            throw new IllegalArgumentException("rounds and partitions must be at least 1");
        }
        if (batchSize < 1 || batchSize > 1_000) {
            throw new IllegalArgumentException("the batch size must be 1 to 1,000 (POST /v1/batch's limit); was " + batchSize);
        }
    }

    /** The defaults: a few minutes in total on 2 cores. */
    public static BenchOptions defaults() {
        return new BenchOptions(2, 4, 100_000, 100_000, 200_000, 2_000, 200_000, 1_000_000, 1_000, 20, 5, 3, 10_000,
                100_000, 300_000, OptionalInt.empty(), OptionalInt.empty(), true, 1_000);
    }
}
