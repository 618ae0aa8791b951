package io.tally.reconciler.jdbc;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The reconciler's PostgreSQL tables ({@code reconciliation_runs}, {@code reconciliation_discrepancies},
 * {@code balance_corrections_applied}), managed by Flyway migrations under
 * {@code db/migration/reconciler} with their own history table, as the projector's are.
 *
 * <p>Thread-safe: Flyway serializes concurrent migrations with a database lock.
 */
public final class ReconcilerSchema {
    /** Flyway's history table for the reconciler's migrations. */
    public static final String HISTORY_TABLE = "flyway_history_reconciler";

    private ReconcilerSchema() {}

    /**
     * Applies pending migrations.
     *
     * @throws org.flywaydb.core.api.FlywayException if a migration fails or the applied ones differ
     *     from the shipped ones
     */
    public static void migrate(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration/reconciler")
                .table(HISTORY_TABLE)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }
}
