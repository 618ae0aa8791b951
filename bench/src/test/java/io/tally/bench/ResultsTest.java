package io.tally.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResultsTest {
    @Test
    void theRatioIsTheSubjectsRateOverTheBaselines() {
        Row row = Row.throughput("write path", 10_000, 2.0, 10_000, ">= 0.5x baseline", true, "best of 2");

        assertThat(row.recordsPerSecond()).isEqualTo(5_000);
        assertThat(row.ratio()).isEqualTo(0.5);
    }

    @Test
    void aRowWithoutBaselineOrLatencyShowsDashesAndWritesNulls() {
        Row row = Row.throughput("memory: projector", 1_000, 1.0, Double.NaN, "", null, "").withHeapMb(42);

        String table = Results.table(List.of(row));

        assertThat(table.lines().toList()).hasSize(2);
        assertThat(table.lines().toList().get(1)).contains("memory: projector", "1,000", "1,000", "42").contains(" - ");
        assertThat(Results.fields(row)).containsEntry("ratio", null).containsEntry("p99Ms", null)
                .containsEntry("heapMb", 42.0).containsEntry("met", null);
    }
}
