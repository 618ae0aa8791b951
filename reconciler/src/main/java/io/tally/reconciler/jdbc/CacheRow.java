package io.tally.reconciler.jdbc;

import io.tally.core.reconciliation.BalanceView;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * One row of a cache query as {@link PostgresCacheSource} reads it: a view, or why it could not be
 * read (a {@code NULL} balance, a fraction of a minor unit, a value out of the {@code long} range, no
 * account id).
 *
 * @param accountId the row's account, or {@code null} if it has none
 * @param view the row's balance, or {@code null} if it could not be read
 * @param error why not, or {@code null}
 */
record CacheRow(String accountId, BalanceView view, String error) {

    /** Finds the columns once per result set, then reads each row without throwing for bad values. */
    static final class Reader implements RowMapper<CacheRow> {
        @Override
        public CacheRow map(ResultSet rs, StatementContext ctx) {
            throw new IllegalStateException("used only through specialize");
        }

        @Override
        public RowMapper<CacheRow> specialize(ResultSet rs, StatementContext ctx) throws SQLException {
            ResultSetMetaData meta = rs.getMetaData();
            Map<String, Integer> columns = new HashMap<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                columns.putIfAbsent(meta.getColumnLabel(i).toLowerCase(Locale.ROOT), i);
            }
            int accountId = required(columns, "account_id");
            Column available = new Column("available_minor", required(columns, "available_minor"), meta);
            Column locked = new Column("locked_minor", required(columns, "locked_minor"), meta);
            Integer versionIndex = columns.get("version");
            Column version = versionIndex == null ? null : new Column("version", versionIndex, meta);
            Integer currency = columns.get("currency");
            return (row, context) -> {
                String id = row.getString(accountId);
                if (id == null) {
                    return new CacheRow(null, null, "a row has no account_id");
                }
                try {
                    long availableMinor = available.required(row);
                    long lockedMinor = locked.required(row);
                    Long versionValue = version == null ? null : version.optional(row);
                    String currencyCode = currency == null ? null : row.getString(currency);
                    return new CacheRow(id, new BalanceView(id, currencyCode, availableMinor, lockedMinor, versionValue), null);
                } catch (BadValueException e) {
                    return new CacheRow(id, null, e.getMessage());
                }
            };
        }

        private static int required(Map<String, Integer> columns, String name) {
            Integer index = columns.get(name);
            if (index == null) {
                throw new IllegalArgumentException("the cache SQL returns no column " + name
                        + " (needs account_id, available_minor, locked_minor; may add version, currency): has "
                        + columns.keySet());
            }
            return index;
        }
    }

    /** A whole-number column, read as a {@code long} exactly. */
    private static final class Column {
        private final String name;
        private final int index;
        private final boolean integral;

        Column(String name, int index, ResultSetMetaData meta) throws SQLException {
            this.name = name;
            this.index = index;
            int type = meta.getColumnType(index);
            this.integral = type == Types.BIGINT || type == Types.INTEGER || type == Types.SMALLINT;
        }

        long required(ResultSet rs) throws SQLException {
            Long value = optional(rs);
            if (value == null) {
                throw new BadValueException(name + " is NULL");
            }
            return value;
        }

        Long optional(ResultSet rs) throws SQLException {
            if (integral) {
                long value = rs.getLong(index);
                return rs.wasNull() ? null : value;
            }
            BigDecimal value;
            try {
                value = rs.getBigDecimal(index);
            } catch (SQLException e) {
                throw new BadValueException(name + " is not a number: " + e.getMessage());
            }
            if (value == null) {
                return null;
            }
            try {
                return value.longValueExact();
            } catch (ArithmeticException e) {
                throw new BadValueException(name + " " + value.toPlainString()
                        + " is not a whole number of minor units within the long range");
            }
        }
    }

    /** A value of one row that cannot be read; becomes that row's {@link SourceRowException}. */
    private static final class BadValueException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadValueException(String message) {
            super(message, null, false, false);
        }
    }
}
