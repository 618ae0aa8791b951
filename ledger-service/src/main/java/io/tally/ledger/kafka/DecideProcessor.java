package io.tally.ledger.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.core.AccountState;
import io.tally.core.Decision;
import io.tally.core.Ledger;
import io.tally.core.LedgerCommand;
import io.tally.core.RejectionCode;
import io.tally.core.RequestContext;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.codec.RequestCodec;
import io.tally.schemas.codec.ResultCodec;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides each request of one account partition against the account's state, exactly once: the
 * events it appends, the outcome it publishes and the state and idempotency-store updates it makes
 * are all in the stream task's Kafka transaction ({@code exactly_once_v2}), so a crash at any point
 * neither loses an accepted event nor appends one twice (DESIGN.md, Idempotency and ordering).
 *
 * <p>For each record: {@link RequestIntake} refuses what may not be decided into the DLQ with the
 * reason, and a refused request with a readable request id also gets a REJECTED result; a known
 * idempotency key ({@link IdempotencyKeys}) with the same request hash gets the stored outcome again
 * ({@code replayed = true}, nothing appended), with a different hash IDEMPOTENCY_KEY_REUSED (not stored,
 * so the original stays); otherwise {@link Ledger#decide} decides against the state
 * {@link AccountStores} loads, {@link EventAppender} appends what it accepted, and the outcome is
 * stored under the key. Two punctuators run beside it: {@link HoldExpiryPunctuator} and, with a
 * retention, {@link IdempotencyRetentionPunctuator}.
 *
 * <p>Not thread-safe: one instance per stream task, as Kafka Streams uses it.
 */
final class DecideProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    private static final Logger log = LoggerFactory.getLogger(DecideProcessor.class);

    private final LedgerTopics topics;
    private final RequestIntake intake;
    private final Duration idempotencyRetention;
    private final Duration commitGap;
    private final MeterRegistry registry;
    private final DecideMetrics metrics;
    private ProcessorContext<byte[], byte[]> context;
    private AccountStores stores;
    private IdempotencyKeys idempotency;
    private DecideOutputs outputs;
    private EventAppender appender;
    private CommitPacer commits;

    /**
     * @param topics the topics, in the configured value encoding
     * @param idempotencyRetention how long idempotency keys are remembered, {@code null} for forever
     * @param commitGap the {@link CommitPacer}'s gap, {@code null} for none (commits on the interval only)
     */
    DecideProcessor(LedgerTopics topics, MeterRegistry metrics, Duration idempotencyRetention, Duration commitGap) {
        this.topics = topics;
        this.intake = new RequestIntake(topics);
        this.idempotencyRetention = idempotencyRetention;
        this.commitGap = commitGap;
        this.registry = metrics;
        this.metrics = new DecideMetrics(metrics);
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.stores = AccountStores.of(context);
        this.idempotency = new IdempotencyKeys(context.getStateStore(DecideTopology.IDEMPOTENCY_STORE));
        this.outputs = new DecideOutputs(context, topics);
        this.appender = new EventAppender(stores, outputs);
        new HoldExpiryPunctuator(stores, appender, metrics, context::currentSystemTimeMs).schedule(context);
        if (idempotencyRetention != null) {
            new IdempotencyRetentionPunctuator(context.getStateStore(DecideTopology.IDEMPOTENCY_STORE),
                    idempotencyRetention).schedule(context);
        }
        if (commitGap != null) {
            commits = new CommitPacer(context, commitGap, registry);
            commits.schedule();
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        long startNs = System.nanoTime();
        RecordMetadata source = context.recordMetadata().orElseThrow();
        RequestIntake.Read read = intake.read(source.topic(), record.key(), record.value());
        if (read instanceof RequestIntake.Refused refused) {
            refuse(record, source, refused);
        } else {
            RequestIntake.Decidable decidable = (RequestIntake.Decidable) read;
            decide(decidable.request(), decidable.command(), record.timestamp());
            metrics.timeDecision(startNs);
        }
        if (commits != null) {
            commits.decided(record.timestamp());
        }
    }

    /** Dead-letters a record the intake refused, and answers its sender when its request id can key an outcome. */
    private void refuse(Record<byte[], byte[]> record, RecordMetadata source, RequestIntake.Refused refused) {
        log.warn("request at {}-{}@{} sent to the DLQ: {}: {}", source.topic(), source.partition(), source.offset(),
                refused.reason(), refused.detail());
        metrics.count("dead-lettered", refused.reason().name());
        outputs.deadLetter(record, refused.reason(), refused.detail(), source);
        if (refused.request() != null) {
            outputs.result(ResultCodec.rejected(refused.request(), refused.code(), refused.detail(),
                    context.currentSystemTimeMs()), record.timestamp());
        }
    }

    private void decide(LedgerRequest request, LedgerCommand command, long timestampMs) {
        long nowMs = context.currentSystemTimeMs();
        IdempotencyKeys.Lookup seen = idempotency.lookup(request, command.origin());
        if (seen.isReplay()) {
            metrics.count("replayed", seen.stored().getOutcome().getRejectionCode());
            outputs.result(ResultCodec.replayed(seen.stored().getOutcome(), request), timestampMs);
            return;
        }
        if (seen.isReuse()) {
            metrics.count("rejected", RejectionCode.IDEMPOTENCY_KEY_REUSED.name());
            outputs.result(ResultCodec.rejected(request, RejectionCode.IDEMPOTENCY_KEY_REUSED, "idempotency key '"
                    + request.getIdempotencyKey() + "' was used for a different request ("
                    + seen.stored().getOutcome().getRequestId() + ")", nowMs), timestampMs);
            return;
        }
        AccountState state = stores.load(command);
        Decision decision = Ledger.decide(state, command,
                new RequestContext(request.getRequestId(), request.getIdempotencyKey(), nowMs));
        LedgerResult result;
        if (decision instanceof Decision.Accepted accepted) {
            appender.append(state, accepted.events(), request.getReference(), timestampMs);
            result = ResultCodec.accepted(request, accepted.events(), nowMs);
            metrics.count("accepted", null);
        } else {
            result = rejected(request, command, (Decision.Rejected) decision, nowMs, timestampMs);
        }
        idempotency.remember(seen, result);
        outputs.result(result, timestampMs);
    }

    /** The outcome of a rejection; a refused payee side sends the money back to the payer, in this transaction. */
    private LedgerResult rejected(LedgerRequest request, LedgerCommand command, Decision.Rejected rejected, long nowMs,
            long timestampMs) {
        metrics.count("rejected", rejected.code().name());
        if (command instanceof LedgerCommand.ReceiveTransfer refused) {
            outputs.transfer(RequestCodec.returnTransfer(refused.transferId(), refused.payerAccountId(),
                    refused.currencyCode(), refused.accountId(), refused.amountMinor(), rejected.code().name(), nowMs),
                    timestampMs);
        } else if (command instanceof LedgerCommand.ReturnTransfer lost) {
            // Cannot happen while the payer exists and its balance does not overflow; if it does, say so loudly.
            log.error("the return of transfer {} to {} was refused ({}): {} minor units need an operator",
                    lost.transferId(), lost.accountId(), rejected.code(), lost.amountMinor());
            metrics.count("transfer-return-refused", rejected.code().name());
        }
        return ResultCodec.rejected(request, rejected.code(), rejected.message(), nowMs);
    }
}
