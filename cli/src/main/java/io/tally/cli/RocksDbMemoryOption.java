package io.tally.cli;

import io.tally.platform.kafka.BoundedRocksDbMemory;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --rocksdb-memory SIZE} (a picocli mixin): the bound on RocksDB's native memory for the Streams
 * applications a command runs in its process ({@link BoundedRocksDbMemory}), passed to them as
 * {@value BoundedRocksDbMemory#MEMORY_BYTES_CONFIG}. Not given, the Kafka properties' value of that key
 * applies, else {@link BoundedRocksDbMemory#DEFAULT_MEMORY_BYTES}.
 *
 * <p>Not thread-safe; picocli fills it once.
 */
public final class RocksDbMemoryOption {
    @Option(names = "--rocksdb-memory", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Bound on RocksDB's native memory, shared by every state store of this process's Streams "
                    + "applications: one block cache holding data, index and filter blocks, with the memtables charged "
                    + "to it (half at most). Not covered: blocks pinned by open iterators, the JVM heap, direct "
                    + "buffers, thread stacks. Bytes or KiB/MiB/GiB, e.g. 512MiB (default: 256MiB, or "
                    + BoundedRocksDbMemory.MEMORY_BYTES_CONFIG + " in the Kafka properties).")
    Long memoryBytes;

    /** The bound given, in bytes, or {@code null} if the option was not given. */
    public Long memoryBytes() {
        return memoryBytes;
    }

    /**
     * {@code kafka} with the bound given on the command line, else {@code kafka} unchanged.
     *
     * @return a map the caller may keep (a new one when the option was given)
     */
    public Map<String, Object> applyTo(Map<String, Object> kafka) {
        return memoryBytes == null ? kafka : BoundedRocksDbMemory.withBound(kafka, memoryBytes);
    }

    /**
     * Reads {@code SIZE} with {@link BoundedRocksDbMemory#parseSize} and refuses less than
     * {@link BoundedRocksDbMemory#MIN_MEMORY_BYTES}; picocli turns the exception into
     * {@code Invalid value for option '--rocksdb-memory': ...} and exit code 2.
     */
    public static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long bytes;
            try {
                bytes = BoundedRocksDbMemory.parseSize(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
            if (bytes < BoundedRocksDbMemory.MIN_MEMORY_BYTES) {
                throw new TypeConversionException("'" + value + "' is below the least bound, "
                        + BoundedRocksDbMemory.formatSize(BoundedRocksDbMemory.MIN_MEMORY_BYTES));
            }
            return bytes;
        }
    }
}
