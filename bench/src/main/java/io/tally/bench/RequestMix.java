package io.tally.bench;

import io.tally.avro.LedgerRequest;
import io.tally.core.Currency;
import io.tally.schemas.LedgerTopics;
import io.tally.schemas.codec.RequestCodec;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The requests the write-side rows decide: one {@code OPEN_ACCOUNT} per account (overdraft limit
 * large enough that charges are accepted), then a seeded mix over random accounts: 40% credits, 30%
 * charges, 30% hold traffic (place a hold if the account has none, else capture part of it or
 * release it). With a hot share, that share of the mixed requests are instead credits to one account,
 * {@link #HOT_ACCOUNT} (a merchant's settlement account: it only receives, so it never runs out), and
 * the rest are the mix above. Written to {@code ledger.requests} keyed by account, as
 * {@code RequestPublisher} would, so the real service decides them.
 *
 * <p>Not thread-safe.
 */
public final class RequestMix {
    /** The currency of every account. */
    public static final Currency CZK = new Currency("CZK", 2);
    /** Overdraft limit of every account, minor units: charges are accepted, not rejected. */
    public static final long OVERDRAFT_LIMIT_MINOR = 1_000_000_000_000L;

    /** The account a hot share goes to: account 0, which the uniform mix also touches. */
    public static final String HOT_ACCOUNT = account(0);

    private final Random random = new Random(42);
    private final int accounts;
    private final double hotShare;
    private final Map<Integer, String> openHolds = new HashMap<>();
    private long sequence;
    private int holdSequence;

    /** A mix over {@code accounts} accounts ({@link #account}), none of them hot. */
    public RequestMix(int accounts) {
        this(accounts, 0);
    }

    /**
     * A mix over {@code accounts} accounts of which {@code hotShare} (0 to 1) of the mixed requests are
     * credits to {@link #HOT_ACCOUNT}. With 0 the requests are the uniform mix's, the same seeded sequence.
     */
    public RequestMix(int accounts, double hotShare) {
        if (hotShare < 0 || hotShare > 1) {
            throw new IllegalArgumentException("hot share must be between 0 and 1: " + hotShare);
        }
        this.accounts = accounts;
        this.hotShare = hotShare;
    }

    /** The id of account {@code i}: {@code acct-0000042}. */
    public static String account(int i) {
        return String.format(Locale.ROOT, "acct-%07d", i);
    }

    /** The request opening account {@code i}. */
    public LedgerRequest open(int i) {
        long n = ++sequence;
        return RequestCodec.openAccount("r-" + n, "k-" + n, account(i), CZK, OVERDRAFT_LIMIT_MINOR,
                System.currentTimeMillis());
    }

    /** The next mixed request. */
    public LedgerRequest next() {
        long n = ++sequence;
        String id = "r-" + n;
        String key = "k-" + n;
        long now = System.currentTimeMillis();
        // Drawn only when there is a hot share, so that the uniform mix stays the sequence it always was.
        if (hotShare > 0 && random.nextDouble() < hotShare) {
            return RequestCodec.credit(id, key, HOT_ACCOUNT, CZK.code(), 1 + random.nextInt(10_000), now, null);
        }
        int a = random.nextInt(accounts);
        String account = account(a);
        int kind = random.nextInt(10);
        if (kind < 4) {
            return RequestCodec.credit(id, key, account, CZK.code(), 1 + random.nextInt(10_000), now, null);
        }
        if (kind < 7) {
            return RequestCodec.charge(id, key, account, CZK.code(), 1 + random.nextInt(1_000), now, null);
        }
        String hold = openHolds.get(a);
        if (hold == null) {
            hold = "h" + ++holdSequence;
            openHolds.put(a, hold);
            return RequestCodec.placeHold(id, key, account, CZK.code(), hold, 1_000, null, now);
        }
        openHolds.remove(a);
        return kind == 8 ? RequestCodec.captureHold(id, key, account, CZK.code(), hold, 400, null, now)
                : RequestCodec.releaseHold(id, key, account, CZK.code(), hold, null, now);
    }

    /**
     * Writes the opens of every account, then {@code mixed} mixed requests, to {@code topics.requests().name()}
     * and waits until all are acknowledged.
     *
     * @return requests written
     */
    public long write(Map<String, Object> kafka, LedgerTopics topics, int mixed) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        // Not idempotent: on a topic this new, retries after NOT_LEADER_OR_FOLLOWER end in
        // OutOfOrderSequence; one request in flight keeps each account's order instead.
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        long written = 0;
        java.util.concurrent.atomic.AtomicReference<Exception> failure = new java.util.concurrent.atomic.AtomicReference<>();
        try (KafkaProducer<String, LedgerRequest> producer = new KafkaProducer<>(config,
                LedgerTopics.keySerde().serializer(), topics.requests().valueSerde().serializer())) {
            for (int i = 0; i < accounts; i++) {
                send(producer, topics, open(i), failure);
                written++;
            }
            for (int i = 0; i < mixed; i++) {
                send(producer, topics, next(), failure);
                written++;
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("cannot write the requests", failure.get());
        }
        return written;
    }

    private static void send(KafkaProducer<String, LedgerRequest> producer, LedgerTopics topics, LedgerRequest r,
            java.util.concurrent.atomic.AtomicReference<Exception> failure) {
        producer.send(new ProducerRecord<>(topics.requests().name(), r.getAccountId(), r), (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
    }

    /** The amount of a request, minor units (0 without one): what the baseline aggregate sums. */
    public static long amountOf(LedgerRequest request) {
        Long amount = request.getAmountMinor();
        return amount == null ? 0 : amount;
    }
}
