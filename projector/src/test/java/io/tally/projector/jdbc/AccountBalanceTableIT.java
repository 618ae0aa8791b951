package io.tally.projector.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.embedded.PostgresServer;
import io.tally.embedded.testing.TestInfrastructure;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AccountBalanceTable#upsert} and {@link AccountBalanceTable#upsertListingMoved}, the cache sink's
 * one-statement write, on the real PostgreSQL of
 * {@link TestInfrastructure}: the version guard row by row inside one statement, exact values, and all
 * or nothing.
 */
class AccountBalanceTableIT {
    private Jdbi jdbi;

    @BeforeEach
    void setUp() {
        var database = PostgresServer.dataSource(TestInfrastructure.get().newDatabase("balance_table"));
        ProjectorSchema.migrate(database);
        jdbi = Jdbi.create(database).installPlugin(new SqlObjectPlugin());
    }

    @Test
    void oneStatementMovesEachRowForwardOnlyAndSaysWhichMoved() {
        upsert(row("older", 5, 500), row("same", 5, 500), row("newer", 5, 500));

        List<String> moved = upsert(row("older", 4, 400), row("same", 5, 555), row("newer", 6, 600), row("new", 1, 100));

        assertThat(moved).as("inserted or moved forward").containsExactlyInAnyOrder("newer", "new");
        assertThat(byAccount()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "older", row("older", 5, 500), // an older version never overwrites a newer one
                "same", row("same", 5, 500), // nor does the same version with other amounts
                "newer", row("newer", 6, 600),
                "new", row("new", 1, 100)));
    }

    @Test
    void keepsEveryValueExactlyAsGiven() {
        CachedBalance extreme = new CachedBalance("acct:ü 'quoted' {braces} \"dq\" \\ ,", "BTC", 8, Long.MAX_VALUE,
                Long.MIN_VALUE, Long.MAX_VALUE, "e,{\"1\"}", Instant.parse("2026-12-04T13:05:41.123456Z"));
        CachedBalance empty = new CachedBalance("", "", 0, 0, 0, 1, "", Instant.EPOCH);
        CachedBalance beforeEpoch = new CachedBalance("NULL", "CZK", 2, -1, 1, 2, "NULL",
                Instant.parse("1969-07-20T20:17:40.000001Z"));

        assertThat(upsert(extreme, empty, beforeEpoch)).hasSize(3);

        assertThat(byAccount()).containsExactlyInAnyOrderEntriesOf(
                Map.of(extreme.accountId(), extreme, "", empty, "NULL", beforeEpoch));
    }

    @Test
    void aRefusedRowWritesNoneOfTheStatement() {
        assertThatThrownBy(() -> upsert(row("good", 1, 1), row("bad\u0000nul", 1, 1)))
                .isInstanceOf(UnableToExecuteStatementException.class)
                .satisfies(e -> assertThat(WriteFailure.of(e).sqlState()).isEqualTo("22021"));
        assertThatThrownBy(() -> upsert(row("good", 1, 1), row("version zero", 0, 1)))
                .satisfies(e -> assertThat(WriteFailure.of(e).sqlState()).isEqualTo("23514"));

        assertThat(byAccount()).isEmpty();
    }

    @Test
    void twoRowsOfOneAccountAreRefusedBeforeTheDatabaseIsAsked() {
        assertThatThrownBy(() -> upsert(row("a", 1, 1), row("a", 2, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a'");
        assertThat(byAccount()).isEmpty();
    }

    @Test
    void writesAPollOfFiveThousandRows() {
        List<CachedBalance> rows = new ArrayList<>();
        for (int i = 0; i < BalanceCacheSink.MAX_POLL_RECORDS; i++) {
            rows.add(row("acct-" + i, 1 + i % 7, i));
        }

        int written = jdbi.withExtension(AccountBalanceTable.class, t -> t.upsert(rows));
        int replayed = jdbi.withExtension(AccountBalanceTable.class, t -> t.upsert(rows));

        assertThat(written).isEqualTo(rows.size());
        assertThat(replayed).as("a replay moves nothing").isZero();
        assertThat(byAccount()).hasSize(rows.size()).containsEntry("acct-4999", rows.get(4999));
    }

    private List<String> upsert(CachedBalance... rows) {
        return jdbi.inTransaction(h -> h.attach(AccountBalanceTable.class).upsertListingMoved(List.of(rows)));
    }

    private Map<String, CachedBalance> byAccount() {
        Map<String, CachedBalance> rows = new HashMap<>();
        jdbi.withExtension(AccountBalanceTable.class, AccountBalanceTable::findAll).forEach(r -> rows.put(r.accountId(), r));
        return rows;
    }

    private static CachedBalance row(String accountId, long version, long availableMinor) {
        return new CachedBalance(accountId, "CZK", 2, availableMinor, version * 10, version, accountId + ":" + version,
                Instant.ofEpochMilli(1_700_000_000_123L + version));
    }
}
