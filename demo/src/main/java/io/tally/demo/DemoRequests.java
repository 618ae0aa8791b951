package io.tally.demo;

import io.tally.avro.LedgerRequest;
import io.tally.client.LedgerRequestProducer;
import io.tally.core.Currency;
import io.tally.demo.berka.BankHistory;
import io.tally.demo.berka.BankTransaction;
import io.tally.demo.berka.BerkaFiles;
import io.tally.schemas.codec.RequestCodec;
import java.io.IOException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The demo's requests (DESIGN.md, The main job: the demo's choices): every account opened in CZK with
 * the overdraft its history needs, then every transaction that moves money, in the bank's order. Request
 * ids ({@code open-<account>}, {@code berka-<trans_id>}) and idempotency keys (the trans_id) are stable,
 * so a re-run sends the same requests and appends nothing.
 *
 * <p>Thread-safe: stateless.
 */
final class DemoRequests {
    /** The bank's currency: Czech koruna, 2 minor-unit digits. */
    static final Currency CZK = new Currency("CZK", BerkaFiles.SCALE);

    private DemoRequests() {}

    /** Openings, then transactions; amounts in minor units, each dated at the start of its day (UTC). */
    static List<LedgerRequest> of(BankHistory history, List<BankTransaction> toSend) {
        List<LedgerRequest> requests = new ArrayList<>(history.accounts().size() + toSend.size());
        for (BankHistory.AccountSummary a : history.accounts().values()) {
            String key = "open-" + a.accountId();
            requests.add(RequestCodec.openAccount(key, key, a.accountId(), CZK, a.overdraftLimitMinor(), 0));
        }
        for (BankTransaction t : toSend) {
            long atMs = t.date().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            String requestId = "berka-" + t.transId();
            requests.add(t.credit()
                    ? RequestCodec.credit(requestId, t.transId(), t.accountId(), CZK.code(), t.amountMinor(), atMs, t.transId())
                    : RequestCodec.charge(requestId, t.transId(), t.accountId(), CZK.code(), t.amountMinor(), atMs, t.transId()));
        }
        return requests;
    }

    /**
     * Publishes {@code requests} from a thread of its own while a progress bar counts the brokers'
     * acknowledgements, and returns once every one is acknowledged.
     *
     * @throws IOException if a request could not be published
     * @throws TimeoutException if not every one is acknowledged within {@code timeout}
     * @throws InterruptedException if interrupted while waiting
     */
    static void publish(LedgerRequestProducer producer, List<LedgerRequest> requests, Duration timeout)
            throws IOException, TimeoutException, InterruptedException {
        AtomicLong acked = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread sender = new Thread(() -> {
            for (LedgerRequest r : requests) {
                producer.send(r).whenComplete((metadata, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                    acked.incrementAndGet();
                });
            }
            producer.flush();
        }, "demo-publisher");
        sender.start();
        boolean done = Progress.await("Publishing", requests.size(), "req", acked::get, timeout);
        sender.join();
        if (failure.get() != null) {
            throw new IOException("publishing a request failed: " + failure.get().getMessage(), failure.get());
        }
        if (!done) {
            throw new TimeoutException("publishing did not finish within " + timeout);
        }
    }
}
