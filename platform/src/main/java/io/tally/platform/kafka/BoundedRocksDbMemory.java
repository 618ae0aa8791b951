package io.tally.platform.kafka;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * The {@code rocksdb.config.setter} of every tally Streams application: all RocksDB stores of the
 * process that ask for the same bound share one block cache, and their memtables are charged to that
 * cache through one write buffer manager, so the block cache's capacity bounds RocksDB's three big
 * users of native memory together: data blocks, index and filter blocks, and memtables. This is the
 * pattern the Kafka Streams documentation gives for bounding RocksDB's memory ("Memory management",
 * RocksDB section, since 2.3.0), with the partitioned index and filters it recommends beside it
 * (RocksDB wiki, Partitioned Index/Filters).
 *
 * <p>The bound is {@value #MEMORY_BYTES_CONFIG} in the Streams properties, in bytes (a {@link Number},
 * or a string {@link #parseSize} reads such as {@code 268435456} or {@code 256MiB}); without it,
 * {@link #DEFAULT_MEMORY_BYTES}. Of it:
 *
 * <ul>
 *   <li>the block cache's capacity is the whole bound; {@value #HIGH_PRIORITY_RATIO} of it is kept for
 *       index and filter blocks (high priority, evicted after data blocks);
 *   <li>memtables may take up to half of it ({@link #memtableBytes}): the write buffer manager then
 *       asks for flushes, and what the memtables hold is reserved in the block cache, evicting data
 *       blocks; each store's memtable is {@link #writeBufferBytes} (an eighth of the share, at most
 *       Streams' default of 16 MiB), since RocksDB charges a memtable by arena blocks of an eighth of
 *       its size: with large memtables a few stores' first writes would take the whole share;
 *   <li>each store keeps at most {@value #MAX_WRITE_BUFFERS} memtables, the one written and one being
 *       flushed, so memtables whose flush lags behind the writes (a slow disk) are bounded too: at most
 *       {@code stores x 2 x writeBufferBytes} however slow the disk.
 * </ul>
 *
 * <p>What the bound does not cover: blocks pinned by open iterators and by reads in flight (the cache
 * is not strict: the Kafka docs warn that a strict limit cannot be used with memtables charged to it,
 * RocksDB issue 6247, so usage can pass the capacity by what is pinned); table readers' other memory;
 * the JVM heap (Streams' record cache, {@code statestore.cache.max.bytes}, is on the heap); direct
 * buffers; thread stacks; and the allocator's own overhead and fragmentation.
 *
 * <p>One bound per process per size: the shared cache and write buffer manager are kept per value of
 * {@value #MEMORY_BYTES_CONFIG}, created on first use and never closed (they live as long as the JVM).
 * Streams applications in one JVM with the same bound therefore share it (the all-in-one
 * {@code ./tally serve} and the demo run ledger-service and the projector in one JVM: together they
 * stay within one bound; a rebuild's replay shares the live projector's). Applications given different
 * bounds get one cache each, so a process's RocksDB total is the sum of its distinct bounds. Keying by
 * size rather than by application id keeps a process bounded however many applications it starts (a
 * live projector starting the rebuilt application id beside its own, tests starting hundreds).
 *
 * <p>Thread-safe: Kafka Streams opens stores from several stream threads; the shared objects are
 * created once per size ({@link ConcurrentHashMap#computeIfAbsent}).
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {
    /** The Streams property of the bound, in bytes: tally's own, not Kafka's. */
    public static final String MEMORY_BYTES_CONFIG = "tally.rocksdb.memory.bytes";
    /** The bound when {@value #MEMORY_BYTES_CONFIG} is not set: 256 MiB. */
    public static final long DEFAULT_MEMORY_BYTES = 256L << 20;
    /** The smallest bound accepted: 1 MiB (below it a single flush unit of the write buffer manager is most of it). */
    public static final long MIN_MEMORY_BYTES = 1L << 20;
    /**
     * The share of the block cache kept for index and filter blocks (the {@code highPriPoolRatio} of
     * {@link LRUCache}; effective with {@code cache_index_and_filter_blocks_with_high_priority}).
     */
    public static final double HIGH_PRIORITY_RATIO = 0.1;

    /**
     * The most memtables a store keeps ({@code max_write_buffer_number}): one being written, one being
     * flushed. Kafka Streams' default is 3.
     */
    public static final int MAX_WRITE_BUFFERS = 2;

    private static final Map<Long, SharedMemory> SHARED = new ConcurrentHashMap<>();
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|B|KiB|MiB|GiB|TiB)", Pattern.CASE_INSENSITIVE);

    /** One bound's cache and write buffer manager, shared by every store that asks for that bound. */
    private record SharedMemory(Cache cache, WriteBufferManager writeBufferManager) {
        static SharedMemory of(long bytes) {
            // Not strict (false): a strict limit fails reads once memtables charged to the cache fill it
            // (Kafka Streams docs, footnote 1; RocksDB issue 6247). -1: RocksDB's default shard count.
            Cache cache = new LRUCache(bytes, -1, false, HIGH_PRIORITY_RATIO);
            // No stall (false): with several stores sharing the manager, a stalled store waits for memory that
            // other, idle stores' memtables hold and never flush (measured here: a stream thread stopped after 3
            // records). The bound on memtables comes from their size instead (writeBufferBytes).
            return new SharedMemory(cache, new WriteBufferManager(memtableBytes(bytes), cache, false));
        }
    }

    /** Public, with no arguments: Kafka Streams instantiates the class it is given. */
    public BoundedRocksDbMemory() {}

    /**
     * Puts {@code storeName}'s RocksDB under the shared bound: the shared block cache with index and
     * filter blocks in it (top level pinned, high priority), partitioned index and filters, and the
     * shared write buffer manager.
     *
     * @param configs the Streams properties; {@value #MEMORY_BYTES_CONFIG} is read from them
     * @throws IllegalArgumentException if {@value #MEMORY_BYTES_CONFIG} is not a size of at least
     *     {@link #MIN_MEMORY_BYTES} (Streams then fails to open the store)
     */
    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        SharedMemory shared = shared(memoryBytes(configs));
        // The existing table config, not a new one: it keeps Streams' settings (its Bloom filter, a full
        // filter, which partitioned filters need; its block size).
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(shared.cache());
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        // Partitioned index and filters: only the small top level stays pinned; the partitions come and
        // go through the cache like data blocks, so large stores' indexes do not crowd the cache.
        table.setIndexType(IndexType.kTwoLevelIndexSearch);
        table.setPartitionFilters(true);
        options.setWriteBufferManager(shared.writeBufferManager());
        options.setWriteBufferSize(writeBufferBytes(memoryBytes(configs)));
        // One memtable being written and one being flushed: a store whose flush lags stalls its own writes
        // (waiting on its own flush, which always ends) instead of piling up immutable memtables that the
        // write buffer manager cannot flush faster. Streams' default of 3 let six stores under an 8 MiB bound
        // reach 10.3 MB of cache on a CI machine with a slower disk (BoundedRocksDbMemoryIT).
        options.setMaxWriteBufferNumber(MAX_WRITE_BUFFERS);
        options.setTableFormatConfig(table);
    }

    /** Closes nothing: the cache and the write buffer manager are shared by every store of the bound. */
    @Override
    public void close(String storeName, Options options) {}

    /**
     * The bound {@code configs} ask for: {@value #MEMORY_BYTES_CONFIG}, else {@link #DEFAULT_MEMORY_BYTES}.
     *
     * @throws IllegalArgumentException if it is set to anything but a {@link Number} or a size string, or
     *     to less than {@link #MIN_MEMORY_BYTES}
     */
    public static long memoryBytes(Map<String, ?> configs) {
        Object value = configs.get(MEMORY_BYTES_CONFIG);
        long bytes;
        if (value == null) {
            bytes = DEFAULT_MEMORY_BYTES;
        } else if (value instanceof Number n) {
            bytes = n.longValue();
        } else if (value instanceof String s) {
            bytes = parseSize(s);
        } else {
            throw new IllegalArgumentException(MEMORY_BYTES_CONFIG + " must be a number of bytes: " + value);
        }
        if (bytes < MIN_MEMORY_BYTES) {
            throw new IllegalArgumentException(MEMORY_BYTES_CONFIG + " must be at least " + MIN_MEMORY_BYTES
                    + " bytes (1MiB): " + value);
        }
        return bytes;
    }

    /**
     * The memtables' share of a bound: half. Memtables written past it are flushed (RocksDB's write
     * buffer manager flushes at 7/8 of it), the rest of the cache holding blocks read.
     */
    public static long memtableBytes(long memoryBytes) {
        return memoryBytes / 2;
    }

    /**
     * Each store's memtable size ({@code write_buffer_size}) under a bound: an eighth of the memtables'
     * share, at most 16 MiB (Kafka Streams' own default, so the default 256 MiB bound keeps it) and at
     * least 64 KiB.
     */
    public static long writeBufferBytes(long memoryBytes) {
        return Math.max(64L << 10, Math.min(16L << 20, memtableBytes(memoryBytes) / 8));
    }

    /**
     * Reads a size: a whole number of bytes, optionally followed by a binary unit ({@code B}, {@code KiB},
     * {@code MiB}, {@code GiB}, {@code TiB}; in any case, a space allowed), e.g. {@code 268435456},
     * {@code 256MiB}, {@code 1 GiB}. Decimal units ({@code MB}) are refused rather than guessed at.
     *
     * @return the size in bytes
     * @throws IllegalArgumentException if {@code text} is not such a size or does not fit a {@code long};
     *     the message says what is accepted
     */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: '" + text
                    + "' (a whole number of bytes, or with KiB, MiB, GiB or TiB, e.g. 256MiB)");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "", "b" -> 0;
            case "kib" -> 10;
            case "mib" -> 20;
            case "gib" -> 30;
            case "tib" -> 40;
            default -> throw new AssertionError(m.group(2));
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
    }

    /** {@code bytes} in the largest binary unit that divides it, e.g. {@code 256MiB}; for messages and help. */
    public static String formatSize(long bytes) {
        String[] units = {"TiB", "GiB", "MiB", "KiB"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes != 0 && bytes % (1L << shifts[i]) == 0) {
                return String.format(Locale.ROOT, "%d%s", bytes >> shifts[i], units[i]);
            }
        }
        return bytes + "B";
    }

    /**
     * A copy of {@code kafka} with {@code memoryBytes} as {@value #MEMORY_BYTES_CONFIG}, over any value it
     * had: what a command that was given {@code --rocksdb-memory} passes to the services it starts.
     *
     * @return a new mutable map
     */
    public static Map<String, Object> withBound(Map<String, ?> kafka, long memoryBytes) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(MEMORY_BYTES_CONFIG, memoryBytes);
        return props;
    }

    /**
     * Sets this setter and, where {@code streamsProperties} do not set it, the default bound: what each
     * tally service's Streams properties call.
     */
    public static void applyTo(Map<Object, Object> streamsProperties) {
        Objects.requireNonNull(streamsProperties, "streamsProperties");
        streamsProperties.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
        streamsProperties.putIfAbsent(MEMORY_BYTES_CONFIG, DEFAULT_MEMORY_BYTES);
    }

    private static SharedMemory shared(long bytes) {
        return SHARED.computeIfAbsent(bytes, SharedMemory::of);
    }
}
