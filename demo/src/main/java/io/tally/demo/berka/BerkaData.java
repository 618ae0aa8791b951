package io.tally.demo.berka;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the Berka data set beside the project: {@code $TALLY_BERKA_DIR} if set, else
 * {@code ../shared/data/berka} next to the project's root (the root is the system property
 * {@code tally.home}, set by {@code ./tally}, or the nearest folder up from the working directory
 * that has one). The data is read from there, never copied into the project.
 *
 * <p>Thread-safe: stateless.
 */
public final class BerkaData {
    /** The environment variable naming the data folder. */
    public static final String DIR_ENV = "TALLY_BERKA_DIR";

    private BerkaData() {}

    /** Where the data set should be: the configured or conventional folder (it may not exist). */
    public static Path defaultDirectory() {
        String configured = System.getenv(DIR_ENV);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String home = System.getProperty("tally.home");
        Path start = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
        for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared").resolve("data").resolve("berka");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return start.toAbsolutePath().resolveSibling("shared").resolve("data").resolve("berka");
    }

    /**
     * The transactions file in {@code dir}: {@code trans.asc}, {@code trans.asc.gz}, or the first
     * {@code trans*.asc[.gz]} (the shared copy is {@code trans-1993-01-01_1994-10-30.asc.gz}).
     */
    public static Optional<Path> transactionsFile(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        for (String name : new String[] {"trans.asc", "trans.asc.gz"}) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return Optional.of(dir.resolve(name));
            }
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "trans*.asc*")) {
            for (Path f : files) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** What to tell a user who has no data set. */
    public static String howToGetIt(Path expectedDir) {
        return "The Berka data set (PKDD'99 Discovery Challenge financial data, public) was not found in "
                + expectedDir + ".\n"
                + "  To run on the real bank: download the PKDD'99 financial data set (files trans.asc and account.asc;\n"
                + "  public copies are on GitHub, e.g. bmtgoncalves/blockchain notebooks/data/trans.asc.gz) and put the\n"
                + "  files in " + expectedDir + ", or point " + DIR_ENV + " or --transactions at them.\n"
                + "  Running on a GENERATED history in the same format instead.";
    }
}
