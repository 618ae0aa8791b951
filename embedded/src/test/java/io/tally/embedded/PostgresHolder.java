package io.tally.embedded;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Optional;

/**
 * A process that starts the embedded PostgreSQL on a data directory, writes a row, says {@code READY}
 * and holds the server until its stdin closes: the "earlier run" that {@link LeftoverPostgresIT} kills.
 */
public final class PostgresHolder {
    private PostgresHolder() {}

    public static void main(String[] args) throws Exception {
        PostgresServer server = PostgresServer.start(Optional.empty(), Path.of(args[0]));
        try (Connection c = server.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS survivor (note text)");
            s.execute("INSERT INTO survivor VALUES ('written before the kill')");
        }
        System.out.println("READY");
        System.out.flush();
        while (System.in.read() >= 0) {
            // hold the server until the parent closes stdin (or kills this process)
        }
        server.close();
    }
}
