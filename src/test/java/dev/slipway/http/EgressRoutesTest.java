package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.egress.EgressPolicy;
import dev.slipway.security.EgressRules;
import dev.slipway.store.AuditStore;
import dev.slipway.store.Notifications;
import dev.slipway.store.PlatformTransactions;
import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@code GET/PUT /api/org/egress} over real HTTP, and the allow-list reaching another instance's
 * cache.
 */
@ServerTest
class EgressRoutesTest {
  private static TestDatabase database;
  private static TestSlipway slipway;
  private static String admin;

  @BeforeAll
  static void start() throws Exception {
    admin = slipway.addMember("admin@alpha.test", "admin").accessToken();
  }

  private static Reply put(String json) {
    return slipway.control("PUT", "/api/org/egress", json, "application/json");
  }

  @Test
  void saves_a_list_and_answers_it_normalized_and_audited() {
    Reply saved =
        put(
            "{\"allow\":[\"API.Example.com\",\"*.example.org\",\"10.1.0.0/16\",\"127.0.0.1\",\"::1/128\"]}");
    assertThat(saved.status()).as(saved.toString()).isEqualTo(200);
    List<String> expected =
        List.of("api.example.com", "*.example.org", "10.1.0.0/16", "127.0.0.1/32", "::1/128");
    assertThat(allow(saved)).isEqualTo(expected);
    assertThat(allow(slipway.control("GET", "/api/org/egress"))).isEqualTo(expected);
    assertThat(slipway.control("GET", "/api/audit?action=egress").json().findValuesAsText("action"))
        .contains("egress.update");

    assertThat(put("{\"allow\":[]}").status()).isEqualTo(200);
    assertThat(allow(slipway.control("GET", "/api/org/egress"))).isEmpty();
  }

  @Test
  void names_every_bad_entry_by_its_pointer_and_saves_nothing() {
    put("{\"allow\":[\"kept.example.com\"]}");
    Reply refused =
        put("{\"allow\":[\"ok.example.com\",\"10.0.0.0/33\",42,\"*\",\"10.1.2.3/16\"]}");
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.contentType()).startsWith("application/problem+json");
    assertThat(refused.json().path("code").asText()).isEqualTo("invalid_egress_rule");
    assertThat(refused.errorPaths())
        .containsExactly("/allow/1", "/allow/2", "/allow/3", "/allow/4");
    assertThat(allow(slipway.control("GET", "/api/org/egress")))
        .containsExactly("kept.example.com");
  }

  @Test
  void a_body_without_an_allow_array_is_422_naming_it() {
    Reply reply = put("{\"allow\":\"example.com\"}");
    assertThat(reply.status()).isEqualTo(422);
    assertThat(reply.errorPaths()).containsExactly("/allow");
  }

  @Test
  void an_admin_may_read_the_list_but_only_an_owner_may_change_it() {
    assertThat(slipway.controlAs(admin, "GET", "/api/org/egress", null).status()).isEqualTo(200);
    Reply refused = slipway.controlAs(admin, "PUT", "/api/org/egress", "{\"allow\":[]}");
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.json().path("code").asText()).isEqualTo("forbidden");
  }

  @Test
  void another_instance_sees_a_change_at_once() throws Exception {
    long org = slipway.control("GET", "/api/org").json().path("id").asLong();
    var source = (PGSimpleDataSource) database.dataSource();
    var other = new EgressRules(new PlatformTransactions(source), new AuditStore());
    var listening = new CountDownLatch(1);
    Notifications.Handler handler = Notifications.perOrg(other::invalidate, other::invalidateAll);
    try (var notifications =
        new Notifications(
                source.getURL(),
                source.getUser(),
                null,
                Map.of(
                    EgressRules.CHANNEL,
                    payload -> {
                      handler.handle(payload);
                      if (payload == null) listening.countDown();
                    }))
            .start()) {
      assertThat(listening.await(10, TimeUnit.SECONDS)).isTrue();
      put("{\"allow\":[]}");
      other.invalidateAll();
      assertThat(other.policy(org)).isEqualTo(EgressPolicy.DEFAULT);

      put("{\"allow\":[\"api.example.com\"]}");
      Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
      while (other.policy(org).entries().isEmpty() && Instant.now().isBefore(deadline))
        Thread.sleep(20);
      assertThat(other.policy(org).entries()).containsExactly("api.example.com");
    }
  }

  /** The {@code allow} list of a successful answer. */
  private static List<String> allow(Reply reply) {
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    var entries = new ArrayList<String>();
    reply.json().path("allow").forEach(node -> entries.add(node.asText()));
    return entries;
  }
}
