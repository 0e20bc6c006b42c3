package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/execute} may read the org's secrets (admins may), but what it answers shows {@code
 * [secret:NAME]} where a value would be: in the result, the logs and a failure's detail.
 */
@ServerTest
class ExecuteRedactionTest {
  private static final String VALUE = "exec_PLANTED_secret_5e2b91";
  private static TestDatabase database;
  private static TestSlipway slipway;

  @BeforeAll
  static void start() throws Exception {
    slipway.control(
        "PUT", "/api/secrets/WEBHOOK", "{\"value\":\"" + VALUE + "\"}", "application/json");
  }

  @Test
  void execute_redacts_secret_values_in_the_result_at_any_depth() {
    Reply reply =
        execute(
            """
        const key = ctx.secrets.get('WEBHOOK');
        return { key, nested: [{ deep: 'before ' + key + ' after' }], [key]: 'as a name', same: key === '%s' };
        """
                .formatted(VALUE));
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    assertThat(reply.body()).doesNotContain(VALUE);
    var result = reply.json().path("result");
    assertThat(result.path("key").asText()).isEqualTo("[secret:WEBHOOK]");
    assertThat(result.path("nested").get(0).path("deep").asText())
        .isEqualTo("before [secret:WEBHOOK] after");
    assertThat(result.path("[secret:WEBHOOK]").asText()).isEqualTo("as a name");
    assertThat(result.path("same").asBoolean()).isTrue();
  }

  @Test
  void execute_redacts_secret_values_in_log_lines() {
    Reply reply =
        execute(
            """
        const key = ctx.secrets.get('WEBHOOK');
        ctx.log('the key is ' + key);
        console.error({ key });
        return 1;
        """);
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    assertThat(reply.body()).doesNotContain(VALUE);
    assertThat(reply.json().path("logs").findValuesAsText("message"))
        .hasSize(2)
        .allMatch(message -> message.contains("[secret:WEBHOOK]"));
  }

  @Test
  void execute_redacts_secret_values_in_a_failures_detail() {
    Reply reply =
        execute(
            """
        ctx.log('about to fail with ' + ctx.secrets.get('WEBHOOK'));
        throw new Error('failed with ' + ctx.secrets.get('WEBHOOK'));
        """);
    assertThat(reply.status()).as(reply.toString()).isEqualTo(422);
    assertThat(reply.contentType()).startsWith("application/problem+json");
    assertThat(reply.json().path("code").asText()).isEqualTo("script_failed");
    assertThat(reply.json().path("detail").asText()).contains("failed with [secret:WEBHOOK]");
    assertThat(reply.body()).doesNotContain(VALUE);
  }

  private static Reply execute(String code) {
    String body =
        Json.MAPPER.createObjectNode().put("language", "javascript").put("code", code).toString();
    return slipway.control("POST", "/api/execute", body, "application/json");
  }
}
