package io.tally.projector.jdbc;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The projector's PostgreSQL tables, managed by Flyway migrations under
 * {@code db/migration/projector} with their own history table, so each service migrates only what
 * it owns.
 *
 * <p>Thread-safe: Flyway serializes concurrent migrations with a database lock.
 */
public final class ProjectorSchema {
    /** Flyway's history table for the projector's migrations. */
    public static final String HISTORY_TABLE = "flyway_history_projector";

    private ProjectorSchema() {}

    /**
     * Applies pending migrations.
     *
     * @throws org.flywaydb.core.api.FlywayException if a migration fails or the applied ones differ
     *     from the shipped ones
     */
    public static void migrate(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration/projector")
                .table(HISTORY_TABLE)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }
}
