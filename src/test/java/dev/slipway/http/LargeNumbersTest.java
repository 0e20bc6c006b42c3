package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Numbers in a JSON body beyond what a long or a double holds: a number no column can store as a
 * number is a 400 naming its field, an integer beyond 64 bits reaches a {@code numeric} column
 * exactly. Both through the direct schema check and through the general validator.
 */
@ServerTest
class LargeNumbersTest {
  private static final String FORTY_ONE_DIGITS = "12345678901234567890123456789012345678901";

  private static TestDatabase database;
  private static TestSlipway slipway;

  @BeforeAll
  static void start() throws Exception {
    database.execute(
        "create table app.amounts (id serial primary key, exact numeric, approx double precision, whole bigint)");
    database.execute("grant select, insert on app.amounts to " + slipway.orgLogin());
    database.execute("grant usage on sequence app.amounts_id_seq to " + slipway.orgLogin());
    for (String kind : new String[] {"simple", "general"}) {
      // anyOf is beyond the direct check: the general validator reads the body as a tree
      String extra =
          kind.equals("general")
              ? "anyOf: [{ required: [exact] }, { required: [approx] }, { required: [whole] }]"
              : "";
      slipway.save(
          """
          name: amounts-%1$s
          method: POST
          path: /api/%1$s/amounts
          input:
            body:
              type: object
              properties:
                exact: { type: number }
                approx: { type: number }
                whole: { type: integer }
                list: { type: array, items: { type: number } }
              %2$s
          steps:
            - id: saved
              sql: >-
                insert into app.amounts (exact, approx, whole) values (:exact, :approx, :whole)
                returning id, exact::text as exact
              params: { exact: "${input.body.exact}", approx: "${input.body.approx}", whole: "${input.body.whole}" }
              expect: one
          response: { status: 201, body: "${steps.saved.row}" }
          """
              .formatted(kind, extra));
    }
    slipway.deploy("{}");
  }

  private static Reply post(String kind, String body) {
    return slipway.data("POST", "/api/" + kind + "/amounts", body, "application/json");
  }

  @Test
  void a_number_too_large_for_a_double_is_400_naming_every_such_field_and_writes_nothing() {
    long before = (long) database.scalar("select count(*) from app.amounts");
    for (String kind : new String[] {"simple", "general"}) {
      Reply reply = post(kind, "{\"approx\": 1e999999, \"exact\": -1e400, \"list\": [1, 2e308]}");
      assertThat(reply.status()).as(kind + ": " + reply).isEqualTo(400);
      assertThat(reply.contentType()).startsWith("application/problem+json");
      assertThat(reply.json().path("code").asText()).isEqualTo("invalid_input");
      assertThat(reply.errorPaths())
          .as(kind)
          .containsExactlyInAnyOrder("/body/approx", "/body/exact", "/body/list/1");
      assertThat(reply.body()).contains("out of range").doesNotContain("Infinity");
    }
    assertThat(database.scalar("select count(*) from app.amounts")).isEqualTo(before);
    assertThat(
            database.scalar(
                "select count(*) from app.amounts where approx = 'Infinity' or exact = 'Infinity'"))
        .isEqualTo(0L);
  }

  @Test
  void an_integer_beyond_64_bits_is_stored_exactly_in_a_numeric_column() {
    for (String kind : new String[] {"simple", "general"}) {
      Reply reply = post(kind, "{\"exact\": " + FORTY_ONE_DIGITS + "}");
      assertThat(reply.status()).as(kind + ": " + reply).isEqualTo(201);
      assertThat(reply.json().path("exact").asText()).isEqualTo(FORTY_ONE_DIGITS);
      assertThat(
              database.scalar(
                  "select exact::text from app.amounts where id = "
                      + reply.json().path("id").asLong()))
          .isEqualTo(FORTY_ONE_DIGITS);
    }
  }

  @Test
  void an_integer_beyond_64_bits_for_a_bigint_column_is_a_400_not_malformed_json() {
    for (String kind : new String[] {"simple", "general"}) {
      Reply reply = post(kind, "{\"whole\": " + FORTY_ONE_DIGITS + "}");
      assertThat(reply.status()).as(kind + ": " + reply).isEqualTo(400);
      assertThat(reply.json().path("code").asText()).isEqualTo("invalid_parameter");
      assertThat(reply.json().path("detail").asText()).contains("bigint out of range");
    }
  }
}
