package io.tally.projector.jdbc;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link BalanceCacheSink} counts and reports: rows applied, records quarantined by cause, and the
 * lag, as plain numbers and, once {@link #bindTo bound}, as Micrometer meters; and the ERROR line of
 * each record quarantined.
 *
 * <p>Thread-safe: the poll thread writes, any thread reads.
 */
final class SinkMeters {
    // The sink's own logger, so that an operator's log configuration for it covers every line it writes.
    private static final Logger log = LoggerFactory.getLogger(BalanceCacheSink.class);

    private final String topic;
    private final AtomicLong rowsApplied = new AtomicLong();
    /** Records quarantined since start, by cause (the counter's tags). */
    private final Map<QuarantineCause, AtomicLong> quarantined = new EnumMap<>(QuarantineCause.class);
    private volatile long lag = -1;

    /** The tags of {@link BalanceCacheSink#QUARANTINED_COUNTER}: the only combinations there are. */
    private enum QuarantineCause {
        DATA_EXCEPTION("rejected", "22"),
        INTEGRITY_CONSTRAINT("rejected", "23"),
        UNDECODABLE("undecodable", "none");

        final String reason;
        final String sqlStateClass;

        QuarantineCause(String reason, String sqlStateClass) {
            this.reason = reason;
            this.sqlStateClass = sqlStateClass;
        }

        static QuarantineCause of(QuarantinedBalance row) {
            if (row.reason() == QuarantinedBalance.Reason.UNDECODABLE) {
                return UNDECODABLE;
            }
            return row.sqlState().startsWith("23") ? INTEGRITY_CONSTRAINT : DATA_EXCEPTION;
        }
    }

    /** @param topic the sink's topic, the meters' {@code topic} tag and the log lines' subject */
    SinkMeters(String topic) {
        this.topic = topic;
        for (QuarantineCause cause : QuarantineCause.values()) {
            quarantined.put(cause, new AtomicLong());
        }
    }

    /** Adds {@code changedRows} rows inserted or moved forward. */
    void applied(long changedRows) {
        rowsApplied.addAndGet(changedRows);
    }

    /** Rows inserted or moved forward since start. */
    long rowsApplied() {
        return rowsApplied.get();
    }

    /** Records quarantined since start (new to the quarantine table), every cause. */
    long rowsQuarantined() {
        long total = 0;
        for (AtomicLong count : quarantined.values()) {
            total += count.get();
        }
        return total;
    }

    /** Sets the lag, records; {@code -1} while no partition is assigned. */
    void lag(long records) {
        lag = records;
    }

    /** The lag last set. */
    long lag() {
        return lag;
    }

    /** Logs a record just quarantined (new to the table) at ERROR and counts it under its cause. */
    void quarantined(QuarantinedBalance row) {
        quarantined.get(QuarantineCause.of(row)).incrementAndGet();
        if (row.reason() == QuarantinedBalance.Reason.UNDECODABLE) {
            log.error("quarantined an undecodable record of account '{}' at {}: {}", row.accountIdPrintable(),
                    row.source(), WriteFailure.oneLine(row.message()));
        } else {
            log.error("quarantined the balance of account '{}' version {} at {}: PostgreSQL refused it with SQLSTATE {}: {}",
                    row.accountIdPrintable(), row.version(), row.source(), row.sqlState(),
                    WriteFailure.oneLine(row.message()));
        }
    }

    /** Registers the meters of {@link BalanceCacheSink#bindTo} in {@code metrics}, tagged with the topic. */
    void bindTo(MeterRegistry metrics) {
        for (QuarantineCause cause : QuarantineCause.values()) {
            FunctionCounter.builder(BalanceCacheSink.QUARANTINED_COUNTER, quarantined.get(cause), AtomicLong::get)
                    .tags("topic", topic, "reason", cause.reason, "sqlstate_class", cause.sqlStateClass)
                    .description("ledger.balances records set aside in account_balances_quarantine instead of written")
                    .register(metrics);
        }
        Gauge.builder(BalanceCacheSink.LAG_GAUGE, this, SinkMeters::lag).tag("topic", topic)
                .description("ledger.balances records not yet written to account_balances (-1: not assigned)")
                .register(metrics);
        Gauge.builder(BalanceCacheSink.ROWS_GAUGE, this, SinkMeters::rowsApplied).tag("topic", topic)
                .description("account_balances rows inserted or moved forward since start").register(metrics);
    }
}
