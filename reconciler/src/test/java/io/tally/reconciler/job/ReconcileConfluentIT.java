package io.tally.reconciler.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.avro.AccountBalance;
import io.tally.avro.EventType;
import io.tally.avro.LedgerEvent;
import io.tally.reconciler.FixAction;
import io.tally.reconciler.ReconcilerFixture;
import io.tally.reconciler.ReconciliationMetrics;
import io.tally.reconciler.RunMode;
import io.tally.reconciler.jdbc.CacheCorrectionWriter;
import io.tally.reconciler.jdbc.RecordedRuns;
import io.tally.schemas.ValueSerdes;
import io.tally.schemas.registry.SchemaRegistryClient;
import io.tally.schemas.registry.TestSchemaRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ReconciliationJob} on a stack whose every public topic is in the Confluent wire format (magic
 * byte 0, a 4-byte schema id from {@link TestSchemaRegistry}, Avro binary), as the compose stack runs it:
 * a fixing run against {@code account_balances} emits its corrections in that format and its
 * {@link io.tally.reconciler.kafka.CorrectionConsumer} reads them back and applies them; an
 * authoritative statement sends a CORRECT request in that format that ledger-service decides, and the
 * projection and the cache follow; conservation reads the events in that format. Each test reconciles
 * accounts of its own (the job's single-account scope), since the stack is shared by the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReconcileConfluentIT {
    @TempDir
    Path dir;

    private TestSchemaRegistry registry;
    private ValueSerdes serdes;
    private ReconcilerFixture stack;

    @BeforeAll
    void startStack() throws Exception {
        registry = TestSchemaRegistry.start();
        serdes = ValueSerdes.confluent(SchemaRegistryClient.of(registry.url()));
        stack = ReconcilerFixture.start("confluent", serdes);
    }

    @AfterAll
    void stopStack() {
        stack.close();
        registry.close();
    }

    @Test
    void aFixingRunFindsCacheDriftAndItsConfluentEncodedCorrectionIsReadBackAndApplied() throws Exception {
        stack.openAndCredit("cf-cache", 10_000);
        stack.awaitCached("cf-cache", 1, 2);
        ReconciliationSource cache = new ReconciliationSource.AccountBalances();
        assertThat(job(cache, "cf-cache", RunMode.DRY_RUN).runOnce().exitCode()).isZero();
        // Behind the projector's back: 2.50 CZK more (WARN).
        stack.jdbi.useHandle(h -> h.execute(
                "UPDATE account_balances SET available_minor = available_minor + 250 WHERE account_id = 'cf-cache'"));

        RunReport dry = job(cache, "cf-cache", RunMode.DRY_RUN).runOnce();
        assertThat(dry.exitCode()).isEqualTo(1);
        assertThat(dry.outcome().orElseThrow().result().drift()).isEqualTo(1);
        assertThat(stack.cachedAvailable("cf-cache")).containsEntry("cf-cache", 10_250L);

        long correctionsBefore = stack.endOffsetSum(stack.topics.corrections().name());
        RunReport fix = job(cache, "cf-cache", RunMode.FIX).runOnce();

        RecordedRuns.Outcome fixed = fix.outcome().orElseThrow();
        assertThat(fixed.fixed()).isEqualTo(1);
        assertThat(fix.applied()).isEqualTo(Map.of(CacheCorrectionWriter.Outcome.APPLIED, 1L));
        assertThat(fix.largest()).singleElement().satisfies(d -> {
            assertThat(d.accountId()).isEqualTo("cf-cache");
            assertThat(d.fix()).isEqualTo(FixAction.CORRECTION_EMITTED.name());
        });
        assertThat(stack.cachedAvailable("cf-cache")).containsEntry("cf-cache", 10_000L);
        assertThat(stack.auditRows("cf-cache")).isEqualTo(1);
        // The correction on the topic is in the Confluent wire format, its schema registered under <topic>-value.
        assertThat(stack.endOffsetSum(stack.topics.corrections().name())).isGreaterThan(correctionsBefore);
        List<byte[]> raw = stack.readAll(stack.topics.corrections().name(), new ByteArrayDeserializer(),
                Integer.MAX_VALUE, v -> true);
        assertThat(raw).isNotEmpty().allSatisfy(value -> assertConfluent(value, stack.topics.corrections().name()));
        assertThat(stack.readAll(stack.topics.corrections().name(), serdes.corrections().deserializer(),
                Integer.MAX_VALUE, c -> c.getRunId().equals(fix.runId())))
                .singleElement().satisfies(c -> assertThat(c.getDeltaMinor()).isEqualTo(-250));

        assertThat(job(cache, "cf-cache", RunMode.FIX).runOnce().exitCode()).isZero();
    }

    @Test
    void anAuthoritativeStatementSendsAConfluentEncodedCorrectionThatLedgerServiceDecides() throws Exception {
        stack.openAndCredit("cf-stmt", 10_000);
        stack.awaitCached("cf-stmt", 1, 2);
        // The provider says cf-stmt holds 100.40 CZK; the ledger says 100.00.
        Path csv = dir.resolve("provider.csv");
        Files.writeString(csv, "account_id,balance,currency,as_of\ncf-stmt,100.40,CZK,2024-01-31\n");
        ReconciliationSource statement = ReconciliationSource.parse("statement", null, csv.toString(), true);

        RunReport fix = job(statement, "cf-stmt", RunMode.FIX).runOnce();

        assertThat(fix.outcome().orElseThrow().fixed()).isEqualTo(1);
        assertThat(fix.largest()).singleElement().satisfies(d ->
                assertThat(d.fix()).isEqualTo(FixAction.LEDGER_CORRECTION_REQUESTED.name()));
        List<byte[]> raw = stack.readAll(stack.topics.operatorRequests().name(), new ByteArrayDeserializer(),
                Integer.MAX_VALUE, v -> true);
        assertThat(raw).isNotEmpty().allSatisfy(value -> assertConfluent(value, stack.topics.operatorRequests().name()));
        ReconcilerFixture.await("the projection of cf-stmt at version 3", () -> {
            AccountBalance b = stack.projected("cf-stmt");
            return b != null && b.getVersion() == 3;
        });
        List<LedgerEvent> corrected = stack.readAll(stack.topics.events().name(), serdes.events().deserializer(),
                Integer.MAX_VALUE, e -> e.getType() == EventType.CORRECTED && e.getAccountId().equals("cf-stmt"));
        assertThat(corrected).singleElement().satisfies(e -> {
            assertThat(e.getDeltaMinor()).isEqualTo(40);
            assertThat(e.getRunId()).isEqualTo(fix.runId());
            assertThat(e.getAvailableAfterMinor()).isEqualTo(10_040);
        });
        ReconcilerFixture.await("the cache follows the correction",
                () -> stack.cachedAvailable("cf-stmt").get("cf-stmt") == 10_040L);

        RunReport followed = job(statement, "cf-stmt", RunMode.DRY_RUN, true).runOnce();
        assertThat(followed.exitCode()).isZero();
        assertThat(followed.outcome().orElseThrow().result().inSync()).isEqualTo(1);
        assertThat(followed.conservation()).hasValueSatisfying(c -> assertThat(c.check().holds()).isTrue());
        assertThat(job(new ReconciliationSource.AccountBalances(), "cf-stmt", RunMode.DRY_RUN).runOnce().exitCode())
                .isZero();
    }

    private ReconciliationJob job(ReconciliationSource source, String account, RunMode mode) throws Exception {
        return job(source, account, mode, false);
    }

    /** The job against the fixture's stack, having waited for it to catch up. */
    private ReconciliationJob job(ReconciliationSource source, String account, RunMode mode, boolean conservation)
            throws Exception {
        ReconciliationJob.Stack on = new ReconciliationJob.Stack(stack.kafka, stack.topics, stack.database,
                () -> stack.projector, () -> stack.projector.config().applicationId(),
                Optional.of(() -> stack.sink().isCaughtUp()));
        ReconciliationJob.Settings settings = new ReconciliationJob.Settings(source, Optional.of(account), mode,
                Duration.ofSeconds(30), Map.of(), conservation, 10, ReconcilerFixture.TIMEOUT, Duration.ofSeconds(5),
                "unused");
        ReconciliationJob job = new ReconciliationJob(on, settings, new ReconciliationMetrics(new SimpleMeterRegistry()),
                Optional.empty(), Clock.systemUTC());
        assertThat(job.awaitCaughtUp()).as("the projection and the cache caught up").isTrue();
        return job;
    }

    /** Magic byte 0, then the id of a schema the registry holds under {@code <topic>-value}. */
    private void assertConfluent(byte[] value, String topic) {
        assertThat(value[0]).as("magic byte").isZero();
        int id = ByteBuffer.wrap(value, 1, 4).getInt();
        assertThat(registry.subjectOf(id)).isEqualTo(topic + "-value");
    }
}
