package io.tally.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;

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
        long[] ids = THREADS.getAllThreadIds();
        ThreadInfo[] infos = THREADS.getThreadInfo(ids);
        long total = 0;
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] == null || !infos[i].getThreadName().contains(applicationId)) {
                continue;
            }
            long cpu = THREADS.getThreadCpuTime(ids[i]);
            total += Math.max(cpu, 0);
        }
        return total;
    }
}
