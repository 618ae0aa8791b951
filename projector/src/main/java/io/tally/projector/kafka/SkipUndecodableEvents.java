package io.tally.projector.kafka;

import io.tally.schemas.registry.SchemaRegistryException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The projector's deserialization handler: an undecodable record on {@code ledger.events} is logged
 * and skipped, as by Kafka's {@link LogAndContinueExceptionHandler}, but a schema registry that
 * cannot be reached stops the client instead: the record is good, and skipping it would leave a gap
 * in every account it touched until a replay.
 *
 * <p>Thread-safe: stateless.
 */
public final class SkipUndecodableEvents extends LogAndContinueExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(SkipUndecodableEvents.class);

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        if (exception instanceof SchemaRegistryException) {
            log.error("schema registry unreachable while reading {}-{}@{}; stopping rather than skipping the record",
                    record.topic(), record.partition(), record.offset(), exception);
            return Response.fail();
        }
        return super.handleError(context, record, exception);
    }
}
