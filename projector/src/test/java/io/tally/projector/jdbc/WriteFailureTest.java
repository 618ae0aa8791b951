package io.tally.projector.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The rule that decides between quarantining a row and retrying the whole poll. */
class WriteFailureTest {
    @ParameterizedTest(name = "{0}: row error {1}")
    @CsvSource({
            "22021, true", // invalid byte sequence (a NUL in text)
            "22003, true", // numeric value out of range
            "23514, true", // check violation
            "23505, true", // unique violation (an application's table)
            "08006, false", // connection failure
            "40001, false", // serialization failure
            "40P01, false", // deadlock
            "53300, false", // too many connections
            "57P01, false", // admin shutdown
            "42P01, false", // undefined table: configuration, fail closed
            "42601, false", // syntax error in the application SQL
            "XX000, false"})
    void classes22And23AreTheRowsFaultEverythingElseIsRetried(String sqlState, boolean rowError) {
        WriteFailure failure = WriteFailure.of(new UnableToExecuteStatementException(new SQLException("boom", sqlState), null));

        assertThat(failure.sqlState()).isEqualTo(sqlState);
        assertThat(failure.isRowError()).isEqualTo(rowError);
        assertThat(failure.sqlStateClass()).isEqualTo(sqlState.substring(0, 2));
    }

    @Test
    void aBatchIsJudgedByTheServersOwnErrorNotItsSummary() {
        BatchUpdateException batch = new BatchUpdateException("Batch entry 3 was aborted", null, 0, new int[0]);
        batch.setNextException(new SQLException("ERROR: invalid byte sequence for encoding \"UTF8\": 0x00", "22021"));

        WriteFailure failure = WriteFailure.of(new UnableToExecuteStatementException(batch, null));

        assertThat(failure.sqlState()).isEqualTo("22021");
        assertThat(failure.message()).isEqualTo("ERROR: invalid byte sequence for encoding \"UTF8\": 0x00");
        assertThat(failure.isRowError()).isTrue();
    }

    @Test
    void aFailureWithoutSqlStateIsRetried() {
        WriteFailure lost = WriteFailure.of(new UnableToExecuteStatementException(new SQLException("I/O error"), null));
        WriteFailure notSql = WriteFailure.of(new IllegalStateException("pool closed"));

        assertThat(lost.isRowError()).isFalse();
        assertThat(lost.sqlStateClass()).isEqualTo("none");
        assertThat(notSql.isRowError()).isFalse();
        assertThat(notSql.message()).contains("pool closed");
    }

    @Test
    void anOverflowingBoundValueIsTheRowsFaultAsPostgresqlWouldSay() {
        WriteFailure failure = WriteFailure.of(new ArithmeticException("long overflow"));

        assertThat(failure.sqlState()).isEqualTo("22003");
        assertThat(failure.isRowError()).isTrue();
    }

    @Test
    void theServersDetailLinesAreLoggedOnOneLine() {
        SQLException server = new SQLException(
                "ERROR: invalid byte sequence for encoding \"UTF8\": 0x00\n  Where: unnamed portal parameter $1", "22021");

        assertThat(WriteFailure.of(server).toString())
                .isEqualTo("22021 ERROR: invalid byte sequence for encoding \"UTF8\": 0x00; Where: unnamed portal parameter $1");
    }
}
