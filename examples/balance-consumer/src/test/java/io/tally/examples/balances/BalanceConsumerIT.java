package io.tally.examples.balances;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.avro.AccountBalance;
import io.tally.embedded.testing.TestInfrastructure;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.registry.ApicurioRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The example consumer reads balances written with tally's own {@code tally.serde=confluent} serdes,
 * against the real broker and a real registry (Apicurio), with nothing of tally on its side.
 */
class BalanceConsumerIT {
    private static ApicurioRegistry registry;

    @BeforeAll
    static void startRegistry() {
        registry = ApicurioRegistry.start();
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void readsEveryBalanceTallyWroteWithOnlyTheRegistryAndThePublishedSchema() throws Exception {
        String bootstrap = TestInfrastructure.get().bootstrapServers();
        String topic = TestInfrastructure.uniqueName("ledger.balances");
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        ValueSerdes serdes = ValueSerdes.fromConfig(Map.of(ValueSerdes.SERDE_CONFIG, "confluent",
                ValueSerdes.REGISTRY_URL_CONFIG, registry.url()));
        List<AccountBalance> written = List.of(
                AccountBalance.newBuilder().setAccountId("acct-a").setCurrency("EUR").setScale(2).setAvailableMinor(10_050)
                        .setLockedMinor(2_000).setVersion(4).setLastEventId("acct-a:4").setUpdatedAtMs(1_000L).build(),
                AccountBalance.newBuilder().setAccountId("acct-b").setCurrency("CZK").setScale(2).setAvailableMinor(-300)
                        .setLockedMinor(0).setVersion(2).setLastEventId("acct-b:2").setUpdatedAtMs(2_000L).build());
        try (KafkaProducer<String, AccountBalance> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), serdes.balances().serializer())) {
            for (AccountBalance balance : written) {
                producer.send(new ProducerRecord<>(topic, balance.getAccountId(), balance)).get();
            }
        }

        List<GenericRecord> read;
        try (BalanceConsumer consumer = new BalanceConsumer(bootstrap, registry.url())) {
            read = consumer.readAll(topic, Duration.ofMinutes(2));
        }
        assertThat(read).extracting(r -> r.get("accountId").toString() + " " + r.get("currency") + " "
                        + r.get("availableMinor") + " " + r.get("lockedMinor") + " " + r.get("version"))
                .containsExactlyInAnyOrder("acct-a EUR 10050 2000 4", "acct-b CZK -300 0 2");
    }
}
