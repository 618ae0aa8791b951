package io.tally.client;

import io.tally.avro.AccountBalance;
import io.tally.avro.LedgerEvent;
import io.tally.schemas.ValueSerdes;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Helpers for a downstream consumer of {@code ledger.balances} (compacted: the latest {@link AccountBalance} per
 * account id) and {@code ledger.events} (every {@link LedgerEvent}, keyed by account id), in either encoding:
 * the deserializers are the services' own ({@link ValueSerdes#fromConfig}: {@code tally.serde=single-object}, the
 * default, or {@code confluent} with {@code schema.registry.url}). A value that does not decode throws
 * {@link io.tally.schemas.UndecodableRecordException} from {@code poll}, never a silent skip.
 *
 * <p>Thread-safe: stateless; the deserializers are thread-safe, a {@link KafkaConsumer} is not.
 */
public final class BalanceConsumer {
    private BalanceConsumer() {}

    /** The deserializer of {@code ledger.balances} values in the encoding {@code config} names. */
    public static Deserializer<AccountBalance> balanceDeserializer(Map<String, ?> config) {
        return ValueSerdes.fromConfig(config).balances().deserializer();
    }

    /** The deserializer of {@code ledger.events} values in the encoding {@code config} names. */
    public static Deserializer<LedgerEvent> eventDeserializer(Map<String, ?> config) {
        return ValueSerdes.fromConfig(config).events().deserializer();
    }

    /**
     * A consumer of {@code ledger.balances}: {@code config} passed through (bootstrap servers, {@code group.id},
     * security) without the encoding keys, {@code isolation.level=read_committed} (the projector writes it in
     * transactions) unless set.
     */
    public static KafkaConsumer<String, AccountBalance> balances(Map<String, ?> config) {
        return new KafkaConsumer<>(kafka(config), new StringDeserializer(), balanceDeserializer(config));
    }

    /** A consumer of {@code ledger.events}, as {@link #balances}. */
    public static KafkaConsumer<String, LedgerEvent> events(Map<String, ?> config) {
        return new KafkaConsumer<>(kafka(config), new StringDeserializer(), eventDeserializer(config));
    }

    private static Map<String, Object> kafka(Map<String, ?> config) {
        Map<String, Object> kafka = new HashMap<>(config);
        ValueSerdes.CONFIG_KEYS.forEach(kafka::remove);
        kafka.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return kafka;
    }
}
