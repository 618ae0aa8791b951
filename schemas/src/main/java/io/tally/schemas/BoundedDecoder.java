package io.tally.schemas;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * An Avro binary decoder over one record's bytes that refuses any length or count larger than
 * those bytes before allocating for it. Avro's own decoder allocates a string or bytes value of the
 * length the data claims before it finds the data short, and its only bound is a JVM-wide system
 * property that defaults to 2 GiB ({@code org.apache.avro.limits.string.maxLength}, the fix of
 * CVE-2023-39410): a forged 20-byte record could make a reader allocate 2 GiB and die of
 * {@link OutOfMemoryError} on every restart. No value of a record can be longer than the record,
 * so this bound is exact and needs no setting.
 *
 * <p>Not thread-safe: one per decode.
 */
final class BoundedDecoder extends Decoder {
    private final BinaryDecoder in;
    private final long maxLength;

    /**
     * @param in the decoder over the record's body
     * @param maxLength the body's length in bytes: no string, bytes value, array or map may claim more
     */
    BoundedDecoder(BinaryDecoder in, long maxLength) {
        this.in = in;
        this.maxLength = maxLength;
    }

    /**
     * Reads one whole record from {@code data[offset..]} with {@code reader}.
     *
     * @param what what is read from where, for messages ({@code io.tally.avro.LedgerRequest from topic t})
     * @throws UndecodableRecordException {@code MALFORMED_BODY} if the body does not decode (cut short,
     *     a length, count, enum or union index out of range), {@code TRAILING_BYTES} if bytes are left
     */
    static <T> T readWhole(DatumReader<T> reader, byte[] data, int offset, String what) {
        int bodyLength = data.length - offset;
        BinaryDecoder binary = DecoderFactory.get().binaryDecoder(data, offset, bodyLength, null);
        T value;
        try {
            value = reader.read(null, new BoundedDecoder(binary, bodyLength));
        } catch (IOException | RuntimeException e) {
            throw new UndecodableRecordException(UndecodableRecordException.Reason.MALFORMED_BODY,
                    "cannot decode " + what + ": " + e, e);
        }
        try {
            if (!binary.isEnd()) {
                int left = binary.inputStream().available();
                throw new UndecodableRecordException(UndecodableRecordException.Reason.TRAILING_BYTES,
                        "cannot decode " + what + ": " + left + " bytes left after a whole record of "
                                + (bodyLength - left) + " bytes");
            }
        } catch (IOException e) {
            throw new UndecodableRecordException(UndecodableRecordException.Reason.MALFORMED_BODY,
                    "cannot decode " + what + ": " + e, e);
        }
        return value;
    }

    private int length() throws IOException {
        long length = in.readLong();
        if (length < 0 || length > maxLength) {
            throw new AvroRuntimeException("a length of " + length + " bytes in a record body of " + maxLength);
        }
        return (int) length;
    }

    private long count(long items) {
        if (items < 0 || items > maxLength) {
            throw new AvroRuntimeException("a block of " + items + " items in a record body of " + maxLength + " bytes");
        }
        return items;
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        int length = length();
        Utf8 result = old != null ? old : new Utf8();
        result.setByteLength(length);
        in.readFixed(result.getBytes(), 0, length);
        return result;
    }

    @Override
    public String readString() throws IOException {
        int length = length();
        byte[] bytes = new byte[length];
        in.readFixed(bytes, 0, length);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        int length = length();
        byte[] bytes = new byte[length];
        in.readFixed(bytes, 0, length);
        return ByteBuffer.wrap(bytes);
    }

    @Override
    public long readArrayStart() throws IOException {
        return count(in.readArrayStart());
    }

    @Override
    public long arrayNext() throws IOException {
        return count(in.arrayNext());
    }

    @Override
    public long readMapStart() throws IOException {
        return count(in.readMapStart());
    }

    @Override
    public long mapNext() throws IOException {
        return count(in.mapNext());
    }

    @Override
    public void readNull() throws IOException {
        in.readNull();
    }

    @Override
    public boolean readBoolean() throws IOException {
        return in.readBoolean();
    }

    @Override
    public int readInt() throws IOException {
        return in.readInt();
    }

    @Override
    public long readLong() throws IOException {
        return in.readLong();
    }

    @Override
    public float readFloat() throws IOException {
        return in.readFloat();
    }

    @Override
    public double readDouble() throws IOException {
        return in.readDouble();
    }

    @Override
    public void skipString() throws IOException {
        in.skipString();
    }

    @Override
    public void skipBytes() throws IOException {
        in.skipBytes();
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        in.readFixed(bytes, start, length);
    }

    @Override
    public void skipFixed(int length) throws IOException {
        in.skipFixed(length);
    }

    @Override
    public int readEnum() throws IOException {
        return in.readEnum();
    }

    @Override
    public long skipArray() throws IOException {
        return in.skipArray();
    }

    @Override
    public long skipMap() throws IOException {
        return in.skipMap();
    }

    @Override
    public int readIndex() throws IOException {
        return in.readIndex();
    }
}
