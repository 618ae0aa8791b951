package io.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.platform.kafka.BoundedRocksDbMemory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code --rocksdb-memory}: the sizes it reads, the ones it refuses and what reaches the Streams properties. */
class RocksDbMemoryOptionTest {
    @Command(name = "probe")
    static final class Probe implements Runnable {
        @Mixin
        RocksDbMemoryOption option = new RocksDbMemoryOption();

        @Override
        public void run() {}
    }

    @ParameterizedTest
    @CsvSource({"256MiB, 268435456", "1GiB, 1073741824", "1 gib, 1073741824", "268435456, 268435456",
            "1048576B, 1048576", "4096KiB, 4194304"})
    void readsBytesAndBinaryUnits(String size, long bytes) {
        Probe probe = new Probe();
        new CommandLine(probe).parseArgs("--rocksdb-memory", size);
        assertThat(probe.option.memoryBytes()).isEqualTo(bytes);
        assertThat(probe.option.applyTo(Map.of("bootstrap.servers", "b:9092")))
                .containsEntry(BoundedRocksDbMemory.MEMORY_BYTES_CONFIG, bytes)
                .containsEntry("bootstrap.servers", "b:9092");
    }

    @ParameterizedTest
    @ValueSource(strings = {"256MB", "lots", "-1", "1.5GiB", "512KiB", "0", "99999999999TiB"})
    void refusesWhatIsNotASizeOrBelowTheLeastBoundWithPicocliUsageError(String size) {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Probe()).setErr(new PrintWriter(err));
        int exit = cli.execute("--rocksdb-memory", size);
        assertThat(exit).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("Invalid value for option '--rocksdb-memory'").contains(size);
    }

    @Test
    void notGivenLeavesTheKafkaPropertiesAndSoTheDefaultBound() {
        Probe probe = new Probe();
        new CommandLine(probe).parseArgs();
        Map<String, Object> kafka = Map.of("bootstrap.servers", "b:9092");
        assertThat(probe.option.applyTo(kafka)).isSameAs(kafka);
        assertThat(BoundedRocksDbMemory.memoryBytes(kafka)).isEqualTo(256L << 20);
        assertThat(BoundedRocksDbMemory.memoryBytes(Map.of(BoundedRocksDbMemory.MEMORY_BYTES_CONFIG, "1GiB")))
                .as("a size string in a Kafka properties file").isEqualTo(1L << 30);
    }
}
