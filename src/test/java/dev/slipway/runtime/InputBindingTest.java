package dev.slipway.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How a request becomes {@code input}: coercion, defaults, required fields, headers, expressions.
 */
@ServerTest
class InputBindingTest {
  private static TestDatabase database;
  private static TestSlipway slipway;

  @BeforeAll
  static void start() throws Exception {
    slipway.save(
        """
        name: echo
        method: POST
        path: /api/echo/:id
        input:
          params: { id: { type: integer, minimum: 1 } }
          query:
            flag: { type: boolean, default: false }
            tags: { type: array, items: { type: string } }
            email: { type: string, format: email }
          headers:
            X-Tenant: { type: string, minLength: 3, required: true }
            X-Retries: { type: integer, default: 0 }
          body: { type: object, properties: { n: { type: number } } }
        steps:
          - id: early
            when: "${input.params.id == 13}"
            respond: { status: 418, body: { unlucky: true } }
        response:
          headers: { X-Echo: "${input.headers['x-tenant']}-${string(input.params.id)}" }
          body:
            id: "${input.params.id}"
            next: "${input.params.id + 1}"
            flag: "${input.query.flag}"
            tags: "${input.query.tags}"
            tenant: "${input.headers['x-tenant']}"
            retries: "${input.headers['x-retries']}"
            agent: "${input.headers['user-agent']}"
            n: "${input.body.n}"
        """);
    slipway.save(
        """
        name: summarize
        method: POST
        path: /api/summarize
        input:
          body: { type: object, required: [items], properties: { items: { type: array, items: { type: number } } } }
        steps:
          - id: stats
            script: |
              const items: number[] = ctx.input.body.items;
              return { count: items.length, sum: items.reduce((a, b) => a + b, 0), label: ctx.input.body.label };
        response: { body: "${steps.stats}" }
        """);
    slipway.deploy("{}");
  }

  private TestSlipway.Reply post(String path, Map<String, String> headers, String body) {
    return slipway.send(
        "POST", "http://127.0.0.1:" + slipway.dataPort() + path, body, "application/json", headers);
  }

  @Test
  void coerces_path_query_and_header_strings_to_their_declared_types_and_fills_defaults() {
    var reply =
        post(
            "/api/echo/41?tags=a&tags=b",
            Map.of("X-Tenant", "acme", "User-Agent", "probe/1"),
            "{\"n\": 2.5}");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    var body = reply.json();
    assertThat(body.path("id").isIntegralNumber()).isTrue();
    assertThat(body.path("next").asLong()).isEqualTo(42);
    assertThat(body.path("flag").isBoolean()).isTrue();
    assertThat(body.path("tags").toString()).isEqualTo("[\"a\",\"b\"]");
    assertThat(body.path("tenant").asText()).isEqualTo("acme");
    assertThat(body.path("retries").asLong()).isZero();
    assertThat(body.path("agent").asText()).isEqualTo("probe/1");
    assertThat(body.path("n").asDouble()).isEqualTo(2.5);
    assertThat(reply.header("X-Echo")).isEqualTo("acme-41");
  }

  @Test
  void reports_every_broken_field_of_every_part_with_its_path() {
    var reply =
        post("/api/echo/0?flag=maybe&email=nope", Map.of("X-Retries", "many"), "{\"n\": \"x\"}");
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.errorPaths())
        .containsExactlyInAnyOrder(
            "/params/id",
            "/query/flag",
            "/query/email",
            "/headers/x-tenant",
            "/headers/x-retries",
            "/body/n");
  }

  @Test
  void a_script_reads_the_body_as_the_client_sent_it() {
    var reply =
        slipway.data(
            "POST",
            "/api/summarize",
            "{\"items\": [1, 2.5, -4], \"label\": \"Grüße 😀\"}",
            "application/json");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    assertThat(reply.json().path("count").asInt()).isEqualTo(3);
    assertThat(reply.json().path("sum").asDouble()).isEqualTo(-0.5);
    assertThat(reply.json().path("label").asText()).isEqualTo("Grüße 😀");
    var bad =
        slipway.data("POST", "/api/summarize", "{\"items\": [1, \"two\"]}", "application/json");
    assertThat(bad.errorPaths()).containsExactly("/body/items/1");
  }

  @Test
  void a_respond_step_answers_early_when_its_condition_holds() {
    var reply = post("/api/echo/13", Map.of("X-Tenant", "acme"), "{}");
    assertThat(reply.status()).isEqualTo(418);
    assertThat(reply.json().path("unlucky").asBoolean()).isTrue();
  }
}
