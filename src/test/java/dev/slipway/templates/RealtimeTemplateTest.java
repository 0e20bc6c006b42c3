package dev.slipway.templates;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.testing.Sse;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The realtime-channel template through {@code /api/create-endpoint} against a real server: a
 * channel on a table with a topic per tenant; its own tests pass against the drafts and it deploys;
 * then a tenant's key subscribed for real receives its tenant's changed rows and published messages
 * and nothing of another tenant's, and a caller without a key is refused.
 */
class RealtimeTemplateTest {
  private final TestDatabase database = new TestDatabase();
  private TestSlipway slipway;

  @BeforeEach
  void start() throws Exception {
    slipway = TestSlipway.start(database);
    database.execute(
        "create table app.orders (id bigserial primary key, tenant_id text not null, item text)");
    database.execute("grant select, insert on app.orders to " + slipway.orgLogin());
  }

  @AfterEach
  void stop() {
    if (slipway != null) slipway.close();
    database.close();
  }

  private String key(String tenant) {
    var created =
        slipway.control(
            "POST",
            "/api/consumer-keys",
            "{\"name\":\""
                + tenant
                + "\",\"roles\":[\"member\"],\"claims\":{\"tenant\":\""
                + tenant
                + "\"}}",
            "application/json");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.json().path("token").asText();
  }

  private String keyWithout() {
    var created =
        slipway.control(
            "POST",
            "/api/consumer-keys",
            "{\"name\":\"no-tenant\",\"roles\":[\"member\"]}",
            "application/json");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.json().path("token").asText();
  }

  @Test
  void a_tenant_channel_on_a_table_sends_each_tenant_its_own_changes_and_messages()
      throws Exception {
    var reply =
        slipway.control(
            "POST",
            "/api/create-endpoint",
            """
            {"template": "realtime-channel", "deploy": true,
             "config": {"name": "orders-live", "table": "app.orders",
                        "tenant": {"claim": "tenant", "column": "tenant_id"}}}""",
            "application/json");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    JsonNode made = reply.json();
    assertThat(made.path("testResults").size()).isEqualTo(4);
    for (JsonNode result : made.path("testResults"))
      assertThat(result.path("passed").asBoolean()).as(result.toString()).isTrue();
    assertThat(made.path("sql").path("migration").asText()).contains("publish_change");
    assertThat(
            made.path("openapi")
                .path("paths")
                .path("/live/orders-live")
                .path("get")
                .path("responses")
                .path("200")
                .path("content")
                .has("text/event-stream"))
        .isTrue();

    JsonNode asyncApi = made.path("asyncapi");
    assertThat(asyncApi.path("asyncapi").asText()).isEqualTo("3.0.0");
    assertThat(asyncApi.path("channels").path("orders-live").path("address").asText())
        .isEqualTo("/live/orders-live");

    String acme = key("acme");
    try (var subscriber =
            Sse.open(slipway.dataPort(), "/live/orders-live", Map.of("X-API-Key", acme));
        var refused = Sse.open(slipway.dataPort(), "/live/orders-live", Map.of());
        var noTenant =
            Sse.open(slipway.dataPort(), "/live/orders-live", Map.of("X-API-Key", keyWithout()))) {
      assertThat(subscriber.status()).isEqualTo(200);
      assertThat(refused.status()).isEqualTo(401);
      // a key without the tenant claim has no topic of its own, and is not given a shared one
      assertThat(noTenant.status()).isEqualTo(400);

      database.execute("insert into app.orders (tenant_id, item) values ('globex', 'theirs')");
      // a tenant value no topic can name as it is goes to nobody (not to "a_b"'s topic)
      database.execute("insert into app.orders (tenant_id, item) values ('a b', 'nobody''s')");
      database.execute("insert into app.orders (tenant_id, item) values ('acme', 'ours')");
      Sse.Event change = subscriber.next();
      assertThat(change.event()).isEqualTo("insert");
      assertThat(Json.MAPPER.readTree(change.data()).path("row").path("item").asText())
          .isEqualTo("ours");

      var sent =
          slipway.send(
              "POST",
              "http://127.0.0.1:" + slipway.dataPort() + "/live/orders-live/messages",
              "{\"text\":\"hello acme\"}",
              "application/json",
              Map.of("X-API-Key", acme));
      assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
      Sse.Event message = subscriber.next();
      assertThat(message.id()).isEqualTo(sent.json().path("id").asText());
      assertThat(message.data()).contains("hello acme");

      var other =
          slipway.send(
              "POST",
              "http://127.0.0.1:" + slipway.dataPort() + "/live/orders-live/messages",
              "{\"text\":\"hello globex\"}",
              "application/json",
              Map.of("X-API-Key", key("globex")));
      assertThat(other.status()).isEqualTo(202);
      assertThat(subscriber.poll(Duration.ofMillis(700))).isNull();
    }
  }
}
