package dev.slipway.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each endpoint's SQL runs under its own statement timeout: its spec's, or 5 s. */
@ServerTest
class StatementTimeoutTest {
  private static TestDatabase database;
  private static TestSlipway slipway;

  @BeforeAll
  static void start() throws Exception {
    slipway.save(
        """
        name: impatient
        method: GET
        path: /impatient
        statementTimeout: 200ms
        steps:
          - id: nap
            sql: select pg_sleep(1)
        """);
    slipway.save(
        """
        name: patient
        method: GET
        path: /patient
        statementTimeout: 3s
        steps:
          - id: nap
            sql: select pg_sleep(0.5), current_setting('statement_timeout') as timeout
            expect: one
        response: { body: "${steps.nap.row}" }
        """);
    slipway.save(
        """
        name: default-timeout
        method: GET
        path: /default-timeout
        steps:
          - id: timeout
            sql: select current_setting('statement_timeout') as timeout
            expect: one
        response: { body: "${steps.timeout.row}" }
        """);
    slipway.deploy("{}");
  }

  @Test
  void a_statement_past_its_endpoints_timeout_is_cancelled_with_a_504() {
    var reply = slipway.data("GET", "/impatient");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(504);
    assertThat(reply.json().path("code").asText()).isEqualTo("step_timeout");
  }

  @Test
  void each_endpoint_has_its_own_timeout_on_the_same_connections() {
    for (int i = 0; i < 3; i++) {
      assertThat(slipway.data("GET", "/patient").json().path("timeout").asText()).isEqualTo("3s");
      assertThat(slipway.data("GET", "/default-timeout").json().path("timeout").asText())
          .isEqualTo("5s");
    }
  }

  @Test
  void a_timeout_over_five_minutes_is_refused_when_saved() {
    var reply =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
        name: forever
        method: GET
        path: /forever
        statementTimeout: 10m
        response: { body: {} }
        """,
            "application/yaml");
    assertThat(reply.status()).isEqualTo(422);
    assertThat(reply.errorPaths()).containsExactly("/statementTimeout");
  }
}
