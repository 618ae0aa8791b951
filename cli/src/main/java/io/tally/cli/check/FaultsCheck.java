package io.tally.cli.check;

import io.tally.cli.check.BankWorkload.Sent;
import io.tally.cli.check.FaultStack.Instance;
import io.tally.cli.check.FaultStack.Kind;
import io.tally.client.WriteOutcome;
import io.tally.schemas.TopicNames;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import org.HdrHistogram.Histogram;

/**
 * The fault scenarios of issue 20, item 3: the {@link FaultStack} (three brokers, two instances of each
 * service, PostgreSQL, each its own process) under the {@link BankWorkload}, one fault per phase, in
 * the middle of the load, each phase followed by a {@link LedgerAudit} of everything so far.
 *
 * <p>A phase of {@code T} seconds: load for T/3; the fault; T/3 more; the recovery (restart of what was
 * killed or stopped); T/3 more; the clients stop after resolving what they sent; the audit waits for the
 * views to agree. Figures per phase: requests and their answers, failover (from the fault to the last
 * ledger partition's first accepted write sent after it: the time until every account can be written
 * again), write p99 (from first send to outcome, resends included), recovery (from the restart until the
 * restarted part answers).
 *
 * <p>Not thread-safe: one run per instance.
 */
final class FaultsCheck {
    /** One fault of a phase, and how it is undone. */
    enum Fault {
        LEDGER_KILL("kill -9 ledger-1"),
        PROJECTOR_KILL("kill -9 projector-0"),
        BROKER_KILL("kill -9 lead broker"),
        POSTGRES_RESTART("PostgreSQL stop/start");

        final String label;

        Fault(String label) {
            this.label = label;
        }
    }

    /**
     * @param phaseSeconds the length of each phase's load
     * @param rounds how many times each fault is run
     * @param clients concurrent client threads
     * @param accounts accounts of the bank
     */
    record Settings(Path directory, int phaseSeconds, int rounds, int clients, int accounts) {}

    /** One phase's figures and audit. */
    record Phase(String name, Map<String, Long> counts, double failoverS, double p99Ms, double recoveryS,
            LedgerAudit.Report audit) {}

    private final Settings settings;
    private final PrintStream out;

    FaultsCheck(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /**
     * Runs every phase and prints the table.
     *
     * @return the phases, each with its audit (violations empty when the phase held)
     */
    List<Phase> run() throws Exception {
        out.printf("starting 3 Kafka brokers, PostgreSQL, 2 ledger-service and 2 projector instances (each its own"
                + " JVM) under %s%n", settings.directory());
        List<Phase> phases = new ArrayList<>();
        try (FaultStack stack = FaultStack.start(settings.directory(), 3, 2)) {
            List<String> ledgers = stack.instances(Kind.LEDGER).stream().map(Instance::apiUrl).toList();
            List<String> projectors = stack.instances(Kind.PROJECTOR).stream().map(Instance::apiUrl).toList();
            BankWorkload bank = new BankWorkload(ledgers, stack.token(), settings.accounts(), settings.clients(),
                    FaultStack.PARTITIONS);
            LedgerAudit audit = new LedgerAudit(stack.bootstrapServers(), TopicNames.defaults(FaultStack.PARTITIONS),
                    stack.jdbcUrl(), projectors, stack.token());
            out.printf("stack up (bootstrap %s); opening %d accounts%n", stack.bootstrapServers(), settings.accounts());
            bank.openAccounts();
            for (int round = 1; round <= settings.rounds(); round++) {
                for (Fault fault : Fault.values()) {
                    String name = fault.label + (settings.rounds() > 1 ? " #" + round : "");
                    Phase phase = phase(stack, bank, audit, fault, name, "r" + round + "-" + fault.ordinal());
                    phases.add(phase);
                    out.printf("%s: %d requests, failover %.2f s, p99 %.0f ms, recovery %.2f s, %s%n", name,
                            phase.counts().get("requests"), phase.failoverS(), phase.p99Ms(), phase.recoveryS(),
                            phase.audit().violations().isEmpty() ? "audit held (" + phase.audit().events() + " events)"
                                    : phase.audit().violations().size() + " violations");
                    phase.audit().violations().forEach(v -> out.println("  VIOLATION " + v));
                    if (!stack.notRunning().isEmpty()) {
                        out.println("  not running: " + stack.notRunning() + "; logs: " + stack.logs());
                    }
                }
            }
        }
        print(phases);
        return phases;
    }

    private Phase phase(FaultStack stack, BankWorkload bank, LedgerAudit audit, Fault fault, String name, String keys)
            throws Exception {
        long third = settings.phaseSeconds() * 1000L / 3;
        long phaseStartNs = System.nanoTime();
        BankWorkload.Run run = bank.start(keys);
        Thread.sleep(third);
        long faultNs = System.nanoTime();
        Instance ledger = stack.instances(Kind.LEDGER).get(1);
        Instance projector = stack.instances(Kind.PROJECTOR).get(0);
        int broker = fault == Fault.BROKER_KILL ? stack.brokerLeadingMostPartitions() : -1;
        switch (fault) {
            case LEDGER_KILL -> stack.kill(ledger);
            case PROJECTOR_KILL -> stack.kill(projector);
            case BROKER_KILL -> stack.killBroker(broker);
            case POSTGRES_RESTART -> stack.stopPostgres();
        }
        Thread.sleep(third);
        Duration recovery = switch (fault) {
            case LEDGER_KILL -> stack.restart(ledger);
            case PROJECTOR_KILL -> stack.restart(projector);
            case BROKER_KILL -> stack.restartBrokers();
            case POSTGRES_RESTART -> stack.startPostgres();
        };
        Thread.sleep(third);
        run.stop();
        List<Sent> all = bank.sent();
        List<Sent> mine = all.stream().filter(s -> s.startNs() >= phaseStartNs).toList();
        LedgerAudit.Report report = audit.await(all, bank.accountIds(), Duration.ofMinutes(3));
        return new Phase(name, counts(mine), failoverSeconds(bank, mine, faultNs), p99Ms(mine),
                recovery.toNanos() / 1e9, report);
    }

    /** Requests and their answers: 201, 200 (replayed), 409, 422, 202 and failed answers seen, unresolved. */
    static Map<String, Long> counts(List<Sent> sent) {
        Map<String, Long> c = new HashMap<>();
        for (String k : List.of("requests", "201", "200", "409", "422", "202", "errors", "unresolved")) {
            c.put(k, 0L);
        }
        for (Sent s : sent) {
            c.merge("requests", 1L, Long::sum);
            c.merge("202", (long) s.pendingAnswers(), Long::sum);
            c.merge("errors", (long) s.failedAnswers(), Long::sum);
            if (!s.resolved()) {
                c.merge("unresolved", 1L, Long::sum);
            } else if (s.outcome() instanceof WriteOutcome.Accepted a) {
                c.merge(a.replayed() ? "200" : "201", 1L, Long::sum);
            } else if (s.outcome() instanceof WriteOutcome.Rejected r) {
                c.merge("IDEMPOTENCY_KEY_REUSED".equals(r.code()) ? "409" : "422", 1L, Long::sum);
            }
        }
        return c;
    }

    /**
     * From the fault until every partition of {@code ledger.requests} that had writes has one accepted
     * write that was sent after the fault: the time until every account could be written again.
     */
    static double failoverSeconds(BankWorkload bank, List<Sent> sent, long faultNs) {
        Map<Integer, Long> firstEnd = new HashMap<>();
        for (Sent s : sent) {
            if (s.startNs() >= faultNs && s.outcome() instanceof WriteOutcome.Accepted) {
                firstEnd.merge(bank.partitionOf(s.accountId()), s.endNs(), Math::min);
            }
        }
        OptionalDouble last = firstEnd.values().stream().mapToDouble(end -> (end - faultNs) / 1e9).max();
        return last.orElse(Double.NaN);
    }

    /** The 99th percentile of first send to outcome, in ms. */
    static double p99Ms(List<Sent> sent) {
        Histogram h = new Histogram(Duration.ofMinutes(10).toMillis() * 1000, 3);
        sent.forEach(s -> h.recordValue(Math.max(0, (s.endNs() - s.startNs()) / 1000)));
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(99) / 1000.0;
    }

    private void print(List<Phase> phases) {
        out.println();
        String header = String.format(Locale.ROOT, "%-28s %8s %7s %5s %5s %6s %5s %6s %10s %11s %9s %10s %10s",
                "phase", "requests", "201", "200", "409", "422", "202", "errors", "unresolved", "failover s",
                "p99 ms", "recovery s", "violations");
        out.println(header);
        for (Phase p : phases) {
            Map<String, Long> c = p.counts();
            out.println(String.format(Locale.ROOT, "%-28s %8d %7d %5d %5d %6d %5d %6d %10d %11.2f %9.0f %10.2f %10d",
                    p.name(), c.get("requests"), c.get("201"), c.get("200"), c.get("409"), c.get("422"), c.get("202"),
                    c.get("errors"), c.get("unresolved"), p.failoverS(), p.p99Ms(), p.recoveryS(),
                    p.audit().violations().size()));
        }
        long bad = phases.stream().mapToLong(p -> p.audit().violations().size()).sum();
        out.println(bad == 0 ? "every phase held: 0 lost, 0 duplicated, 0 overdrawn, conservation exact, all views equal"
                : bad + " violations (listed above)");
    }
}
