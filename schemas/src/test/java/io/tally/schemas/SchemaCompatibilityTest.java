package io.tally.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every schema in {@code src/main/avro} must stay both backward compatible (the new reader reads
 * records the last release wrote) and forward compatible (the last release's reader reads records
 * the new writer writes) with its previous released version, by Avro's own
 * {@link SchemaCompatibility} (DESIGN.md, Serialization). Release 1 is the baseline.
 */
class SchemaCompatibilityTest {
    private static final Path SOURCES = Path.of("src/main/avro");

    @TestFactory
    Stream<DynamicTest> everySchemaIsCompatibleWithItsLastRelease() throws IOException {
        Map<String, Schema> current = currentSchemas();
        int lastRelease = ReleasedSchemas.RELEASES.get(ReleasedSchemas.RELEASES.size() - 1);
        Map<String, Schema> released = ReleasedSchemas.all(lastRelease);
        return current.values().stream().map(schema -> DynamicTest.dynamicTest(schema.getFullName(), () -> {
            Schema previous = released.get(schema.getFullName());
            if (previous == null) {
                return; // new in this version: nothing to be compatible with yet
            }
            assertCompatible(schema, previous, "backward (new reader, released writer)");
            assertCompatible(previous, schema, "forward (released reader, new writer)");
        }));
    }

    @Test
    void theBaselineReleaseHasEverySchema() throws IOException {
        assertThat(ReleasedSchemas.all(1).keySet()).containsAll(currentSchemas().keySet());
    }

    @Test
    void theCheckCatchesAnIncompatibleChange() {
        Schema released = ReleasedSchemas.find(1, "io.tally.avro.AccountBalance").orElseThrow();
        // A new required field without a default: new readers cannot read released records.
        String broken = released.toString().replace("\"fields\":[",
                "\"fields\":[{\"name\":\"mandatory\",\"type\":\"long\"},");
        Schema newer = new Schema.Parser().parse(broken);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(newer, released).getType())
                .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    private static void assertCompatible(Schema reader, Schema writer, String direction) {
        SchemaCompatibility.SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        assertThat(result.getType()).as("%s %s: %s", reader.getFullName(), direction, result.getDescription())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    private static Map<String, Schema> currentSchemas() throws IOException {
        // Parse in the baseline's dependency order, then any new files.
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(SOURCES)) {
            s.filter(p -> p.toString().endsWith(".avsc")).sorted().forEach(files::add);
        }
        files.sort((a, b) -> Boolean.compare(!a.endsWith("LedgerResult.avsc"), !b.endsWith("LedgerResult.avsc")));
        Schema.Parser parser = new Schema.Parser();
        Map<String, Schema> byName = new java.util.LinkedHashMap<>();
        for (Path file : files) {
            Schema schema = parser.parse(file.toFile());
            byName.put(schema.getFullName(), schema);
        }
        return byName;
    }
}
