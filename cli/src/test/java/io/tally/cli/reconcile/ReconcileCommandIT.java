package io.tally.cli.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.cli.OperatorCommands;
import io.tally.embedded.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tally reconcile} as an operator runs it, after {@code tally demo} filled the ledger (its own
 * embedded broker in the data directory, a fresh database): exit codes, a planted drift found and
 * fixed, and an authoritative statement that corrects the ledger.
 */
class ReconcileCommandIT {
    @TempDir
    Path dir;

    private OperatorCommands commands;

    @Test
    void findsFixesAndAuditsDriftAndFollowsAnAuthoritativeStatement() throws Exception {
        commands = OperatorCommands.afterDemo(dir, 20, "reconcile");
        Jdbi jdbi = Jdbi.create(PostgresServer.dataSource(commands.jdbcUrl()));
        List<String> accounts = jdbi.withHandle(h -> h.createQuery(
                "SELECT account_id FROM account_balances ORDER BY account_id COLLATE \"C\"").mapTo(String.class).list());
        assertThat(accounts).hasSize(20);

        OperatorCommands.Run clean = reconcile("--format", "json");
        assertThat(clean.exitCode()).isZero();
        assertThat(clean.json().at("/counts/IN_SYNC").asLong()).isEqualTo(20);

        // Behind the projector's back: 3.00 CZK more in one cached balance (WARN).
        String planted = accounts.get(7);
        long before = available(jdbi, planted);
        jdbi.useHandle(h -> h.createUpdate("UPDATE account_balances SET available_minor = available_minor + 300 WHERE account_id = :id")
                .bind("id", planted).execute());

        OperatorCommands.Run dry = reconcile("--dry-run", "--format", "json");
        assertThat(dry.exitCode()).isEqualTo(1);
        assertThat(dry.json().at("/counts/DRIFT").asLong()).isEqualTo(1);
        assertThat(dry.json().at("/driftByTier/WARN").asLong()).isEqualTo(1);
        assertThat(dry.json().at("/largestDiscrepancies/0/accountId").asText()).isEqualTo(planted);
        assertThat(available(jdbi, planted)).isEqualTo(before + 300);

        OperatorCommands.Run fix = reconcile("--fix", "--account", planted);
        assertThat(fix.exitCode()).isEqualTo(1); // drift was found (and fixed)
        assertThat(fix.output()).contains("fixed 1").contains("APPLIED=1").contains(planted);
        assertThat(available(jdbi, planted)).isEqualTo(before);
        long audited = jdbi.withHandle(h -> h.createQuery(
                        "SELECT count(*) FROM balance_corrections_applied WHERE account_id = :id AND outcome = 'APPLIED'")
                .bind("id", planted).mapTo(Long.class).one());
        assertThat(audited).isEqualTo(1);

        OperatorCommands.Run after = reconcile("--fix", "--format", "json");
        assertThat(after.exitCode()).isZero();
        assertThat(after.json().at("/fixed").asLong()).isZero();

        // The provider's statement says another account holds 0.40 CZK more than the ledger: it is right.
        String disputed = accounts.get(3);
        long ledgerTotal = available(jdbi, disputed);
        Path statement = dir.resolve("statement.csv");
        Files.writeString(statement, "account_id,balance,currency,as_of\n" + disputed + ","
                + java.math.BigDecimal.valueOf(ledgerTotal + 40, 2).toPlainString() + ",CZK,2024-01-31\n");
        OperatorCommands.Run authoritative = reconcile("--statement", statement.toString(), "--authoritative", "--fix", "--account", disputed,
                "--format", "json");
        assertThat(authoritative.exitCode()).isEqualTo(1);
        assertThat(authoritative.json().at("/largestDiscrepancies/0/fix").asText()).isEqualTo("LEDGER_CORRECTION_REQUESTED");

        // The same statement as the provider's JSON: the ledger now agrees with it.
        Path json = dir.resolve("statement.json");
        Files.writeString(json, "[{\"account_id\": \"" + disputed + "\", \"balance\": "
                + java.math.BigDecimal.valueOf(ledgerTotal + 40, 2).toPlainString() + ", \"currency\": \"CZK\", "
                + "\"as_of\": \"2024-01-31\"}]");
        OperatorCommands.Run followed = reconcile("--statement", json.toString(), "--account", disputed, "--format", "json");
        assertThat(followed.exitCode()).isZero();
        assertThat(available(jdbi, disputed)).isEqualTo(ledgerTotal + 40);
        OperatorCommands.Run conserved = reconcile("--conservation");
        assertThat(conserved.exitCode()).isZero();
        assertThat(conserved.output()).contains("conservation over").contains("holds").contains("difference 0 minor units");

        assertThat(reconcile("--source", "nowhere").exitCode()).isEqualTo(2);

        // Continuous: a row written wrong (as a faulty sink would, synced_at moving) is caught as it changes.
        Thread watcher = new Thread(() -> reconcile("--continuous", "--every", "PT0.5S"), "reconcile-continuous");
        watcher.start();
        try {
            String miswritten = accounts.get(11);
            long right = available(jdbi, miswritten);
            long deadline = System.currentTimeMillis() + 120_000;
            long continuousRuns = 0;
            while (continuousRuns == 0 && System.currentTimeMillis() < deadline) {
                // Written until the watcher is up and has looked at it (it only sees rows changed after it started).
                jdbi.useHandle(h -> h.createUpdate("UPDATE account_balances SET available_minor = :wrong - locked_minor, "
                        + "synced_at = now() WHERE account_id = :id").bind("wrong", right + 250).bind("id", miswritten).execute());
                Thread.sleep(1_000);
                continuousRuns = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM reconciliation_runs r "
                        + "JOIN reconciliation_discrepancies d USING (run_id) WHERE r.source = 'account_balances (continuous)' "
                        + "AND r.status = 'DRIFT' AND d.account_id = :id AND d.status = 'DRIFT'")
                        .bind("id", miswritten).mapTo(Long.class).one());
            }
            assertThat(continuousRuns).isPositive();
        } finally {
            watcher.interrupt();
            watcher.join(60_000);
        }
    }

    private static long available(Jdbi jdbi, String accountId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT available_minor + locked_minor FROM account_balances WHERE account_id = :id")
                .bind("id", accountId).mapTo(Long.class).one());
    }

    private OperatorCommands.Run reconcile(String... args) {
        return commands.run("reconcile", ReconcileCommand::new, args);
    }
}
