package io.tally.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FieldRulesTest {
    @Test
    void aBadIdIsNamedAndEchoedPrintably() {
        FieldError error = FieldRules.name("accountId", "a\u0000b").orElseThrow();
        assertThat(error.field()).isEqualTo("accountId");
        assertThat(error.message()).contains("U+0000").endsWith("; was 'a\\u0000b'");
        assertThat(FieldRules.name("accountId", "x".repeat(5_000)).orElseThrow().message())
                .contains("at most 128").hasSizeLessThan(200);
        assertThat(FieldRules.name("accountId", "").orElseThrow().message()).isEqualTo("must not be empty");
    }

    @Test
    void eachRuleIsTheCoresForItsKindOfId() {
        assertThat(FieldRules.name("accountId", "alice-1")).isEmpty();
        assertThat(FieldRules.name("accountId", "order:1")).isPresent();
        assertThat(FieldRules.key("Idempotency-Key", "order:1")).isEmpty();
        assertThat(FieldRules.key("Idempotency-Key", "k".repeat(256))).isPresent();
        assertThat(FieldRules.eventId("chargeId", "alice:3")).isEmpty();
        assertThat(FieldRules.eventId("chargeId", "alice:03")).isPresent();
        assertThat(FieldRules.freeText("reference", null)).isEmpty();
        assertThat(FieldRules.freeText("reference", "ok \u00e9")).isEmpty();
        assertThat(FieldRules.freeText("reference", "bell\u0007")).isPresent();
        assertThat(FieldRules.freeText("reference", "\ud800")).isPresent();
    }
}
