package dev.slipway.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import dev.slipway.generate.DatabaseSchema.Column;
import dev.slipway.generate.DatabaseSchema.Table;
import dev.slipway.spec.EndpointSpec;
import dev.slipway.spec.SpecCodec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the security review of generated specs finds, each kind on its own and none on a good one.
 */
class SecurityReviewTest {
  private static final SpecCodec CODEC = new SpecCodec();

  private static final DatabaseSchema SCHEMA =
      new DatabaseSchema(
          List.of(
              table("accounts", false, "id", "email", "password_hash"),
              table("notes", true, "id", "owner", "body")),
          List.of());

  private static Table table(String name, boolean rowLevelSecurity, String... columns) {
    return new Table(
        "app",
        name,
        "table",
        null,
        10L,
        List.of("select", "insert"),
        List.of(columns).stream().map(c -> new Column(c, "text", true, null, null, null)).toList(),
        List.of("id"),
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        rowLevelSecurity,
        List.of());
  }

  private static List<String> review(String spec, boolean publicAsked) throws Exception {
    EndpointSpec decoded = CODEC.decode(Json.parse(spec));
    return SecurityReview.findings(List.of(decoded), SCHEMA, publicAsked);
  }

  private static String spec(String method, String auth, String steps, String body) {
    return "{\"name\": \"e\", \"method\": \""
        + method
        + "\", \"path\": \"/e\", \"auth\": "
        + auth
        + ", \"steps\": "
        + steps
        + (body == null ? "" : ", \"response\": {\"body\": " + body + "}")
        + "}";
  }

  private static final String KEY = "{\"mode\": \"apiKey\"}";
  private static final String PUBLIC = "\"public\"";

  @Test
  void a_bounded_read_behind_a_key_is_clean() throws Exception {
    assertThat(
            review(
                spec(
                    "GET",
                    KEY,
                    "[{\"id\": \"rows\", \"sql\": \"select id, email from app.accounts limit 20\", \"expect\": \"many\"}]",
                    null),
                false))
        .isEmpty();
  }

  @Test
  void a_public_write_nobody_asked_for() throws Exception {
    String spec =
        spec(
            "POST",
            PUBLIC,
            "[{\"id\": \"row\", \"sql\": \"insert into app.accounts (email) values ('a') returning id\", \"expect\": \"one\"}]",
            null);
    assertThat(review(spec, false)).singleElement().asString().contains("anyone may call it");
    assertThat(review(spec, true)).isEmpty();
  }

  @Test
  void credentials_secrets_unbounded_lists_and_policies_without_a_caller() throws Exception {
    assertThat(
            review(
                spec(
                    "GET",
                    KEY,
                    "[{\"id\": \"rows\", \"sql\": \"select * from app.accounts\", \"expect\": \"many\"}]",
                    "{\"rows\": \"${steps.rows.rows}\", \"k\": \"${secrets.STRIPE_KEY}\"}"),
                false))
        .anyMatch(f -> f.contains("answers a secret's value"))
        .anyMatch(f -> f.contains("credential-like column password_hash"))
        .anyMatch(f -> f.contains("no LIMIT"));
    assertThat(
            review(
                spec(
                    "GET",
                    KEY,
                    "[{\"id\": \"rows\", \"sql\": \"select id, password_hash from app.accounts limit 1\", \"expect\": \"one\"}]",
                    null),
                false))
        .singleElement()
        .asString()
        .contains("reads the credential-like column app.accounts.password_hash");
    assertThat(
            review(
                spec(
                    "GET",
                    PUBLIC,
                    "[{\"id\": \"rows\", \"sql\": \"select id, body from app.notes limit 5\", \"expect\": \"many\"}]",
                    null),
                true))
        .singleElement()
        .asString()
        .contains("row-level security");
  }

  @Test
  void scripts_that_build_sql_from_strings_or_log_secrets() throws Exception {
    String code =
        "const rows = await ctx.db.query(`select * from app.notes where owner = '${ctx.input.query.o}'`);"
            + " console.log(ctx.secrets.get('K')); return rows;";
    assertThat(
            review(
                spec(
                    "GET",
                    KEY,
                    "[{\"id\": \"s\", \"script\": " + Json.MAPPER.writeValueAsString(code) + "}]",
                    null),
                false))
        .anyMatch(f -> f.contains("builds SQL from strings"))
        .anyMatch(f -> f.contains("logs a secret"));
  }

  @Test
  void fetches_the_orgs_egress_allow_list_refuses() throws Exception {
    String code =
        "const a = await ctx.fetch('https://api.example.com/v1/rates'); const b = await"
            + " ctx.fetch(\"http://169.254.169.254/latest/meta-data\"); return [a.status, b.status];";
    EndpointSpec spec =
        CODEC.decode(
            Json.parse(
                spec(
                    "GET",
                    KEY,
                    "[{\"id\": \"s\", \"script\": " + Json.MAPPER.writeValueAsString(code) + "}]",
                    null)));
    List<String> findings =
        SecurityReview.findings(
            List.of(spec),
            SCHEMA,
            false,
            url ->
                url.contains("169.254")
                    ? java.util.Optional.of("a link-local address")
                    : java.util.Optional.empty());
    assertThat(findings)
        .singleElement()
        .asString()
        .contains("fetches http://169.254.169.254/latest/meta-data")
        .contains("link-local");
  }
}
