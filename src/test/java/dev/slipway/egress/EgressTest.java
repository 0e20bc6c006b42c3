package dev.slipway.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real fetches against a real HTTP server on a loopback port. Loopback is blocked by default, so
 * the server is reachable only for orgs whose allow-list names it with a CIDR entry; every refusal
 * is checked to happen before the server sees a request.
 */
class EgressTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final long OPEN_ORG = 1;
  private static final long LOOPBACK_ORG = 2;
  private static final long HOSTS_ORG = 3;

  private static HttpServer server;
  private static ExecutorService serverThreads;
  private static final AtomicInteger requests = new AtomicInteger();
  private static final CountDownLatch release = new CountDownLatch(1);
  private static final Map<Long, EgressPolicy> policies = new ConcurrentHashMap<>();
  private static Egress egress;
  private static int port;

  @BeforeAll
  static void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    serverThreads = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(serverThreads);
    server.createContext(
        "/",
        exchange -> {
          requests.incrementAndGet();
          switch (exchange.getRequestURI().getPath()) {
            case "/echo" -> echo(exchange);
            case "/latin1" ->
                send(
                    exchange,
                    200,
                    "text/plain; charset=ISO-8859-1",
                    "café".getBytes(StandardCharsets.ISO_8859_1));
            case "/to-echo" -> redirect(exchange, 302, "/echo?from=redirect");
            case "/to-metadata" ->
                redirect(exchange, 302, "http://169.254.169.254/latest/meta-data/");
            case "/to-self" -> redirect(exchange, 307, "/to-self");
            case "/see-other" -> redirect(exchange, 303, "/echo");
            case "/big" -> send(exchange, 200, "text/plain", new byte[6 * 1024 * 1024]);
            case "/big-chunked" -> chunked(exchange, 6 * 1024 * 1024);
            case "/stall" -> {
              try {
                release.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              send(exchange, 200, "text/plain", new byte[0]);
            }
            default -> send(exchange, 404, "text/plain", "no".getBytes(StandardCharsets.UTF_8));
          }
        });
    server.start();
    port = server.getAddress().getPort();
    policies.put(LOOPBACK_ORG, EgressPolicy.parse(List.of("127.0.0.1/32")));
    policies.put(HOSTS_ORG, EgressPolicy.parse(List.of("api.example.com", "*.example.org")));
    egress = new Egress(org -> policies.getOrDefault(org, EgressPolicy.DEFAULT));
  }

  @AfterAll
  static void stop() {
    release.countDown();
    egress.close();
    server.stop(0);
    serverThreads.shutdownNow();
  }

  @BeforeEach
  void reset() {
    requests.set(0);
  }

  private static void echo(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String reply =
        exchange.getRequestMethod()
            + " "
            + exchange.getRequestURI()
            + "\n"
            + "host="
            + exchange.getRequestHeaders().getFirst("Host")
            + "\n"
            + "x-test="
            + exchange.getRequestHeaders().getFirst("X-Test")
            + "\n"
            + "authorization="
            + exchange.getRequestHeaders().getFirst("Authorization")
            + "\n"
            + "content-type="
            + exchange.getRequestHeaders().getFirst("Content-Type")
            + "\n"
            + "body="
            + body
            + "\n"
            + "client-port="
            + exchange.getRemoteAddress().getPort();
    exchange.getResponseHeaders().add("X-Reply", "one");
    exchange.getResponseHeaders().add("X-Reply", "two");
    send(exchange, 201, "text/plain; charset=utf-8", reply.getBytes(StandardCharsets.UTF_8));
  }

  private static void redirect(HttpExchange exchange, int status, String location)
      throws IOException {
    exchange.getResponseHeaders().set("Location", location);
    send(exchange, status, "text/plain", new byte[0]);
  }

  private static void send(HttpExchange exchange, int status, String contentType, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    } catch (IOException e) {
      // the client hung up (as it does on a body too large); nothing to answer
    }
  }

  private static void chunked(HttpExchange exchange, int size) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/plain");
    exchange.sendResponseHeaders(200, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      byte[] chunk = new byte[64 * 1024];
      for (int sent = 0; sent < size; sent += chunk.length) out.write(chunk);
    } catch (IOException e) {
      // the client hung up
    }
  }

  private static String local(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  private static EgressException refused(long org, FetchRequest request) {
    var e = catchThrowableOfType(EgressException.class, () -> egress.fetch(org, request, TIMEOUT));
    assertThat(e).as("fetch of " + request.url() + " should fail").isNotNull();
    return e;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.1:%d/echo",
        "http://localhost:%d/echo",
        "http://[::1]:%d/echo",
        "http://2130706433:%d/echo",
        "http://[::ffff:7f00:1]:%d/echo",
        "http://0x7f.1:%d/echo",
        "http://0x7f000001:%d/echo",
        "http://0177.0.0.1:%d/echo",
        "http://127.1:%d/echo",
        "http://017700000001:%d/echo",
        "http://127.0.0.1.:%d/echo",
        "http://0251.0376.0251.0376/latest/meta-data/",
        "http://10.0.0.1:%d/",
        "http://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1:%d/echo"
      })
  void the_default_policy_refuses_internal_destinations_before_connecting(String template) {
    String url = template.contains("%d") ? template.formatted(port) : template;
    var e = refused(OPEN_ORG, FetchRequest.get(url));
    assertThat(e.code()).as(e.getMessage()).isEqualTo("egress_denied");
    assertThat(e.getMessage()).doesNotContain("Exception").doesNotContain("dev.slipway");
    assertThat(requests).hasValue(0);
  }

  @Test
  void a_numeric_host_is_the_address_browsers_read_and_that_address_is_the_one_connected_to() {
    var response =
        egress.fetch(
            LOOPBACK_ORG, FetchRequest.get("http://0177.0.0.1:" + port + "/echo"), TIMEOUT);
    assertThat(response.body()).contains("host=127.0.0.1:" + port);
    assertThat(response.url()).isEqualTo(local("/echo"));
    assertThat(
            egress
                .fetch(LOOPBACK_ORG, FetchRequest.get("http://0x7f.1:" + port + "/echo?q"), TIMEOUT)
                .url())
        .isEqualTo(local("/echo?q"));
    assertThat(requests).hasValue(2);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://1.2.3.08/",
        "http://256.0.0.1/",
        "http://example.1/",
        "http://1.2.3.4.5/",
        "http://0x100.1/",
        "http://[::0177.0.0.1]/",
        "http://[127.0.0.1]/"
      })
  void a_host_that_ends_in_a_number_but_is_no_address_is_an_invalid_request(String url) {
    var e = refused(LOOPBACK_ORG, FetchRequest.get(url));
    assertThat(e.code()).as(e.getMessage()).isEqualTo("egress_invalid_request");
  }

  @Test
  void a_refusal_names_the_host_the_address_and_why() {
    var e = refused(OPEN_ORG, FetchRequest.get("http://localhost:" + port + "/echo"));
    assertThat(e.getMessage()).contains("localhost").contains("127.0.0.1 is a loopback address");
  }

  @Test
  void an_allowed_server_answers_with_status_headers_and_body() {
    var response =
        egress.fetch(
            LOOPBACK_ORG,
            new FetchRequest(
                local("/echo?q=1"),
                "post",
                Map.of("X-Test", "yes", "Content-Type", "application/json"),
                "{\"hello\":\"wörld\"}"),
            TIMEOUT);
    assertThat(response.status()).isEqualTo(201);
    assertThat(response.statusText()).isEqualTo("Created");
    assertThat(response.headers())
        .containsEntry("x-reply", "one, two")
        .containsEntry("content-type", "text/plain; charset=utf-8");
    assertThat(response.body())
        .contains(
            "POST /echo?q=1",
            "host=127.0.0.1:" + port,
            "x-test=yes",
            "content-type=application/json",
            "body={\"hello\":\"wörld\"}");
    assertThat(response.url()).isEqualTo(local("/echo?q=1"));
    assertThat(requests).hasValue(1);
  }

  @Test
  void decodes_the_body_with_the_content_types_charset() {
    assertThat(egress.fetch(LOOPBACK_ORG, FetchRequest.get(local("/latin1")), TIMEOUT).body())
        .isEqualTo("café");
  }

  @Test
  void follows_a_redirect_on_an_allowed_server_and_reports_the_final_url() {
    var response = egress.fetch(LOOPBACK_ORG, FetchRequest.get(local("/to-echo")), TIMEOUT);
    assertThat(response.status()).isEqualTo(201);
    assertThat(response.url()).isEqualTo(local("/echo?from=redirect"));
    assertThat(response.body()).startsWith("GET /echo?from=redirect");
  }

  @Test
  void a_see_other_redirect_turns_a_post_into_a_get_without_its_body() {
    var response =
        egress.fetch(
            LOOPBACK_ORG,
            new FetchRequest(local("/see-other"), "POST", Map.of(), "payload"),
            TIMEOUT);
    assertThat(response.body()).startsWith("GET /echo").contains("body=").doesNotContain("payload");
  }

  @Test
  void a_redirect_to_the_metadata_address_is_refused() {
    var e = refused(LOOPBACK_ORG, FetchRequest.get(local("/to-metadata")));
    assertThat(e.code()).isEqualTo("egress_denied");
    assertThat(e.getMessage()).contains("169.254.169.254 is a link-local address");
    assertThat(requests).hasValue(1);
  }

  @Test
  void stops_after_five_redirects() {
    var e = refused(LOOPBACK_ORG, FetchRequest.get(local("/to-self")));
    assertThat(e.code()).isEqualTo("egress_failed");
    assertThat(e.getMessage()).contains("5 redirects");
    assertThat(requests).hasValue(6);
  }

  @Test
  void a_response_over_five_mebibytes_is_refused() {
    assertThat(refused(LOOPBACK_ORG, FetchRequest.get(local("/big"))).code())
        .isEqualTo("egress_response_too_large");
    assertThat(refused(LOOPBACK_ORG, FetchRequest.get(local("/big-chunked"))).code())
        .isEqualTo("egress_response_too_large");
  }

  @Test
  void a_stalled_server_fails_within_the_timeout() {
    long started = System.nanoTime();
    var e =
        catchThrowableOfType(
            EgressException.class,
            () ->
                egress.fetch(
                    LOOPBACK_ORG, FetchRequest.get(local("/stall")), Duration.ofMillis(500)));
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(e.code()).isEqualTo("egress_failed");
    assertThat(e.getMessage()).contains("timed out");
    assertThat(took).isLessThan(Duration.ofMillis(1500));
  }

  @Test
  void a_host_only_allow_list_refuses_every_other_host_without_connecting() {
    var e = refused(HOSTS_ORG, FetchRequest.get(local("/echo")));
    assertThat(e.code()).isEqualTo("egress_denied");
    assertThat(e.getMessage()).contains("127.0.0.1 is not on the org's egress allow-list");
    assertThat(refused(HOSTS_ORG, FetchRequest.get("https://example.com/")).code())
        .isEqualTo("egress_denied");
    assertThat(refused(HOSTS_ORG, FetchRequest.get("https://example.org/")).code())
        .isEqualTo("egress_denied");
    assertThat(requests).hasValue(0);
  }

  @Test
  void a_connection_opened_for_one_org_is_never_used_for_another() {
    String first = egress.fetch(LOOPBACK_ORG, FetchRequest.get(local("/echo")), TIMEOUT).body();
    String second = egress.fetch(LOOPBACK_ORG, FetchRequest.get(local("/echo")), TIMEOUT).body();
    // the same org reuses its pooled connection (same client port) ...
    assertThat(clientPort(second)).isEqualTo(clientPort(first));
    // ... which another org never gets: its fetch is checked, and refused
    assertThat(refused(OPEN_ORG, FetchRequest.get(local("/echo"))).code())
        .isEqualTo("egress_denied");
    assertThat(requests).hasValue(2);
  }

  private static String clientPort(String echo) {
    return echo.lines().filter(line -> line.startsWith("client-port=")).findFirst().orElseThrow();
  }

  @Test
  void a_narrowed_policy_applies_to_the_next_fetch_despite_pooled_connections() {
    long org = 42;
    policies.put(org, EgressPolicy.parse(List.of("127.0.0.1/32")));
    assertThat(egress.fetch(org, FetchRequest.get(local("/echo")), TIMEOUT).status())
        .isEqualTo(201);
    policies.put(org, EgressPolicy.DEFAULT);
    assertThat(refused(org, FetchRequest.get(local("/echo"))).code()).isEqualTo("egress_denied");
    assertThat(requests).hasValue(1);
  }

  @Test
  void credentials_are_not_carried_to_another_origin() {
    // 127.0.0.1 and localhost are different origins on the same server
    long org = 43;
    policies.put(org, EgressPolicy.parse(List.of("127.0.0.0/8", "::1/128")));
    String hop = "http://localhost:" + port + "/echo";
    server.createContext(
        "/to-localhost",
        exchange -> {
          requests.incrementAndGet();
          redirect(exchange, 302, hop);
        });
    var response =
        egress.fetch(
            org,
            new FetchRequest(
                local("/to-localhost"), "GET", Map.of("Authorization", "Bearer s3cret"), null),
            TIMEOUT);
    assertThat(response.url()).isEqualTo(hop);
    assertThat(response.body()).contains("authorization=null");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://example.com/",
        "file:///etc/passwd",
        "not a url",
        "http:///nohost",
        "/relative",
        "http://user:pw@example.com/"
      })
  void unusable_urls_are_invalid_requests(String url) {
    assertThat(refused(OPEN_ORG, FetchRequest.get(url)).code()).isEqualTo("egress_invalid_request");
  }

  @Test
  void bad_methods_headers_and_bodies_are_invalid_requests() {
    String url = local("/echo");
    assertThat(refused(LOOPBACK_ORG, new FetchRequest(url, "CONNECT", Map.of(), null)).code())
        .isEqualTo("egress_invalid_request");
    assertThat(
            refused(LOOPBACK_ORG, new FetchRequest(url, "GET", Map.of("Host", "evil"), null))
                .code())
        .isEqualTo("egress_invalid_request");
    assertThat(
            refused(
                    LOOPBACK_ORG,
                    new FetchRequest(url, "GET", Map.of("X-A", "b\r\nX-Injected: 1"), null))
                .code())
        .isEqualTo("egress_invalid_request");
    assertThat(refused(LOOPBACK_ORG, new FetchRequest(url, "GET", Map.of(), "a body")).code())
        .isEqualTo("egress_invalid_request");
    assertThat(
            refused(
                    LOOPBACK_ORG,
                    new FetchRequest(
                        url, "POST", Map.of(), "x".repeat(Egress.MAX_REQUEST_BODY_BYTES + 1)))
                .code())
        .isEqualTo("egress_invalid_request");
    assertThat(requests).hasValue(0);
  }
}
