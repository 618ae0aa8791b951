package io.tally.ledger.kafka;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The records of {@code ledger.requests.dlq}: the record as received, and headers that say why, where
 * it came from, and what of it was cut, so that an operator can fix and replay it. Source:
 * DESIGN.md (Dead letters), STYLE.md (fail closed).
 *
 * <p>A dead letter always fits in a producer request, whatever it was made from: the key is kept up to
 * {@value #MAX_KEY_BYTES} bytes, the value up to {@value #MAX_VALUE_BYTES}, the original headers if
 * together they are at most {@value #MAX_ORIGINAL_HEADER_BYTES} bytes, the detail up to
 * {@value #MAX_DETAIL_CHARS} characters. What was cut is said in {@value #TRUNCATED}, with the original
 * value's size and SHA-256, and the original stays findable at its source topic, partition and offset.
 * A 1 MB record on {@code ledger.requests} once made a dead letter larger than the producer's
 * {@code max.request.size}, and the failed send stopped ledger-service (issue 21).
 *
 * <p>Thread-safe: stateless.
 */
public final class DeadLetters {
    /** The reason, one of {@link Reason}'s names. */
    public static final String REASON = "tally.dlq.reason";
    /** A human-readable explanation naming the field or the decoding error. */
    public static final String DETAIL = "tally.dlq.detail";
    /** The topic the record was read from. */
    public static final String SOURCE_TOPIC = "tally.dlq.source.topic";
    /** The partition it was read from (decimal text). */
    public static final String SOURCE_PARTITION = "tally.dlq.source.partition";
    /** The offset it was read from (decimal text). */
    public static final String SOURCE_OFFSET = "tally.dlq.source.offset";
    /** What was cut to fit, comma-separated: {@code key}, {@code value}, {@code headers}; absent if nothing. */
    public static final String TRUNCATED = "tally.dlq.truncated";
    /** The original value's size in bytes (decimal text), when the value was cut. */
    public static final String ORIGINAL_VALUE_BYTES = "tally.dlq.original.value.bytes";
    /** The original value's SHA-256 (lower-case hex), when the value was cut. */
    public static final String ORIGINAL_VALUE_SHA256 = "tally.dlq.original.value.sha256";

    /** The most of a key a dead letter keeps: an account id is at most 128 characters. */
    public static final int MAX_KEY_BYTES = 1024;
    /** The most of a value a dead letter keeps: the size limit of a request record ({@link RequestIntake}). */
    public static final int MAX_VALUE_BYTES = RequestIntake.MAX_REQUEST_BYTES;
    /** The most original headers a dead letter keeps, keys and values together; more are dropped whole. */
    public static final int MAX_ORIGINAL_HEADER_BYTES = 16 * 1024;
    /** The longest detail, in characters. */
    public static final int MAX_DETAIL_CHARS = 2048;

    /** Why a request was dead-lettered: stable codes, for operators' alerts and scripts. */
    public enum Reason {
        /** The record has no value. */
        NULL_VALUE,
        /** The record is larger than a request can be ({@link RequestIntake#MAX_REQUEST_BYTES}); not decoded. */
        TOO_LARGE,
        /** Not in the topic's encoding (a wrong marker or magic byte, too short). */
        NOT_AVRO,
        /** A schema fingerprint or registry id of no known request schema. */
        UNKNOWN_SCHEMA,
        /** A known writer schema that does not resolve against the request schema. */
        UNRESOLVABLE_SCHEMA,
        /** The body does not decode with its schema. */
        MALFORMED_BODY,
        /** A whole request, followed by bytes. */
        TRAILING_BYTES,
        /** An internal or operator request type on the public request topic: never decided. */
        INTERNAL_TYPE_ON_PUBLIC_TOPIC,
        /** A request type on an internal or operator topic that does not carry it. */
        TYPE_NOT_ALLOWED_ON_TOPIC,
        /** The record's key is not the request's account id (it may be on the wrong partition). */
        KEY_MISMATCH,
        /** An id breaks the id grammar ({@link io.tally.core.Ids}). */
        INVALID_ID,
        /** A field is missing or out of range for the request's type. */
        INVALID_REQUEST
    }

    private DeadLetters() {}

    /**
     * The dead letter of {@code record}: its key, value and headers (each cut to its bound) plus
     * tally's headers.
     *
     * @param detail the explanation; cut to {@value #MAX_DETAIL_CHARS} characters
     */
    static Record<byte[], byte[]> of(Record<byte[], byte[]> record, Reason reason, String detail, String topic,
            int partition, long offset) {
        RecordHeaders headers = new RecordHeaders();
        StringBuilder truncated = new StringBuilder();
        int originalHeaderBytes = 0;
        for (Header h : record.headers()) {
            originalHeaderBytes += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        if (originalHeaderBytes <= MAX_ORIGINAL_HEADER_BYTES) {
            record.headers().forEach(headers::add);
        } else {
            truncated.append("headers");
        }
        byte[] key = record.key();
        if (key != null && key.length > MAX_KEY_BYTES) {
            key = Arrays.copyOf(key, MAX_KEY_BYTES);
            append(truncated, "key");
        }
        byte[] value = record.value();
        if (value != null && value.length > MAX_VALUE_BYTES) {
            headers.add(ORIGINAL_VALUE_BYTES, utf8(Integer.toString(value.length)));
            headers.add(ORIGINAL_VALUE_SHA256, utf8(HexFormat.of().formatHex(sha256(value))));
            value = Arrays.copyOf(value, MAX_VALUE_BYTES);
            append(truncated, "value");
        }
        if (!truncated.isEmpty()) {
            headers.add(TRUNCATED, utf8(truncated.toString()));
        }
        String text = String.valueOf(detail);
        headers.add(REASON, utf8(reason.name()));
        headers.add(DETAIL, utf8(text.length() > MAX_DETAIL_CHARS ? text.substring(0, MAX_DETAIL_CHARS) + "..." : text));
        headers.add(SOURCE_TOPIC, utf8(topic));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        return new Record<>(key, value, record.timestamp(), headers);
    }

    /** The value of header {@code name} as text, or {@code null} if absent. */
    public static String header(Headers headers, String name) {
        var h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static void append(StringBuilder list, String item) {
        list.append(list.isEmpty() ? "" : ",").append(item);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
