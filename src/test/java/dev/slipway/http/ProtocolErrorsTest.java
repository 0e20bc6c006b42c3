package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests that are not valid HTTP, refused by Jetty before any route sees them, are answered
 * problem+json with a stable code on both planes alike, and the connection is closed.
 */
class ProtocolErrorsTest {
  private static TestDatabase database;
  private static TestSlipway slipway;

  @BeforeAll
  static void start() throws Exception {
    database = new TestDatabase();
    slipway = TestSlipway.start(database);
  }

  @AfterAll
  static void stop() {
    slipway.close();
    database.close();
  }

  private static List<Integer> planes() {
    return List.of(slipway.dataPort(), slipway.controlPort());
  }

  private static void assertProblemOnBothPlanes(String request, int status, String code) {
    for (int port : planes()) {
      Reply reply = TestSlipway.raw(port, request.getBytes(StandardCharsets.ISO_8859_1));
      String plane = port == slipway.dataPort() ? "data plane" : "control plane";
      assertThat(reply.status()).as(plane + ": " + reply).isEqualTo(status);
      assertThat(reply.contentType()).as(plane).startsWith("application/problem+json");
      assertThat(reply.header("Connection")).as(plane).isEqualTo("close");
      assertThat(reply.json().path("status").asInt()).as(plane).isEqualTo(status);
      assertThat(reply.json().path("code").asText()).as(plane).isEqualTo(code);
      assertThat(reply.json().path("title").asText()).as(plane).isNotBlank();
      assertThat(reply.json().path("detail").asText()).as(plane).isNotBlank();
      assertThat(reply.header("X-Content-Type-Options")).as(plane).isEqualTo("nosniff");
      assertThat(reply.body()).as(plane).doesNotContain("<html").doesNotContain("Exception");
    }
  }

  @Test
  void a_uri_too_long_is_414() {
    assertProblemOnBothPlanes("GET /api/" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long");
  }

  @Test
  void headers_too_large_are_431() {
    assertProblemOnBothPlanes("GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n", 431,
        "headers_too_large");
  }

  @Test
  void a_nul_byte_in_the_request_line_is_400() {
    assertProblemOnBothPlanes("GET /api/he\u0000alth HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request");
  }

  @Test
  void content_length_with_transfer_encoding_is_400() {
    assertProblemOnBothPlanes("POST /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "0\r\n\r\n", 400, "bad_request");
  }

  @Test
  void two_content_lengths_are_400() {
    assertProblemOnBothPlanes("POST /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400,
        "bad_request");
  }

  @Test
  void an_unknown_http_version_is_505() {
    assertProblemOnBothPlanes("GET /api/health HTTP/1.7\r\nHost: x\r\n\r\n", 505, "http_version_not_supported");
  }
}
