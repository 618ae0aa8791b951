package io.tally.bench;

import io.tally.embedded.EmbeddedKafka;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The entry point of the bench's child JVMs ({@link ChildJvm}); not a user's command. Roles:
 * <ul>
 *   <li>{@code broker DIR}: an embedded KRaft broker with its logs under {@code DIR}; prints
 *       {@code READY <bootstrap.servers>}.
 *   <li>{@code load BASE_URL TOKEN RATE WARMUP_S MEASURED_S DRAIN_S ACCOUNTS}: the HTTP row's open-model
 *       load ({@link OpenLoad}, credits of 100 to {@code ACCOUNTS} accounts over {@link HttpWriteClient});
 *       prints {@code READY} when its client is up, then, when done,
 *       {@code RESULT <completed> <errors> <achieved/s> <cpu ns of the run> <HdrHistogram, compressed, base64>}.
 * </ul>
 * Each runs until its standard input closes (the bench ends it so), and exits 2 on arguments it does
 * not know.
 */
public final class BenchProcess {
    private BenchProcess() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("broker")) {
            try (EmbeddedKafka broker = EmbeddedKafka.start(Path.of(args[1]))) {
                System.out.println("READY " + broker.bootstrapServers());
                System.out.flush();
                awaitEndOfInput();
            }
        } else if (args.length == 8 && args[0].equals("load")) {
            load(args[1], args[2], Integer.parseInt(args[3]), Duration.ofSeconds(Long.parseLong(args[4])),
                    Duration.ofSeconds(Long.parseLong(args[5])), Duration.ofSeconds(Long.parseLong(args[6])),
                    Integer.parseInt(args[7]));
        } else {
            System.err.println("usage: BenchProcess broker DIR | load BASE_URL TOKEN RATE WARMUP_S MEASURED_S DRAIN_S ACCOUNTS");
            System.exit(2);
        }
    }

    private static void load(String base, String token, int rate, Duration warmup, Duration measured, Duration drain,
            int accounts) throws Exception {
        try (HttpWriteClient http = new HttpWriteClient(base, token)) {
            System.out.println("READY load");
            System.out.flush();
            long cpuBeforeNs = processCpuNs();
            OpenLoad.Outcome outcome = OpenLoad.run(sequence -> HttpLatencyWorkload.credit(http, sequence, accounts), rate,
                    warmup, measured, drain);
            long cpuNs = processCpuNs() - cpuBeforeNs;
            System.out.println(String.format(Locale.ROOT, "RESULT %d %d %.3f %d %s", outcome.completed(), outcome.errors(),
                    outcome.achievedPerS(), cpuNs, encode(outcome.latency())));
            System.out.flush();
        }
        awaitEndOfInput();
    }

    private static long processCpuNs() {
        return ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime();
    }

    /** {@code histogram}, compressed, in base64: how a {@code RESULT} line carries it. */
    static String encode(Histogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length));
    }

    /** The histogram {@link #encode} wrote. */
    static Histogram decode(String base64) throws java.util.zip.DataFormatException {
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
    }

    private static void awaitEndOfInput() throws java.io.IOException {
        while (System.in.read() >= 0) {
            // the bench closes our input to stop us
        }
    }
}
