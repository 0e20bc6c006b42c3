package dev.slipway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.Slipway;
import dev.slipway.common.Json;
import dev.slipway.config.SlipwayConfig;
import dev.slipway.security.MasterKey;
import dev.slipway.security.Secrets;
import dev.slipway.store.AuditStore;
import dev.slipway.store.PlatformTransactions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real Slipway on random ports for a test, with an HTTP client for both planes. A test class
 * marked {@link ServerTest} gets one on a fresh database before its tests and then only sends
 * requests and asserts; tests that need an unusual start (a database without privileges, a second
 * instance) call {@link #start} themselves.
 */
public final class TestSlipway implements AutoCloseable {
  public static final String TOKEN = "test-admin-token-0123456789";
  public static final String MASTER_KEY = "dGVzdC1tYXN0ZXIta2V5LTAxMjM0NTY3ODlhYmNkZWY=";

  /** The password of the users that tests add. */
  public static final String PASSWORD = "correct horse battery";

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private final Slipway slipway;

  private TestSlipway(Slipway slipway) {
    this.slipway = slipway;
  }

  /**
   * The secrets as stored, read straight from the database under {@link #MASTER_KEY} by a new
   * {@link Secrets} with nothing cached: what a server started now would see.
   */
  public static Secrets storedSecrets(TestDatabase database) {
    try {
      return new Secrets(
          new PlatformTransactions(database.dataSource()),
          new AuditStore(),
          MasterKey.parse(MASTER_KEY, "SLIPWAY_MASTER_KEY"),
          Optional.empty());
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Starts against {@code databaseUrl} (null: embedded, under {@code dataDir}) with extra settings.
   */
  public static TestSlipway start(String databaseUrl, Path dataDir, Map<String, String> settings)
      throws Exception {
    var env = new HashMap<String, String>();
    env.put("SLIPWAY_PORT", "0");
    env.put("SLIPWAY_CONTROL_PORT", "0");
    env.put("SLIPWAY_HOST", "127.0.0.1");
    env.put("SLIPWAY_ADMIN_TOKEN", TOKEN);
    env.put("SLIPWAY_DB_POOL_SIZE", "8");
    // two cores run the tests: two sandbox workers, not the default two per core
    env.put("SLIPWAY_SANDBOX_WORKERS", "2");
    // a fixed master key, so no test writes a key file into the working directory
    env.put("SLIPWAY_MASTER_KEY", MASTER_KEY);
    if (databaseUrl != null) env.put("SLIPWAY_DATABASE_URL", databaseUrl);
    if (dataDir != null) env.put("SLIPWAY_DATA_DIR", dataDir.toString());
    env.putAll(settings);
    return new TestSlipway(Slipway.start(SlipwayConfig.load(List.of(), env)));
  }

  public static TestSlipway start(TestDatabase database) throws Exception {
    return start(database.url(), null, Map.of());
  }

  /** An HTTP exchange's outcome. */
  public record Reply(int status, Map<String, List<String>> headers, String body) {
    public JsonNode json() {
      try {
        return Json.MAPPER.readTree(body);
      } catch (Exception e) {
        throw new AssertionError("not JSON (status " + status + "): " + body, e);
      }
    }

    public String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().getFirst())
          .findFirst()
          .orElse(null);
    }

    public String contentType() {
      return header("content-type");
    }

    /** The paths named in a problem's {@code errors}. */
    public List<String> errorPaths() {
      var paths = new ArrayList<String>();
      json().path("errors").forEach(e -> paths.add(e.path("path").asText()));
      return paths;
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  /** A call to the control plane with the admin token. */
  public Reply control(String method, String path, String body, String contentType) {
    return send(
        method,
        "http://127.0.0.1:" + slipway.controlPort() + path,
        body,
        contentType,
        Map.of("Authorization", "Bearer " + TOKEN));
  }

  public Reply control(String method, String path) {
    return control(method, path, null, null);
  }

  /** A JSON call to the control plane with a bearer token (an API key or an access token). */
  public Reply controlAs(String bearer, String method, String path, String jsonBody) {
    return send(
        method,
        "http://127.0.0.1:" + slipway.controlPort() + path,
        jsonBody,
        jsonBody == null ? null : "application/json",
        bearer == null ? Map.of() : Map.of("Authorization", "Bearer " + bearer));
  }

  /** A JSON call to the control plane with any headers (cookies, CSRF tokens). */
  public Reply controlWith(
      Map<String, String> headers, String method, String path, String jsonBody) {
    return send(
        method,
        "http://127.0.0.1:" + slipway.controlPort() + path,
        jsonBody,
        jsonBody == null ? null : "application/json",
        headers);
  }

  /** A member a test added, signed in. */
  public record Member(long userId, String email, String accessToken) {}

  /** Adds a member of the default org, with {@link #PASSWORD}, and signs them in. */
  public Member addMember(String email, String role) {
    long userId = addUser(email, role);
    return new Member(userId, email, signIn(email, Optional.empty()));
  }

  /**
   * Adds a member of the default org, with {@link #PASSWORD}, without signing in; their user id.
   */
  public long addUser(String email, String role) {
    Reply added =
        control(
            "POST",
            "/api/members",
            "{\"email\":\""
                + email
                + "\",\"role\":\""
                + role
                + "\",\"password\":\""
                + PASSWORD
                + "\"}",
            "application/json");
    if (added.status() != 201) throw new AssertionError("cannot add " + email + ": " + added);
    return added.json().path("userId").asLong();
  }

  /**
   * Signs in with {@link #PASSWORD} to the org named (else the user's first) and answers the access
   * token.
   */
  public String signIn(String email, Optional<String> org) {
    Reply reply =
        controlAs(
            null,
            "POST",
            "/api/auth/token",
            "{\"email\":\""
                + email
                + "\",\"password\":\""
                + PASSWORD
                + "\""
                + org.map(slug -> ",\"org\":\"" + slug + "\"").orElse("")
                + "}");
    if (reply.status() != 200) throw new AssertionError(email + " cannot sign in: " + reply);
    return reply.json().path("accessToken").asText();
  }

  /** Saves a spec (YAML or JSON) and fails the test unless it is accepted. */
  public JsonNode save(String spec) {
    Reply reply = control("POST", "/api/endpoints", spec, "application/yaml");
    if (reply.status() != 201 && reply.status() != 200)
      throw new AssertionError("spec rejected: " + reply);
    return reply.json();
  }

  /** Deploys and fails the test unless the deploy succeeds; answers the release. */
  public JsonNode deploy(String requestJson) {
    Reply reply = control("POST", "/api/deploy", requestJson, "application/json");
    if (reply.status() != 201) throw new AssertionError("deploy failed: " + reply);
    return reply.json();
  }

  public Reply data(String method, String path, String body, String contentType) {
    return send(
        method, "http://127.0.0.1:" + slipway.dataPort() + path, body, contentType, Map.of());
  }

  public Reply data(String method, String path) {
    return data(method, path, null, null);
  }

  public static Reply send(
      String method, String url, String body, String contentType, Map<String, String> headers) {
    return send(
        method,
        url,
        body == null ? null : body.getBytes(StandardCharsets.UTF_8),
        contentType,
        headers);
  }

  public static Reply send(
      String method, String url, byte[] body, String contentType, Map<String, String> headers) {
    return send(
        method,
        url,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body),
        contentType,
        headers);
  }

  /** Sends the body chunked, with no Content-Length, as a streaming client would. */
  public Reply dataStreamed(String method, String path, byte[] body, String contentType) {
    return send(
        method,
        "http://127.0.0.1:" + slipway.dataPort() + path,
        HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)),
        contentType,
        Map.of());
  }

  private static Reply send(
      String method,
      String url,
      HttpRequest.BodyPublisher body,
      String contentType,
      Map<String, String> headers) {
    var request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .method(method, body);
    if (contentType != null) request.header("Content-Type", contentType);
    headers.forEach(request::header);
    try {
      HttpResponse<String> response =
          CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), response.headers().map(), response.body());
    } catch (Exception e) {
      throw new AssertionError(method + " " + url + " failed: " + e, e);
    }
  }

  /**
   * Writes {@code request} as it is to {@code port} over a plain socket (for requests no HTTP
   * client would send) and reads the answer until the server closes the connection or the body its
   * Content-Length announces has arrived.
   */
  public static Reply raw(int port, byte[] request) {
    try (var socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      var in = new java.io.BufferedInputStream(socket.getInputStream());
      String statusLine = line(in);
      var headers = new java.util.LinkedHashMap<String, List<String>>();
      for (String header = line(in); !header.isEmpty(); header = line(in)) {
        int colon = header.indexOf(':');
        headers
            .computeIfAbsent(
                header.substring(0, colon).trim().toLowerCase(), k -> new ArrayList<>())
            .add(header.substring(colon + 1).trim());
      }
      var length = headers.get("content-length");
      byte[] body =
          length == null ? in.readAllBytes() : in.readNBytes(Integer.parseInt(length.getFirst()));
      return new Reply(
          Integer.parseInt(statusLine.split(" ")[1]),
          headers,
          new String(body, StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new AssertionError("raw request to port " + port + " failed: " + e, e);
    }
  }

  private static String line(java.io.InputStream in) throws java.io.IOException {
    var line = new java.io.ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) throw new java.io.EOFException("the connection closed mid-line: " + line);
      if (b != '\r') line.write(b);
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  /** The database login the default org's SQL runs as: what tests grant their tables to. */
  public String orgLogin() {
    return control("GET", "/api/org").json().path("databaseLogin").asText();
  }

  /**
   * Waits until both sandbox workers have started and warmed up, so that a test's first script does
   * not spend its HTTP timeout waiting for them on a busy machine.
   */
  public void awaitSandboxWorkers() {
    long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    Reply health = control("GET", "/api/health");
    while (health.json().path("sandbox").path("idle").asInt() < 2) {
      if (System.nanoTime() - until > 0)
        throw new AssertionError("sandbox workers not ready within 120 s: " + health);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      health = control("GET", "/api/health");
    }
  }

  public int dataPort() {
    return slipway.dataPort();
  }

  public int controlPort() {
    return slipway.controlPort();
  }

  @Override
  public void close() {
    slipway.close();
  }
}
