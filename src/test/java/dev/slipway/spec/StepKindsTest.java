package dev.slipway.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StepKindsTest {
  @Test
  void every_step_kind_has_a_stable_name_that_the_spec_schema_knows() throws Exception {
    var schema =
        Json.MAPPER.readTree(SpecCodec.SCHEMA_TEXT).path("$defs").path("step").path("properties");
    var kinds =
        Arrays.stream(Step.class.getPermittedSubclasses()).map(Class::getSimpleName).toList();
    assertThat(kinds)
        .containsExactlyInAnyOrder(
            "ValidateStep",
            "SqlStep",
            "ScriptStep",
            "RespondStep",
            "EnqueueStep",
            "WebhookStep",
            "EmitStep");
    for (String kind :
        new String[] {"validate", "sql", "script", "respond", "enqueue", "webhook", "emit"}) {
      assertThat(schema.has(kind)).as(kind).isTrue();
    }
  }
}
