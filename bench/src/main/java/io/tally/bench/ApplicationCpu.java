package io.tally.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * CPU time of one Streams application's own threads (stream threads, their producers, the state
 * updater, the heartbeat thread: every live thread whose name holds the application id), the steadier
 * figure on a shared machine than wall time. Read it before the application closes: its threads' CPU
 * time goes with them.
 *
 * <p>Thread-safe: stateless.
 */
final class ApplicationCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ApplicationCpu() {}

    /** CPU nanoseconds so far of the live threads whose name contains {@code applicationId}. */
    static long nanos(String applicationId) {
        return byPart(name -> name.contains(applicationId) ? applicationId : null).getOrDefault(applicationId, 0L);
    }

    /**
     * CPU nanoseconds so far of the live threads, summed by the part {@code partOf} names for each thread
     * name ({@code null}: counted in no part). A thread that has ended counts nowhere.
     */
    static Map<String, Long> byPart(Function<String, String> partOf) {
        Map<String, Long> byPart = new HashMap<>();
        long[] ids = THREADS.getAllThreadIds();
        ThreadInfo[] infos = THREADS.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            long cpu = THREADS.getThreadCpuTime(ids[i]);
            String part = infos[i] == null || cpu < 0 ? null : partOf.apply(infos[i].getThreadName());
            if (part != null) {
                byPart.merge(part, cpu, Long::sum);
            }
        }
        return byPart;
    }
}
