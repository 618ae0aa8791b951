package io.tally.schemas;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record value that is not a decodable tally record, with the reason as a stable code: a reader
 * dead-letters it under {@link #reason()} (DESIGN.md, Dead letters) instead of guessing.
 *
 * <p>Thrown by both encodings' deserializers ({@link SingleObjectSerde}, {@link ConfluentAvroSerde});
 * a registry that cannot be reached is not bad input and is never this exception.
 */
public final class UndecodableRecordException extends SerializationException {
    private static final long serialVersionUID = 1L;

    /** Why a record could not be decoded. */
    public enum Reason {
        /** Not in the encoding at all: a wrong marker or magic byte, or shorter than its header. */
        NOT_AVRO,
        /** The writer schema it names (fingerprint or registry id) is not known. */
        UNKNOWN_SCHEMA,
        /** The writer schema is known but does not resolve against the reader's (another record type, an incompatible change). */
        UNRESOLVABLE_SCHEMA,
        /** The body does not decode with its schema (cut short, a length or index out of range). */
        MALFORMED_BODY,
        /** A whole record decoded and bytes were left after it: the bytes read are not the bytes sent. */
        TRAILING_BYTES
    }

    private final Reason reason;

    /** An undecodable record; {@code message} says what was read and why it failed. */
    public UndecodableRecordException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** An undecodable record without an underlying cause. */
    public UndecodableRecordException(Reason reason, String message) {
        this(reason, message, null);
    }

    /** Why it could not be decoded. */
    public Reason reason() {
        return reason;
    }
}
