package io.tally.reconciler.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.reconciliation.Comparison;
import io.tally.reconciler.Fixer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sources the command line can name: which one each combination is, and each refusal's reason. */
class ReconciliationSourceTest {
    private static final Path SOURCES = Path.of("sources.properties");

    @Test
    void theDefaultIsTheProjectorsCacheWhichTallyCorrectsItself() {
        ReconciliationSource source = ReconciliationSource.parse("account_balances", null, null, false);
        assertThat(source).isEqualTo(new ReconciliationSource.AccountBalances());
        assertThat(source.name()).isEqualTo("account_balances");
        assertThat(source.measure()).isEqualTo(Comparison.Measure.AVAILABLE_AND_LOCKED);
        assertThat(source.correctedByTally()).isTrue();
    }

    @Test
    void anApplicationsTableIsNamedBySqlAndCorrectedByTheApplication() {
        ReconciliationSource source = ReconciliationSource.parse("sql:wallets", SOURCES, null, false);
        assertThat(source).isEqualTo(new ReconciliationSource.Sql("wallets", SOURCES));
        assertThat(source.name()).isEqualTo("sql:wallets");
        assertThat(source.correctedByTally()).isFalse();
    }

    @Test
    void aStatementWinsOverTheSourceAndIsNamedByItsFileOrUrl() {
        ReconciliationSource file = ReconciliationSource.parse("account_balances", null, "/tmp/bank/may.csv", true);
        assertThat(file).isEqualTo(new ReconciliationSource.Statement("/tmp/bank/may.csv", true));
        assertThat(file.name()).isEqualTo("statement:may.csv");
        assertThat(file.measure()).isEqualTo(Comparison.Measure.TOTAL);
        assertThat(ReconciliationSource.parse("statement", null, "https://psp.example/balances", false).name())
                .isEqualTo("statement:https://psp.example/balances");
    }

    @Test
    void aStatementThatIsNotAuthoritativeIsNeverFixed() {
        ReconciliationSource statement = ReconciliationSource.parse("statement", null, "may.csv", false);
        assertThat(statement.fixer(Map.of(), null)).isSameAs(Fixer.NONE);
        assertThat(statement.correctedByTally()).isFalse();
    }

    @Test
    void combinationsThatDoNotGoTogetherAreRefusedWithTheReason() {
        assertThatThrownBy(() -> ReconciliationSource.parse("statement", null, null, false))
                .hasMessage("--source statement needs --statement FILE");
        assertThatThrownBy(() -> ReconciliationSource.parse("account_balances", null, null, true))
                .hasMessage("--authoritative applies to a --statement");
        assertThatThrownBy(() -> ReconciliationSource.parse("sql:wallets", null, null, false))
                .hasMessage("--source sql:wallets needs --sources FILE with wallets.sql=...");
        assertThatThrownBy(() -> ReconciliationSource.parse("nowhere", null, null, false))
                .hasMessage("unknown source nowhere: account_balances, sql:NAME or statement");
    }
}
