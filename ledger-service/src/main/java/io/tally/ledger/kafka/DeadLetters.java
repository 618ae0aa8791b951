package io.tally.ledger.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers of a record on {@code ledger.requests.dlq}: the record itself is copied unchanged
 * (key and value bytes as received), and these headers say why and where it came from, so an
 * operator can fix and replay it. Source: DESIGN.md (Topics), STYLE.md (fail closed).
 */
public final class DeadLetters {
    /** A short machine-readable reason: {@code undecodable}, {@code invalid}, {@code key-mismatch}, {@code null-value}. */
    public static final String REASON = "tally.dlq.reason";
    /** A human-readable explanation naming the field or the decoding error. */
    public static final String DETAIL = "tally.dlq.detail";
    /** The topic the record was read from. */
    public static final String SOURCE_TOPIC = "tally.dlq.source.topic";
    /** The partition it was read from (decimal text). */
    public static final String SOURCE_PARTITION = "tally.dlq.source.partition";
    /** The offset it was read from (decimal text). */
    public static final String SOURCE_OFFSET = "tally.dlq.source.offset";

    private DeadLetters() {}

    /** The original headers plus tally's DLQ headers. */
    static Headers headers(Headers original, String reason, String detail, String topic, int partition, long offset) {
        RecordHeaders headers = new RecordHeaders(original.toArray());
        headers.add(REASON, utf8(reason));
        headers.add(DETAIL, utf8(detail));
        headers.add(SOURCE_TOPIC, utf8(topic));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        return headers;
    }

    /** The value of header {@code name} as text, or {@code null} if absent. */
    public static String header(Headers headers, String name) {
        var h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
