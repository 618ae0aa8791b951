package io.tally.schemas;

import io.tally.avro.AccountBalance;
import io.tally.avro.BalanceCorrection;
import io.tally.avro.HoldState;
import io.tally.avro.LedgerEvent;
import io.tally.avro.LedgerRequest;
import io.tally.avro.LedgerResult;
import io.tally.schemas.registry.SchemaRegistryClient;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * The value serdes of tally's topics in one encoding, chosen by configuration: the one place
 * ledger-service, the projector and the command line get their value serdes from (DESIGN.md,
 * Serialization).
 *
 * <p>Configuration keys (in a service's properties file or from the environment):
 * <ul>
 *   <li>{@value #SERDE_CONFIG}: {@code single-object} (default; Avro single-object encoding, no
 *       registry) or {@code confluent} (the Confluent wire format with a schema registry);</li>
 *   <li>{@value #REGISTRY_URL_CONFIG}: the registry's address, required for {@code confluent};</li>
 *   <li>{@value #REGISTRY_USER_INFO_CONFIG}: {@code user:password} for basic authentication, optional.</li>
 * </ul>
 *
 * <p>Thread-safe: the serdes are.
 *
 * @param encoding the encoding of every value serde here
 * @param requests value serde of {@code ledger.requests}
 * @param events value serde of {@code ledger.events}
 * @param results value serde of {@code ledger.results}
 * @param balances value serde of {@code ledger.balances}
 * @param corrections value serde of {@code ledger.corrections}
 * @param holds value serde of {@code ledger.holds}
 */
public record ValueSerdes(
        Encoding encoding, Serde<LedgerRequest> requests, Serde<LedgerEvent> events, Serde<LedgerResult> results,
        Serde<AccountBalance> balances, Serde<BalanceCorrection> corrections, Serde<HoldState> holds) {

    /** The key naming the encoding. */
    public static final String SERDE_CONFIG = "tally.serde";
    /** The key naming the schema registry's address (Confluent's own name for it). */
    public static final String REGISTRY_URL_CONFIG = "schema.registry.url";
    /** The key of the registry's basic-auth credentials, {@code user:password} (Confluent's name). */
    public static final String REGISTRY_USER_INFO_CONFIG = "basic.auth.user.info";
    /** Every key {@link #fromConfig} reads: not Kafka client properties, so not passed to Kafka. */
    public static final Set<String> CONFIG_KEYS = Set.of(SERDE_CONFIG, REGISTRY_URL_CONFIG, REGISTRY_USER_INFO_CONFIG);

    /** How values are encoded on the topics. */
    public enum Encoding {
        /** Avro single-object encoding: schema fingerprint in the record, no registry. */
        SINGLE_OBJECT("single-object"),
        /** Confluent wire format: schema id from a Confluent-compatible Schema Registry. */
        CONFLUENT("confluent");

        private final String configValue;

        Encoding(String configValue) {
            this.configValue = configValue;
        }

        /** The value of {@value ValueSerdes#SERDE_CONFIG} that selects this encoding. */
        public String configValue() {
            return configValue;
        }

        /**
         * The encoding named {@code value} (case-insensitive).
         *
         * @throws IllegalArgumentException if it names none
         */
        public static Encoding parse(String value) {
            for (Encoding e : values()) {
                if (e.configValue.equalsIgnoreCase(value.strip())) {
                    return e;
                }
            }
            throw new IllegalArgumentException(SERDE_CONFIG + " must be single-object or confluent, not '" + value + "'");
        }
    }

    public ValueSerdes {
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(requests, "requests");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(results, "results");
        Objects.requireNonNull(balances, "balances");
        Objects.requireNonNull(corrections, "corrections");
        Objects.requireNonNull(holds, "holds");
    }

    private static final ValueSerdes SINGLE_OBJECT = new ValueSerdes(Encoding.SINGLE_OBJECT,
            SingleObjectSerde.of(LedgerRequest.class), SingleObjectSerde.of(LedgerEvent.class),
            SingleObjectSerde.of(LedgerResult.class), SingleObjectSerde.of(AccountBalance.class),
            SingleObjectSerde.of(BalanceCorrection.class), SingleObjectSerde.of(HoldState.class));

    /** Single-object encoding, the embedded default (one shared instance: the serdes are thread-safe). */
    public static ValueSerdes singleObject() {
        return SINGLE_OBJECT;
    }

    /** The Confluent wire format with schema ids from {@code registry}. */
    public static ValueSerdes confluent(SchemaRegistryClient registry) {
        return new ValueSerdes(Encoding.CONFLUENT, confluent(LedgerRequest.class, registry),
                confluent(LedgerEvent.class, registry), confluent(LedgerResult.class, registry),
                confluent(AccountBalance.class, registry), confluent(BalanceCorrection.class, registry),
                confluent(HoldState.class, registry));
    }

    /**
     * The serdes {@code config} selects (keys above; other keys are ignored).
     *
     * @throws IllegalArgumentException if {@value #SERDE_CONFIG} names no encoding, or
     *     {@code confluent} is chosen without {@value #REGISTRY_URL_CONFIG}
     */
    public static ValueSerdes fromConfig(Map<String, ?> config) {
        Object serde = config.get(SERDE_CONFIG);
        Encoding encoding = serde == null ? Encoding.SINGLE_OBJECT : Encoding.parse(serde.toString());
        if (encoding == Encoding.SINGLE_OBJECT) {
            return singleObject();
        }
        Object url = config.get(REGISTRY_URL_CONFIG);
        if (url == null || url.toString().isBlank()) {
            throw new IllegalArgumentException(SERDE_CONFIG + "=confluent needs " + REGISTRY_URL_CONFIG);
        }
        Optional<String> userInfo = Optional.ofNullable(config.get(REGISTRY_USER_INFO_CONFIG)).map(Object::toString);
        return confluent(new SchemaRegistryClient(URI.create(url.toString().strip()), userInfo, Duration.ofSeconds(10)));
    }

    private static <T extends SpecificRecord> Serde<T> confluent(Class<T> type, SchemaRegistryClient registry) {
        return ConfluentAvroSerde.of(type, registry);
    }

    /** The encoding's name as configured, for logs. */
    @Override
    public String toString() {
        return "ValueSerdes[" + encoding.configValue().toLowerCase(Locale.ROOT) + "]";
    }
}
