package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestOrg;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets: encrypted at rest, usable by endpoints, never shown again, rotated without loss. */
class SecretsTest {
  private static final String PLANTED = "sk_live_PLANTED_4f9c2e7a1b";
  private static final String OTHER_KEY = "b3RoZXItbWFzdGVyLWtleS0wMTIzNDU2Nzg5YWJjZGU=";

  private static String secretEndpoints() {
    return """
        name: uses-secret
        method: GET
        path: /uses-secret
        steps:
          - id: s
            sql: select length(:key) as n, md5(:key) as digest
            params: { key: "${secrets.STRIPE_KEY}" }
            expect: one
        response: { body: "${steps.s.row}" }
        """;
  }

  @Test
  void a_planted_secret_never_shows_in_any_response_or_log_line(@TempDir Path dataDir)
      throws Exception {
    var captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    var replies = new ArrayList<Reply>();
    try (var database = new TestDatabase()) {
      System.setOut(
          new PrintStream(new TeeStream(original, captured), true, StandardCharsets.UTF_8));
      try (var slipway = TestSlipway.start(database.url(), dataDir, Map.of())) {
        replies.add(
            slipway.control(
                "PUT",
                "/api/secrets/STRIPE_KEY",
                "{\"value\":\"" + PLANTED + "\"}",
                "application/json"));
        assertThat(replies.getLast().status()).isEqualTo(201);
        replies.add(
            slipway.control(
                "PUT",
                "/api/secrets/STRIPE_KEY",
                "{\"value\":\"" + PLANTED + "\"}",
                "application/json"));
        assertThat(replies.getLast().status()).isEqualTo(200);
        replies.add(slipway.control("GET", "/api/secrets"));
        assertThat(replies.getLast().json().findValuesAsText("name")).containsExactly("STRIPE_KEY");

        slipway.save(secretEndpoints());
        slipway.save(
            """
            name: leaks-secret
            method: GET
            path: /leaks-secret
            steps:
              - id: s
                sql: select cast(:key as integer) as n
                params: { key: "${secrets.STRIPE_KEY}" }
              - id: t
                script: |
                  ctx.log("the key is " + ctx.steps.s);
                  throw new Error("failed with " + ctx.input.query.k);
            """);
        slipway.save(
            """
            name: logs-secret
            method: GET
            path: /logs-secret
            steps:
              - id: s
                sql: select :key as k
                params: { key: "${secrets.STRIPE_KEY}" }
                expect: one
              - id: t
                script: |
                  ctx.log("the key is " + ctx.steps.s.row.k);
                  throw new Error("failed with " + ctx.steps.s.row.k);
            """);
        slipway.deploy("{}");

        replies.add(slipway.data("GET", "/uses-secret"));
        assertThat(replies.getLast().json().path("n").asInt()).isEqualTo(PLANTED.length());
        replies.add(slipway.data("GET", "/leaks-secret"));
        replies.add(slipway.data("GET", "/logs-secret"));
        assertThat(replies.getLast().status()).isEqualTo(500);
        replies.add(slipway.control("GET", "/api/endpoints/leaks-secret/preview/leaks-secret"));
        replies.add(slipway.control("GET", "/api/endpoints/logs-secret/preview/logs-secret"));
        assertThat(replies.getLast().body()).contains("[secret:STRIPE_KEY]");
        replies.add(slipway.control("GET", "/api/logs"));
        assertThat(replies.getLast().body()).contains("[secret:STRIPE_KEY]");
        replies.add(slipway.control("GET", "/api/audit"));
        replies.add(slipway.control("GET", "/api/endpoints/leaks-secret"));
        Thread.sleep(300); // the call log's writer flushes every 100 ms
      } finally {
        System.setOut(original);
      }
      for (Reply reply : replies) {
        assertThat(reply.body()).doesNotContain(PLANTED);
        reply
            .headers()
            .values()
            .forEach(values -> assertThat(String.join(",", values)).doesNotContain(PLANTED));
      }
      String output = captured.toString(StandardCharsets.UTF_8);
      assertThat(output).contains("/leaks-secret").doesNotContain(PLANTED);
      assertThat(
              database.scalar(
                  "select count(*) from slipway.secrets where position(convert_to('PLANTED', 'UTF8') in ciphertext) > 0"))
          .isEqualTo(0L);
      assertThat(
              database.scalar(
                  "select count(*) from slipway.audit_log where detail::text like '%PLANTED%' or target like '%PLANTED%'"))
          .isEqualTo(0L);
    }
  }

  @Test
  void the_master_key_file_is_generated_private_and_rotation_rewraps_without_losing_a_secret(
      @TempDir Path dataDir) throws Exception {
    try (var database = new TestDatabase()) {
      var noKey = new java.util.HashMap<String, String>();
      noKey.put("SLIPWAY_MASTER_KEY", "");
      try (var slipway = TestSlipway.start(database.url(), dataDir, noKey)) {
        slipway.control(
            "PUT",
            "/api/secrets/STRIPE_KEY",
            "{\"value\":\"" + PLANTED + "\"}",
            "application/json");
        slipway.save(secretEndpoints());
        slipway.deploy("{}");
        assertThat(slipway.data("GET", "/uses-secret").status()).isEqualTo(200);
      }
      Path file = dataDir.resolve("master.key");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
      String first = Files.readString(file).strip();

      // rotate: the new key is current, the file's key is the previous one
      try (var slipway =
          TestSlipway.start(
              database.url(),
              dataDir,
              Map.of("SLIPWAY_MASTER_KEY", OTHER_KEY, "SLIPWAY_MASTER_KEY_PREVIOUS", first))) {
        assertThat(slipway.data("GET", "/uses-secret").json().path("n").asInt())
            .isEqualTo(PLANTED.length());
      }
      assertThat(
              database.scalar("select count(*) from slipway.org_keys where rotated_at is not null"))
          .isEqualTo(1L);
      // the old key is no longer needed
      try (var slipway =
          TestSlipway.start(database.url(), dataDir, Map.of("SLIPWAY_MASTER_KEY", OTHER_KEY))) {
        assertThat(slipway.data("GET", "/uses-secret").json().path("n").asInt())
            .isEqualTo(PLANTED.length());
      }
      // and the first key alone can no longer read them
      try (var slipway =
          TestSlipway.start(database.url(), dataDir, Map.of("SLIPWAY_MASTER_KEY", first))) {
        Reply reply = slipway.data("GET", "/uses-secret");
        assertThat(reply.status()).isEqualTo(500);
        assertThat(reply.body()).doesNotContain(PLANTED);
      }
    }
  }

  @Test
  void a_ciphertext_moved_to_another_secrets_row_does_not_open() throws Exception {
    try (var database = new TestDatabase();
        var slipway = TestSlipway.start(database)) {
      slipway.control(
          "PUT", "/api/secrets/FIRST", "{\"value\":\"the first value\"}", "application/json");
      slipway.control(
          "PUT", "/api/secrets/SECOND", "{\"value\":\"the second value\"}", "application/json");
      slipway.save(
          """
          name: reads-first
          method: GET
          path: /reads-first
          steps:
            - id: s
              sql: select md5(:value) as digest
              params: { value: "${secrets.FIRST}" }
              expect: one
          response: { body: "${steps.s.row}" }
          """);
      slipway.deploy("{}");
      assertThat(slipway.data("GET", "/reads-first").json().path("digest").asText())
          .isEqualTo(md5("the first value"));
      long org = slipway.control("GET", "/api/org").json().path("id").asLong();

      // someone with write access to the database puts SECOND's ciphertext in FIRST's row, and the
      // server is told to read its secrets again
      database.execute(
          "update slipway.secrets f set ciphertext = s.ciphertext from slipway.secrets s"
              + " where f.org_id = "
              + org
              + " and s.org_id = f.org_id and f.name = 'FIRST' and s.name = 'SECOND'");
      database.execute("select pg_notify('" + Secrets.CHANNEL + "', '" + org + "')");
      Reply reply = slipway.data("GET", "/reads-first");
      for (int wait = 0;
          wait < 200 && reply.status() == 200 && reply.body().contains(md5("the first value"));
          wait++) {
        Thread.sleep(50);
        reply = slipway.data("GET", "/reads-first");
      }
      assertThat(reply.body())
          .as("FIRST must not read as SECOND's value")
          .doesNotContain(md5("the second value"));
      assertThat(reply.status()).as(reply.toString()).isEqualTo(500);
      assertThatThrownBy(() -> TestSlipway.storedSecrets(database).values(org))
          .isInstanceOf(IllegalStateException.class);

      // a secret of the same name, moved into another org's rows with the data key it is sealed
      // under, does not open there either
      TestOrg other = TestOrg.create(slipway, database, "other");
      assertThat(
              other
                  .call("PUT", "/api/secrets/SECOND", "{\"value\":\"the other org's value\"}")
                  .status())
          .isEqualTo(201);
      long otherOrg = other.id();
      database.execute(
          "update slipway.org_keys o set kek_id = d.kek_id, wrapped_key = d.wrapped_key from slipway.org_keys d"
              + " where o.org_id = "
              + otherOrg
              + " and d.org_id = "
              + org);
      database.execute(
          "update slipway.secrets o set ciphertext = d.ciphertext from slipway.secrets d"
              + " where o.org_id = "
              + otherOrg
              + " and d.org_id = "
              + org
              + " and o.name = 'SECOND' and d.name = o.name");
      assertThatThrownBy(() -> TestSlipway.storedSecrets(database).values(otherOrg))
          .isInstanceOf(IllegalStateException.class);
    }
  }

  private static String md5(String text) throws java.security.NoSuchAlgorithmException {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("MD5")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** Copies everything written to two streams. */
  private static final class TeeStream extends java.io.OutputStream {
    private final List<java.io.OutputStream> targets;

    TeeStream(java.io.OutputStream first, java.io.OutputStream second) {
      this.targets = List.of(first, second);
    }

    @Override
    public void write(int b) throws java.io.IOException {
      for (var target : targets) target.write(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws java.io.IOException {
      for (var target : targets) target.write(bytes, offset, length);
    }
  }
}
