package io.tally.schemas;

import java.util.List;
import java.util.Map;

/**
 * The names of tally's topics (configurable; DESIGN.md gives the defaults), their partition count and
 * how to create them. Names only: a service gets its topics typed, with their serdes in the configured
 * encoding, from {@link LedgerTopics#of}.
 *
 * @param requests {@code ledger.requests}: requests, keyed by account id, time-limited
 * @param events {@code ledger.events}: accepted events, keyed by account id, kept forever
 * @param results {@code ledger.results}: outcomes, keyed by request id, time-limited
 * @param requestsDlq {@code ledger.requests.dlq}: undecodable or invalid requests, reason in headers
 * @param balances {@code ledger.balances}: projected balances, keyed by account id, compacted
 * @param corrections {@code ledger.corrections}: corrections, keyed by account id, kept forever
 * @param transfers {@code ledger.transfers}: ledger-service's internal topic for the payee's side of
 *     money that crosses accounts (and the payer's compensation), keyed by account id, time-limited;
 *     co-partitioned with {@code requests}
 * @param holds {@code ledger.holds}: projected holds, keyed by {@code accountId:holdId} and partitioned
 *     by account id (as the account's balance), compacted
 * @param operatorRequests {@code ledger.operator-requests}: requests only an operator's tool may send
 *     (the reconciler's corrections), keyed by account id, time-limited; co-partitioned with
 *     {@code requests}, read by the same decide task; a topic of its own so that an ACL can give it to
 *     the operator's principal alone (DESIGN.md, Trust boundaries)
 * @param partitions partitions of the keyed-by-account topics
 */
public record TopicNames(
        String requests, String events, String results, String requestsDlq, String balances, String corrections,
        String transfers, String holds, String operatorRequests, int partitions) {

    /** Seven days, for the time-limited topics. */
    public static final long SEVEN_DAYS_MS = 7L * 24 * 60 * 60 * 1000;

    /** The default names with {@code partitions} partitions. */
    public static TopicNames defaults(int partitions) {
        return withPrefix("", partitions);
    }

    /** The default names behind {@code prefix} (tests use a unique prefix each). */
    public static TopicNames withPrefix(String prefix, int partitions) {
        return new TopicNames(prefix + "ledger.requests", prefix + "ledger.events", prefix + "ledger.results",
                prefix + "ledger.requests.dlq", prefix + "ledger.balances", prefix + "ledger.corrections",
                prefix + "ledger.transfers", prefix + "ledger.holds", prefix + "ledger.operator-requests", partitions);
    }

    /** What to create: cleanup policy and retention per DESIGN.md's topic table. */
    public List<TopicSpec> specs() {
        Map<String, String> timeLimited = Map.of("cleanup.policy", "delete", "retention.ms", Long.toString(SEVEN_DAYS_MS));
        Map<String, String> forever = Map.of("cleanup.policy", "delete", "retention.ms", "-1", "retention.bytes", "-1");
        Map<String, String> compacted = Map.of("cleanup.policy", "compact");
        return List.of(
                new TopicSpec(requests, partitions, timeLimited),
                new TopicSpec(events, partitions, forever),
                new TopicSpec(results, partitions, timeLimited),
                new TopicSpec(requestsDlq, partitions, timeLimited),
                new TopicSpec(balances, partitions, compacted),
                new TopicSpec(corrections, partitions, forever),
                new TopicSpec(transfers, partitions, timeLimited),
                new TopicSpec(holds, partitions, compacted),
                new TopicSpec(operatorRequests, partitions, timeLimited));
    }

    /** These names, typed, with values in the encoding of {@code serdes}. */
    public LedgerTopics in(ValueSerdes serdes) {
        return LedgerTopics.of(this, serdes);
    }
}
