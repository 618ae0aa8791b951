package io.tally.schemas;

import io.tally.avro.AccountBalance;
import io.tally.avro.BalanceCorrection;
import io.tally.avro.HoldState;
import io.tally.avro.LedgerEvent;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * tally's topics, typed: each {@link Topic} with its name ({@link TopicNames}) and its serdes, values
 * in the one encoding of {@link ValueSerdes} (DESIGN.md, Topics and Serialization). Built only with an
 * encoding, so nothing downstream of it can fall back to a default one: a rebuild or a reconciler run
 * under {@code tally.serde=confluent} reads what the services wrote.
 *
 * <p>Keys are UTF-8 strings (account ids, request ids) on every topic but the dead-letter topic, whose
 * records are copied as bytes.
 *
 * <p>Immutable and thread-safe.
 */
public final class LedgerTopics {
    private static final Serde<String> KEY = Serdes.String();
    private static final Serde<byte[]> BYTES = Serdes.ByteArray();

    private final TopicNames names;
    private final ValueSerdes serdes;
    private final Topic<String, LedgerRequest> requests;
    private final Topic<String, LedgerEvent> events;
    private final Topic<String, LedgerResult> results;
    private final Topic<byte[], byte[]> requestsDlq;
    private final Topic<String, AccountBalance> balances;
    private final Topic<String, BalanceCorrection> corrections;
    private final Topic<String, LedgerRequest> transfers;
    private final Topic<String, HoldState> holds;
    private final Topic<String, LedgerRequest> operatorRequests;

    private LedgerTopics(TopicNames names, ValueSerdes serdes) {
        this.names = Objects.requireNonNull(names, "names");
        this.serdes = Objects.requireNonNull(serdes, "serdes");
        this.requests = new Topic<>(names.requests(), KEY, serdes.requests());
        this.events = new Topic<>(names.events(), KEY, serdes.events());
        this.results = new Topic<>(names.results(), KEY, serdes.results());
        this.requestsDlq = new Topic<>(names.requestsDlq(), BYTES, BYTES);
        this.balances = new Topic<>(names.balances(), KEY, serdes.balances());
        this.corrections = new Topic<>(names.corrections(), KEY, serdes.corrections());
        this.transfers = new Topic<>(names.transfers(), KEY, serdes.requests());
        this.holds = new Topic<>(names.holds(), KEY, serdes.holds());
        this.operatorRequests = new Topic<>(names.operatorRequests(), KEY, serdes.requests());
    }

    /** The topics named {@code names}, values in the encoding of {@code serdes}. */
    public static LedgerTopics of(TopicNames names, ValueSerdes serdes) {
        return new LedgerTopics(names, serdes);
    }

    /** The key serde of every keyed tally topic: UTF-8 strings (account ids, request ids). */
    public static Serde<String> keySerde() {
        return KEY;
    }

    /** The names. */
    public TopicNames names() {
        return names;
    }

    /** The value encoding of every topic here. */
    public ValueSerdes serdes() {
        return serdes;
    }

    /** Partitions of the keyed-by-account topics. */
    public int partitions() {
        return names.partitions();
    }

    /** What to create ({@link TopicNames#specs}). */
    public List<TopicSpec> specs() {
        return names.specs();
    }

    /** {@code ledger.requests}: requests from upstream services, keyed by account id. */
    public Topic<String, LedgerRequest> requests() {
        return requests;
    }

    /** {@code ledger.events}: the accepted events, keyed by account id; the source of truth. */
    public Topic<String, LedgerEvent> events() {
        return events;
    }

    /** {@code ledger.results}: every request's outcome, keyed by request id. */
    public Topic<String, LedgerResult> results() {
        return results;
    }

    /** {@code ledger.requests.dlq}: refused request records as received, reason in headers. */
    public Topic<byte[], byte[]> requestsDlq() {
        return requestsDlq;
    }

    /** {@code ledger.balances}: projected balances, keyed by account id, compacted. */
    public Topic<String, AccountBalance> balances() {
        return balances;
    }

    /** {@code ledger.corrections}: cache corrections of reconciliation runs, keyed by account id. */
    public Topic<String, BalanceCorrection> corrections() {
        return corrections;
    }

    /** {@code ledger.transfers}: ledger-service's internal requests between accounts, keyed by account id. */
    public Topic<String, LedgerRequest> transfers() {
        return transfers;
    }

    /** {@code ledger.holds}: projected holds, keyed by {@code accountId:holdId}, compacted. */
    public Topic<String, HoldState> holds() {
        return holds;
    }

    /** {@code ledger.operator-requests}: the reconciler's corrections to the ledger, keyed by account id. */
    public Topic<String, LedgerRequest> operatorRequests() {
        return operatorRequests;
    }

    @Override
    public String toString() {
        return "LedgerTopics[" + names.requests() + ", ... " + serdes + "]";
    }
}
