package dev.slipway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code slipway admin create-user}: the first owner, made from the command line. */
class AdminCommandTest {
  @Test
  void create_user_makes_an_owner_who_can_sign_in() throws Exception {
    try (var database = new TestDatabase()) {
      // the command migrates an empty database itself
      assertThat(
              Admin.run(
                  List.of(
                      "create-user",
                      "--email",
                      "ada@example.com",
                      "--password",
                      "short",
                      "--database-url",
                      database.url())))
          .isEqualTo(2);
      assertThat(
              Admin.run(
                  List.of(
                      "create-user",
                      "--email",
                      "ada@example.com",
                      "--password",
                      "a long passphrase",
                      "--database-url",
                      database.url())))
          .isEqualTo(0);
      assertThat(
              Admin.run(
                  List.of(
                      "create-user",
                      "--email",
                      "ada@example.com",
                      "--password",
                      "a long passphrase",
                      "--database-url",
                      database.url())))
          .isEqualTo(2);
      try (var slipway = TestSlipway.start(database)) {
        var signedIn =
            slipway.controlAs(
                null,
                "POST",
                "/api/auth/token",
                "{\"email\":\"ada@example.com\",\"password\":\"a long passphrase\"}");
        assertThat(signedIn.status()).isEqualTo(200);
        assertThat(signedIn.json().path("role").asText()).isEqualTo("owner");
        assertThat(signedIn.json().path("org").path("slug").asText()).isEqualTo("default");
      }
    }
  }
}
