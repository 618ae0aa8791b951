package io.tally.schemas;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * The schemas of earlier releases, shipped as resources under
 * {@code io/tally/schemas/released/<release>/} (each folder has an {@code index.txt} listing its
 * files). Readers resolve a record's fingerprint against these, so data written by an older
 * release stays readable; the build checks every current schema against the newest release.
 *
 * <p>To release: copy {@code src/main/avro/*.avsc} into a new folder {@code released/<n+1>/},
 * list them in its {@code index.txt}, and add {@code n+1} to {@link #RELEASES}.
 *
 * <p>Thread-safe: immutable after class initialization.
 */
public final class ReleasedSchemas {
    /** Releases, oldest first. Release 1 is the baseline. */
    public static final List<Integer> RELEASES = List.of(1);

    private ReleasedSchemas() {}

    /**
     * Every released version of the record named {@code fullName}, oldest first.
     *
     * @param fullName the record's full name, e.g. {@code io.tally.avro.LedgerEvent}
     */
    public static List<Schema> versionsOf(String fullName) {
        List<Schema> versions = new ArrayList<>();
        for (int release : RELEASES) {
            find(release, fullName).ifPresent(versions::add);
        }
        return versions;
    }

    /** The record named {@code fullName} as it was in {@code release}, if that release had it. */
    public static Optional<Schema> find(int release, String fullName) {
        return Optional.ofNullable(all(release).get(fullName));
    }

    /**
     * Every record of {@code release} by full name. The release's {@code index.txt} lists its files in
     * dependency order (a record after those it references), so one parser resolves them all.
     */
    public static Map<String, Schema> all(int release) {
        Schema.Parser parser = new Schema.Parser();
        Map<String, Schema> byName = new LinkedHashMap<>();
        for (String file : files(release)) {
            Schema schema = parser.parse(read(release, file));
            byName.put(schema.getFullName(), schema);
        }
        return byName;
    }

    private static List<String> files(int release) {
        List<String> files = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                open(release, "index.txt"), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.endsWith(".avsc")) {
                    files.add(line.strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    private static String read(int release, String file) {
        try (InputStream in = open(release, file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream open(int release, String file) {
        String path = "released/" + release + "/" + file;
        InputStream in = ReleasedSchemas.class.getResourceAsStream(path);
        if (in == null) {
            throw new IllegalStateException("missing schema resource io/tally/schemas/" + path);
        }
        return in;
    }
}
