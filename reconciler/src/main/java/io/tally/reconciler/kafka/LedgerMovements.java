package io.tally.reconciler.kafka;

import io.tally.avro.LedgerEvent;
import io.tally.platform.kafka.KafkaClients;
import io.tally.reconciler.ConservationCheck;
import io.tally.schemas.LedgerTopics;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Feeds a {@link ConservationCheck} with the money that crossed the ledger's boundary, read from
 * {@code ledger.events} (the source of truth) from the beginning up to its end as of the call, with
 * {@code read_committed}: each event by what it does to its account's total (credits, refunds and
 * received or returned transfers in; charges, captures and sent transfers out; corrections by their
 * delta; openings, holds placed and released nothing), so at rest the sum over the log is the sum of
 * the balances; a type this reader does not know is counted as unknown.
 *
 * <p>Thread-safe: each call uses its own consumer.
 */
public final class LedgerMovements {
    private LedgerMovements() {}

    /**
     * Reads every committed event.
     *
     * @param kafka client properties, passed through
     * @param topics where {@code ledger.events} is
     * @param check receives the movements
     * @param timeout how long to read
     * @return the number of events read
     * @throws TimeoutException if the end is not reached in time
     */
    public static long read(Map<String, Object> kafka, LedgerTopics topics, ConservationCheck check, Duration timeout)
            throws TimeoutException {
        try (KafkaConsumer<String, LedgerEvent> consumer = KafkaClients.readCommittedConsumer(kafka, null, topics.events())) {
            return KafkaClients.readToEnd(consumer, topics.events().name(), timeout, record -> {
                LedgerEvent e = record.value();
                switch (e.getType()) {
                    case ACCOUNT_OPENED -> check.movement(e.getCurrency(), 0);
                    case CREDITED -> check.movement(e.getCurrency(), e.getAmountMinor());
                    case CHARGED -> check.movement(e.getCurrency(), Math.negateExact(e.getAmountMinor()));
                    case CORRECTED -> check.movement(e.getCurrency(), e.getDeltaMinor());
                    // Money that stays inside the ledger moves between available and locked, or
                    // between two accounts (the payee's TRANSFER_RECEIVED balances the payer's side):
                    case HOLD_PLACED, HOLD_RELEASED, HOLD_EXPIRED -> check.movement(e.getCurrency(), 0);
                    case TRANSFER_SENT, TRANSFER_RECEIVED, TRANSFER_RETURNED -> check.movement(e.getCurrency(),
                            e.getType() == io.tally.avro.EventType.TRANSFER_SENT
                                    ? Math.negateExact(e.getAmountMinor()) : e.getAmountMinor());
                    // A capture leaves the ledger unless it pays an account (then it is a transfer out).
                    case HOLD_CAPTURED -> check.movement(e.getCurrency(), Math.negateExact(e.getAmountMinor()));
                    case CHARGE_REFUNDED -> check.movement(e.getCurrency(), e.getAmountMinor());
                    default -> check.unknownEvent();
                }
            });
        }
    }
}
