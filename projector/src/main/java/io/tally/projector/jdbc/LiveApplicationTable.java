package io.tally.projector.jdbc;

import java.util.Optional;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/**
 * The {@code projector_live_application} row (migration {@code V2}): which projector application id
 * readers use. {@code ./tally rebuild} moves it to a rebuilt projection that agrees with the live one;
 * projector instances run the application id it names and follow a change while running
 * ({@link io.tally.projector.kafka.LiveProjector}).
 *
 * <p>Thread-safe: stateless; each call uses its own connection.
 */
public final class LiveApplicationTable {
    private LiveApplicationTable() {}

    /** The live application id, or empty if no rebuild ever switched (the default id is live). */
    public static Optional<String> current(DataSource dataSource) {
        return Jdbi.create(dataSource).withHandle(h -> h.createQuery(
                "SELECT application_id FROM projector_live_application WHERE id = 1").mapTo(String.class).findOne());
    }

    /**
     * Makes {@code applicationId} the live one, if {@code expectedLive} still is (compare-and-set, so two
     * rebuilds cannot both switch from the same projection).
     *
     * @return whether it switched
     */
    public static boolean switchTo(DataSource dataSource, String applicationId, String expectedLive) {
        return Jdbi.create(dataSource).inTransaction(h -> {
            Optional<String> live = h.createQuery(
                    "SELECT application_id FROM projector_live_application WHERE id = 1 FOR UPDATE")
                    .mapTo(String.class).findOne();
            if (live.isPresent() && !live.get().equals(expectedLive)) {
                return false;
            }
            h.createUpdate("""
                    INSERT INTO projector_live_application (id, application_id, previous_application_id, switched_at)
                    VALUES (1, :id, :previous, now())
                    ON CONFLICT (id) DO UPDATE SET application_id = EXCLUDED.application_id,
                        previous_application_id = EXCLUDED.previous_application_id, switched_at = now()""")
                    .bind("id", applicationId).bind("previous", expectedLive).execute();
            return true;
        });
    }
}
