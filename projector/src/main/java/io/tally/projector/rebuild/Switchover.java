package io.tally.projector.rebuild;

import io.tally.avro.AccountBalance;
import io.tally.projector.jdbc.AccountBalanceTable;
import io.tally.projector.jdbc.CachedBalance;
import io.tally.projector.jdbc.LiveApplicationTable;
import java.util.List;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a rebuild changes once it has compared: readers moved to the rebuilt projection (the
 * compare-and-set of {@link LiveApplicationTable}) when it agrees, and, when asked, the
 * {@code account_balances} rows refilled from it.
 *
 * <p>Thread-safe: stateless; each call uses connections of its own.
 */
final class Switchover {
    // The rebuild's own logger, so that its log lines keep one name.
    private static final Logger log = LoggerFactory.getLogger(ProjectionRebuild.class);
    private static final int REFILL_BATCH = 1_000;

    private Switchover() {}

    /**
     * Moves readers from {@code live} to {@code rebuilt} if no row differs and {@code switchWhenEqual}.
     *
     * @param differences how many rows differ ({@link TableComparison#count})
     * @return whether readers were switched: {@code false} if a row differs, the switch was not asked
     *     for, or the live id moved meanwhile (another rebuild switched first)
     */
    static boolean switchReaders(DataSource database, String live, String rebuilt, int differences,
            boolean switchWhenEqual) {
        if (differences > 0) {
            log.warn("rebuild {} differs from {} in {} rows; {} stays live", rebuilt, live, differences, live);
            return false;
        }
        if (!switchWhenEqual) {
            return false;
        }
        boolean switched = LiveApplicationTable.switchTo(database, rebuilt, live);
        log.info("rebuild {} agrees with {}: readers {}switched", rebuilt, live,
                switched ? "" : "NOT (the live id moved meanwhile) ");
        return switched;
    }

    /**
     * Writes {@code balances} into {@code account_balances}, overwriting rows of the same or an older
     * version ({@link AccountBalanceTable#refill}), {@value #REFILL_BATCH} rows a batch.
     *
     * @return rows written
     */
    static int refillCache(DataSource database, List<AccountBalance> balances) {
        Jdbi jdbi = Jdbi.create(database).installPlugin(new SqlObjectPlugin());
        int written = 0;
        for (int from = 0; from < balances.size(); from += REFILL_BATCH) {
            List<CachedBalance> rows = balances.subList(from, Math.min(balances.size(), from + REFILL_BATCH)).stream()
                    .map(CachedBalance::of).toList();
            for (int n : jdbi.withExtension(AccountBalanceTable.class, t -> t.refill(rows))) {
                written += n;
            }
        }
        return written;
    }
}
