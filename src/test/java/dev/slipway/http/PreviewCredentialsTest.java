package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A preview is called with the platform's credentials (a bearer token or a session cookie), which
 * are not the endpoint's: user code must see neither, and sees {@code X-Slipway-Authorization} as
 * its caller's {@code Authorization}.
 */
@ServerTest
class PreviewCredentialsTest {
  private static final String PREVIEW = "/api/endpoints/echo-headers/preview/echo-headers";
  private static TestDatabase database;
  private static TestSlipway slipway;
  private static String memberToken;
  private static String sessionCookie;

  @BeforeAll
  static void start() throws Exception {
    memberToken = slipway.addMember("member@alpha.test", "member").accessToken();
    String setCookie =
        slipway
            .controlAs(
                null,
                "POST",
                "/api/auth/login",
                "{\"email\":\"member@alpha.test\",\"password\":\"" + TestSlipway.PASSWORD + "\"}")
            .header("Set-Cookie");
    sessionCookie = setCookie.substring(0, setCookie.indexOf(';'));
    // the request's headers as a script and as a response template see them (saving checks the
    // script in a worker)
    slipway.awaitSandboxWorkers();
    slipway.save(
        """
        name: echo-headers
        method: GET
        path: /echo-headers
        steps:
          - id: seen
            language: javascript
            script: return ctx.input.headers;
        response:
          body: { script: "${steps.seen}", template: "${input.headers}" }
        """);
  }

  @Test
  void a_preview_with_the_platform_bearer_token_hands_user_code_no_authorization() {
    Reply reply =
        slipway.controlWith(
            Map.of("Authorization", "Bearer " + memberToken, "X-Trace", "kept"),
            "GET",
            PREVIEW,
            null);
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    assertThat(reply.body()).doesNotContain(memberToken);
    for (String seenBy : new String[] {"script", "template"}) {
      JsonNode headers = reply.json().path(seenBy);
      assertThat(headers.path("x-trace").asText())
          .as(seenBy + " sees the request's other headers")
          .isEqualTo("kept");
      assertThat(headers.has("authorization"))
          .as(seenBy + " sees an Authorization: " + headers)
          .isFalse();
    }
  }

  @Test
  void
      a_preview_with_a_session_cookie_hands_user_code_no_cookie_and_x_slipway_authorization_as_its_authorization() {
    Reply reply =
        slipway.controlWith(
            Map.of(
                "Cookie", sessionCookie, "X-Slipway-Authorization", "Bearer the-endpoints-caller"),
            "GET",
            PREVIEW,
            null);
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    assertThat(reply.body())
        .doesNotContain(sessionCookie.substring(sessionCookie.indexOf('=') + 1));
    for (String seenBy : new String[] {"script", "template"}) {
      JsonNode headers = reply.json().path(seenBy);
      assertThat(headers.has("cookie")).as(seenBy + " sees a Cookie: " + headers).isFalse();
      assertThat(headers.path("authorization").asText())
          .as(seenBy)
          .isEqualTo("Bearer the-endpoints-caller");
      assertThat(headers.has("x-slipway-authorization")).as(seenBy).isFalse();
    }
  }
}
