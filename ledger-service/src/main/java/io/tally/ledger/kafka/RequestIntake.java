package io.tally.ledger.kafka;

import io.tally.avro.LedgerRequest;
import io.tally.core.Ids;
import io.tally.core.LedgerCommand;
import io.tally.core.RejectionCode;
import io.tally.ledger.kafka.DeadLetters.Reason;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.Topic;
import io.tally.schemas.UndecodableRecordException;
import io.tally.schemas.codec.RequestCodec;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * The trust boundary of the write side: reads one record from a request topic into a request that
 * may be decided, or says why it may not, before any state is read (DESIGN.md, Trust boundaries).
 *
 * <p>In order: a value must be present and at most {@value #MAX_REQUEST_BYTES} bytes (a request with
 * every id and text at its longest is far smaller), decode whole in the topic's encoding, be of a
 * type that the topic it came from may carry ({@link LedgerCommand.Origin}: public types on
 * {@code ledger.requests}, the operator's on {@code ledger.operator-requests}, ledger-service's own
 * on {@code ledger.transfers}), be keyed by its account id, and have every id in the grammar and
 * every field its type needs ({@link RequestCodec#toCommand}). The first check that fails is the
 * dead letter's reason. A refused request whose request id is readable also gets a REJECTED outcome,
 * so a caller waiting on it is answered.
 *
 * <p>Thread-safe: stateless but for the serdes, which are.
 */
final class RequestIntake {
    /** The largest request record taken, in bytes; larger ones are dead letters, not decoded. */
    static final int MAX_REQUEST_BYTES = 64 * 1024;

    /** What a record read into. */
    sealed interface Read permits Decidable, Refused {}

    /** A request to decide, and the command it asks for. */
    record Decidable(LedgerRequest request, LedgerCommand command) implements Read {}

    /**
     * A record that may not be decided.
     *
     * @param reason the dead letter's reason
     * @param detail what exactly, for the dead letter and the log
     * @param request the request, if it decoded and its request id is well formed: it gets a REJECTED
     *     outcome with {@code code}; {@code null} otherwise
     * @param code the outcome's rejection code, when {@code request} is set
     */
    record Refused(Reason reason, String detail, LedgerRequest request, RejectionCode code) implements Read {}

    private final Topic<String, LedgerRequest> requests;
    private final Map<String, LedgerCommand.Origin> originByTopic;

    RequestIntake(LedgerTopics topics) {
        // The three request topics share one value serde, the configured encoding's.
        this.requests = topics.requests();
        this.originByTopic = Map.of(topics.requests().name(), LedgerCommand.Origin.PUBLIC,
                topics.operatorRequests().name(), LedgerCommand.Origin.OPERATOR,
                topics.transfers().name(), LedgerCommand.Origin.INTERNAL);
    }

    /** The origin a topic's records have: a topic not known here is treated as public, the least trusted. */
    LedgerCommand.Origin originOf(String topic) {
        return originByTopic.getOrDefault(topic, LedgerCommand.Origin.PUBLIC);
    }

    /** Reads the record at {@code key}/{@code value} from {@code topic}. */
    Read read(String topic, byte[] key, byte[] value) {
        if (value == null) {
            return refused(Reason.NULL_VALUE, "a request record must have a value", null, null);
        }
        if (value.length > MAX_REQUEST_BYTES) {
            return refused(Reason.TOO_LARGE, "the record's value is " + value.length + " bytes; a request is at most "
                    + MAX_REQUEST_BYTES, null, null);
        }
        LedgerRequest request;
        try {
            request = requests.valueSerde().deserializer().deserialize(topic, value);
        } catch (UndecodableRecordException e) {
            return refused(reasonOf(e.reason()), e.getMessage(), null, null);
        }
        LedgerCommand.Origin allowed = originOf(topic);
        LedgerCommand.Origin needed = RequestCodec.originOf(request.getType());
        if (needed != allowed) {
            Reason reason = allowed == LedgerCommand.Origin.PUBLIC
                    ? Reason.INTERNAL_TYPE_ON_PUBLIC_TOPIC : Reason.TYPE_NOT_ALLOWED_ON_TOPIC;
            return refused(reason, request.getType() + " is " + needed.name().toLowerCase(Locale.ROOT)
                    + " and may not arrive on " + topic + ", which carries " + allowed.name().toLowerCase(Locale.ROOT)
                    + " requests", request, RejectionCode.REQUEST_TYPE_NOT_ALLOWED);
        }
        String recordKey = key == null ? null : new String(key, StandardCharsets.UTF_8);
        if (!request.getAccountId().equals(recordKey)) {
            // Per-account ordering relies on the key: a request keyed otherwise may be in the wrong partition.
            return refused(Reason.KEY_MISMATCH, "record key '" + Ids.printable(recordKey)
                    + "' is not the request's account id '" + Ids.printable(request.getAccountId()) + "'",
                    request, RejectionCode.INVALID_REQUEST);
        }
        RequestCodec.Parsed parsed = RequestCodec.toCommand(request);
        if (parsed instanceof RequestCodec.Invalid invalid) {
            return refused(invalid.badId() ? Reason.INVALID_ID : Reason.INVALID_REQUEST, invalid.describe(), request,
                    RejectionCode.INVALID_REQUEST);
        }
        return new Decidable(request, ((RequestCodec.Valid) parsed).command());
    }

    private static Reason reasonOf(UndecodableRecordException.Reason undecodable) {
        return switch (undecodable) {
            case NOT_AVRO -> Reason.NOT_AVRO;
            case UNKNOWN_SCHEMA -> Reason.UNKNOWN_SCHEMA;
            case UNRESOLVABLE_SCHEMA -> Reason.UNRESOLVABLE_SCHEMA;
            case MALFORMED_BODY -> Reason.MALFORMED_BODY;
            case TRAILING_BYTES -> Reason.TRAILING_BYTES;
        };
    }

    /** A refusal; the request gets an outcome only if its request id can key one. */
    private static Refused refused(Reason reason, String detail, LedgerRequest request, RejectionCode code) {
        boolean answerable = request != null && Ids.isKey(request.getRequestId());
        return new Refused(reason, detail, answerable ? request : null, answerable ? code : null);
    }
}
