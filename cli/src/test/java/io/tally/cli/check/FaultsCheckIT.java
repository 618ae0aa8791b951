package io.tally.cli.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short form of {@code ./tally check faults} that CI runs (issue 20, item 6): three brokers, two
 * instances of each service and PostgreSQL, each its own process, one fault of each kind mid-load,
 * and the audit after every phase.
 */
class FaultsCheckIT {
    @TempDir
    Path dir;

    @Test
    void everyFaultOfTheShortRunLosesNothingAndEveryViewAgrees() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        List<FaultsCheck.Phase> phases = new FaultsCheck(new FaultsCheck.Settings(dir.resolve("faults"), 30, 1, 32, 50),
                new PrintStream(new TeeStream(out, System.out), true, StandardCharsets.UTF_8)).run();

        String table = printed.toString(StandardCharsets.UTF_8);
        assertThat(phases).extracting(FaultsCheck.Phase::name).containsExactly("kill -9 ledger-1", "kill -9 projector-0",
                "kill -9 lead broker", "PostgreSQL stop/start");
        for (FaultsCheck.Phase phase : phases) {
            assertThat(phase.audit().violations()).as("%s\n%s", phase.name(), table).isEmpty();
            assertThat(phase.counts().get("unresolved")).as(phase.name()).isZero();
            assertThat(phase.counts().get("201")).as("%s: writes were accepted through the fault", phase.name()).isPositive();
            assertThat(phase.failoverS()).as("%s: writes were accepted after the fault", phase.name()).isFinite();
        }
        assertThat(phases.get(phases.size() - 1).audit().accounts()).isEqualTo(50);
        assertThat(table).contains("every phase held");
    }

    /** Writes to two streams: the assertion's copy and the build log. */
    private static final class TeeStream extends java.io.OutputStream {
        private final PrintStream a;
        private final PrintStream b;

        TeeStream(PrintStream a, PrintStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] bytes, int off, int len) {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }
    }
}
