package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the server does for the Studio (the browser tests are StudioIT): it serves the built app
 * under a Content-Security-Policy that allows no inline or foreign script, caches only the hashed
 * files, gives a reloaded page its session's CSRF token back, and traces a preview for the test
 * console.
 */
@ServerTest
class StudioRoutesTest {
  private static TestDatabase database;
  private static TestSlipway slipway;
  private static String sessionCookie;
  private static String csrfToken;

  @BeforeAll
  static void start() {
    slipway.addMember("studio@alpha.test", "member");
    Reply login =
        slipway.controlAs(
            null,
            "POST",
            "/api/auth/login",
            "{\"email\":\"studio@alpha.test\",\"password\":\"" + TestSlipway.PASSWORD + "\"}");
    String setCookie = login.header("Set-Cookie");
    sessionCookie = setCookie.substring(0, setCookie.indexOf(';'));
    csrfToken = login.json().path("csrfToken").asText();
  }

  @Test
  void the_page_loads_scripts_only_from_its_own_origin_and_is_never_cached() {
    Reply page = slipway.controlAs(null, "GET", "/", null);
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.contentType()).startsWith("text/html");
    assertThat(page.body()).contains("<div id=\"app\"></div>");
    String policy = page.header("Content-Security-Policy");
    assertThat(directive(policy, "script-src")).isEqualTo("script-src 'self'");
    assertThat(directive(policy, "connect-src")).isEqualTo("connect-src 'self'");
    assertThat(directive(policy, "frame-ancestors")).isEqualTo("frame-ancestors 'none'");
    assertThat(policy).doesNotContain("unsafe-eval").contains("default-src 'none'");
    assertThat(page.header("Cache-Control")).isEqualTo("no-cache");
    // no inline script: every script the page names is a file of its own
    assertThat(page.body()).doesNotContainPattern("<script(?![^>]*\\bsrc=)[^>]*>");
  }

  @Test
  void the_hashed_files_are_cached_for_good_and_other_names_are_not_found() {
    Matcher script =
        Pattern.compile("src=\"(/assets/[^\"]+\\.js)\"")
            .matcher(slipway.controlAs(null, "GET", "/", null).body());
    assertThat(script.find()).isTrue();
    Reply asset = slipway.controlAs(null, "GET", script.group(1), null);
    assertThat(asset.status()).isEqualTo(200);
    assertThat(asset.contentType()).startsWith("text/javascript");
    assertThat(asset.header("Cache-Control")).contains("immutable");

    for (String path :
        new String[] {
          "/assets/nope.js", "/assets/..%2Findex.html", "/assets/x.html", "/assets/.built"
        }) {
      Reply missing = slipway.controlAs(null, "GET", path, null);
      assertThat(missing.status()).as(path).isEqualTo(404);
      assertThat(missing.contentType()).as(path).startsWith("application/problem+json");
    }
  }

  @Test
  void a_session_reads_its_csrf_token_again_and_a_key_gets_none() {
    Reply me = slipway.controlWith(Map.of("Cookie", sessionCookie), "GET", "/api/auth/me", null);
    assertThat(me.status()).isEqualTo(200);
    assertThat(me.json().path("csrfToken").asText()).isEqualTo(csrfToken);

    Reply asKey = slipway.control("GET", "/api/auth/me");
    assertThat(asKey.json().has("csrfToken")).isFalse();

    // the token read back is the one unsafe requests need
    Reply withIt =
        slipway.controlWith(
            Map.of("Cookie", sessionCookie, "X-CSRF-Token", me.json().path("csrfToken").asText()),
            "POST",
            "/api/validation",
            "{\"fields\": {\"name\": \"string\"}}");
    assertThat(withIt.status()).as(withIt.body()).isEqualTo(200);
    Reply without =
        slipway.controlWith(
            Map.of("Cookie", sessionCookie),
            "POST",
            "/api/validation",
            "{\"fields\": {\"name\": \"string\"}}");
    assertThat(without.status()).isEqualTo(403);
  }

  @Test
  void a_traced_preview_answers_the_endpoints_answer_with_its_steps_timings_and_logs() {
    slipway.awaitSandboxWorkers();
    slipway.save(
        """
        name: traced
        method: GET
        path: /traced
        steps:
          - id: calc
            script: |
              console.log('doubling', ctx.input.query.n);
              return { n: Number(ctx.input.query.n) * 2 };
        response:
          status: 201
          body: "${steps.calc}"
        """);
    Reply plain = slipway.control("GET", "/api/endpoints/traced/preview/traced?n=21");
    assertThat(plain.status()).isEqualTo(201);
    assertThat(plain.json().path("n").asInt()).isEqualTo(42);

    Reply traced =
        slipway.controlWith(
            Map.of("Authorization", "Bearer " + TestSlipway.TOKEN, "X-Slipway-Trace", "1"),
            "GET",
            "/api/endpoints/traced/preview/traced?n=21",
            null);
    assertThat(traced.status()).as(traced.body()).isEqualTo(200);
    JsonNode trace = traced.json();
    assertThat(trace.path("status").asInt()).isEqualTo(201);
    assertThat(trace.path("version").asInt()).isEqualTo(1);
    assertThat(trace.path("body").asText()).isEqualTo("{\"n\":42}");
    assertThat(trace.path("steps").get(0).path("step").asText()).isEqualTo("calc");
    assertThat(trace.path("steps").get(0).path("ms").asDouble()).isPositive();
    assertThat(trace.path("logs").toString()).contains("doubling 21");
    assertThat(trace.path("error").isNull()).isTrue();
  }

  private static String directive(String policy, String name) {
    for (String part : policy.split(";\\s*")) if (part.startsWith(name + " ")) return part;
    return "";
  }
}
