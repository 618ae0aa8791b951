package io.tally.demo;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The one directory that holds everything a local tally keeps: {@code kafka/} (the embedded
 * broker's logs), {@code postgres/} (the embedded database), {@code streams/} (state stores),
 * {@code generated/} (a generated history), reports and {@code tally.log}. Default:
 * {@code $TALLY_DATA_DIR}, else {@code ~/.tally}; a second run on the same directory resumes,
 * {@code --fresh} starts over.
 */
public final class DataDirectory {
    /** The environment variable naming the data directory. */
    public static final String ENV = "TALLY_DATA_DIR";

    private DataDirectory() {}

    /** {@code $TALLY_DATA_DIR} or {@code ~/.tally}. */
    public static Path defaultPath() {
        String env = System.getenv(ENV);
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".tally");
    }

    /**
     * Deletes {@code dir} and everything in it (for {@code --fresh}).
     *
     * @throws IOException if something cannot be deleted
     */
    public static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
