package io.tally.ledger.kafka;

import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.core.Currency;
import io.tally.core.LedgerEvent;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.codec.EventCodec;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * What the decide task writes, each to its sink in {@link DecideTopology}: events on
 * {@code ledger.events} and outcomes on {@code ledger.results}, keyed and encoded as the topics say,
 * the payee's side of money between accounts on {@code ledger.transfers}, and dead letters. Encodes
 * itself (every sink takes bytes), so that a dead letter can be the record as it came.
 *
 * <p>Not thread-safe: one per stream task, over its context.
 */
final class DecideOutputs {
    private final ProcessorContext<byte[], byte[]> context;
    private final LedgerTopics topics;

    DecideOutputs(ProcessorContext<byte[], byte[]> context, LedgerTopics topics) {
        this.context = context;
        this.topics = topics;
    }

    /** Appends {@code event} to its account's partition of {@code ledger.events}. */
    void event(LedgerEvent event, Currency currency, String reference, long timestampMs) {
        byte[] value = topics.events().encode(EventCodec.toAvro(event, currency, reference));
        forward(event.header().accountId(), value, timestampMs, DecideTopology.EVENTS_SINK);
    }

    /** Sends an internal request to the other account's partition through the transfer topic. */
    void transfer(LedgerRequest request, long timestampMs) {
        forward(request.getAccountId(), topics.transfers().encode(request), timestampMs, DecideTopology.TRANSFERS_SINK);
    }

    /** Publishes an outcome, keyed by its request id. */
    void result(LedgerResult result, long timestampMs) {
        forward(result.getRequestId(), topics.results().encode(result), timestampMs, DecideTopology.RESULTS_SINK);
    }

    /** Copies {@code record}, read at {@code source}, to the dead-letter topic with the reason in its headers. */
    void deadLetter(Record<byte[], byte[]> record, DeadLetters.Reason reason, String detail, RecordMetadata source) {
        context.forward(DeadLetters.of(record, reason, detail, source.topic(), source.partition(), source.offset()),
                DecideTopology.DLQ_SINK);
    }

    private void forward(String key, byte[] value, long timestampMs, String sink) {
        context.forward(new Record<>(key.getBytes(StandardCharsets.UTF_8), value, timestampMs, new RecordHeaders()), sink);
    }
}
