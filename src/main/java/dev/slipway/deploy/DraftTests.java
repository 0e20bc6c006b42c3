package dev.slipway.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.realtime.Message;
import dev.slipway.realtime.Subscription;
import dev.slipway.runtime.CompiledEndpoint;
import dev.slipway.runtime.ConsumerKeyLookup;
import dev.slipway.runtime.EndpointCompiler;
import dev.slipway.runtime.EndpointRequest;
import dev.slipway.runtime.EndpointResponse;
import dev.slipway.runtime.OrgConnections;
import dev.slipway.runtime.Router;
import dev.slipway.runtime.RunSecrets;
import dev.slipway.runtime.SharedConnection;
import dev.slipway.runtime.WebhookCheck;
import dev.slipway.security.Actor;
import dev.slipway.security.Secrets;
import dev.slipway.security.SignIn;
import dev.slipway.spec.EndpointSpec;
import dev.slipway.spec.Fixture;
import dev.slipway.spec.InvalidSpecException;
import dev.slipway.spec.SpecCodec;
import dev.slipway.spec.TestCase;
import dev.slipway.store.ChannelStore;
import dev.slipway.store.EndpointStore;
import dev.slipway.store.EndpointVersion;
import dev.slipway.store.PlatformTransactions;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs test cases (request → expected status and response shape) against the latest drafts of some
 * endpoints, through the real pipeline, on one database connection whose work is rolled back at the
 * end: a case can create a row that a later case reads ({@code {{case name.id}}} in a path). A case
 * that names a role calls with a consumer key made for the run alone, holding that role.
 */
public final class DraftTests {

  /** How a case went; {@code detail} says what differed. */
  public record Outcome(String name, boolean passed, int status, String detail) {}

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([^}.]+)\\.([A-Za-z0-9_]+)}}");

  private final PlatformTransactions platform;

  /** Where a channel's case learns which messages were there before the run. */
  private final ChannelStore channelMessages;

  private final EndpointStore store;
  private final EndpointCompiler compiler;
  private final OrgConnections connections;
  private final SpecCodec codec;
  private final Secrets secrets;

  public DraftTests(
      PlatformTransactions platform,
      EndpointStore store,
      SpecCodec codec,
      EndpointCompiler compiler,
      OrgConnections connections,
      Secrets secrets) {
    this.secrets = secrets;
    this.codec = codec;
    this.platform = platform;
    this.channelMessages = new ChannelStore(platform);
    this.store = store;
    this.compiler = compiler;
    this.connections = connections;
  }

  /**
   * Runs the cases as {@code actor}'s run: drafts read secret values only if the actor may, and a
   * case that reads one it may not ends the whole run with that refusal.
   */
  /**
   * Refuses to go on (422 {@code tests_failed}, naming each failed case) unless every case passed:
   * what a generator checks before it deploys what it generated.
   */
  public static void requirePassed(List<Outcome> results) {
    var failed = new ArrayList<Violation>();
    for (int i = 0; i < results.size(); i++) {
      if (!results.get(i).passed())
        failed.add(
            new Violation("/tests/" + i, results.get(i).name() + ": " + results.get(i).detail()));
    }
    if (!failed.isEmpty()) {
      throw ProblemException.unprocessable(
          "tests_failed",
          failed.size()
              + " of "
              + results.size()
              + " generated tests failed, so nothing was deployed; the drafts are saved.",
          failed);
    }
  }

  public List<Outcome> run(
      Actor actor, List<String> endpoints, List<Fixture> fixtures, List<TestCase> cases)
      throws SQLException {
    var violations = new ArrayList<Violation>();
    List<EndpointVersion> drafts =
        platform.inOrg(
            actor.orgId(),
            c -> {
              var found = new ArrayList<EndpointVersion>();
              for (int i = 0; i < endpoints.size(); i++) {
                var latest = store.latest(c, actor.orgId(), endpoints.get(i));
                if (latest.isPresent()) found.add(latest.get());
                else
                  violations.add(
                      new Violation("/endpoints/" + i, "no endpoint '" + endpoints.get(i) + "'"));
              }
              return found;
            });
    if (!violations.isEmpty())
      throw ProblemException.unprocessable(
          "unknown_endpoint", "Some endpoints do not exist.", violations);

    Map<String, ConsumerKeyLookup.Key> keys = new HashMap<>();
    Map<String, String> tokens = new HashMap<>();
    for (TestCase testCase : cases) {
      testCase
          .caller()
          .ifPresent(
              caller ->
                  tokens.computeIfAbsent(
                      caller,
                      unknown -> {
                        String token = "test_" + SignIn.randomToken();
                        // every plain role is one caller (key -1), so rows one case creates are
                        // another's to read even where rows belong to their creator; "role#name" is
                        // a caller of its own holding role
                        String role = testCase.role().get();
                        int hash = role.indexOf('#');
                        long id = hash < 0 && testCase.claims().isEmpty() ? -1 : -2 - tokens.size();
                        keys.put(
                            token,
                            new ConsumerKeyLookup.Key(
                                id,
                                "draft test as " + caller,
                                List.of(hash < 0 ? role : role.substring(0, hash)),
                                testCase.claims()));
                        return token;
                      }));
    }
    var outcomes = new ArrayList<Outcome>();
    try (var shared = new SharedConnection(connections.clean(actor.orgId()))) {
      EndpointCompiler sharing =
          compiler.sharing(shared, (org, token) -> Optional.ofNullable(keys.get(token)));
      var routes = new LinkedHashMap<Router.RouteKey, CompiledEndpoint>();
      var handlers = new HashMap<String, CompiledEndpoint>();
      for (EndpointVersion draft : drafts) {
        try {
          EndpointSpec spec = codec.decode(Json.MAPPER.readTree(draft.spec()));
          var compiled = sharing.compile(spec, actor.orgId(), draft.id(), draft.version());
          if (spec.servesHttp())
            routes.put(new Router.RouteKey(spec.method(), spec.path()), compiled);
          else handlers.put(spec.name(), compiled);
        } catch (InvalidSpecException | com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new IllegalStateException(
              "a saved draft does not compile: " + draft.name() + " v" + draft.version(), e);
        }
      }
      Router<CompiledEndpoint> router = Router.of(routes);
      // a channel's case reads what this run published, not what live traffic did
      long publishedBefore =
          routes.values().stream().anyMatch(CompiledEndpoint::isChannel)
              ? channelMessages.latestId()
              : 0;
      Map<String, JsonNode> answers = new HashMap<>();
      for (Fixture fixture : fixtures) {
        fixture(fixture, shared)
            .ifPresentOrElse(
                row -> answers.put(fixture.name(), row),
                () ->
                    outcomes.add(
                        new Outcome(
                            "fixture " + fixture.name(),
                            false,
                            0,
                            "the fixture found no row, so the cases that "
                                + "use {{"
                                + fixture.name()
                                + ".…}} cannot run: "
                                + fixture.sql())));
      }
      RunSecrets runSecrets = secrets.forRunBy(actor.principal());
      for (int i = 0; i < cases.size(); i++) {
        outcomes.add(
            runCase(
                cases.get(i),
                i,
                router,
                handlers,
                shared,
                tokens,
                answers,
                runSecrets,
                publishedBefore));
        runSecrets.throwIfRefused();
      }
    }
    return outcomes;
  }

  /** The fixture's first row as JSON; empty when its query finds none or fails. */
  private static Optional<JsonNode> fixture(Fixture fixture, SharedConnection shared)
      throws SQLException {
    shared.startCase();
    shared.ran(fixture.sql());
    try (var statement = shared.getConnection().createStatement();
        var rows = statement.executeQuery(fixture.sql())) {
      var found = dev.slipway.runtime.Rows.read(rows);
      shared.finishCase(true);
      return found.isEmpty()
          ? Optional.empty()
          : Optional.of(Json.MAPPER.valueToTree(found.getFirst()));
    } catch (SQLException e) {
      shared.finishCase(false);
      return Optional.empty();
    }
  }

  private Outcome runCase(
      TestCase testCase,
      int index,
      Router<CompiledEndpoint> router,
      Map<String, CompiledEndpoint> handlers,
      SharedConnection shared,
      Map<String, String> tokens,
      Map<String, JsonNode> answers,
      RunSecrets secrets,
      long publishedBefore)
      throws SQLException {
    String target;
    try {
      target = substitute(testCase.path(), answers);
    } catch (IllegalArgumentException e) {
      return new Outcome(testCase.name(), false, 0, e.getMessage());
    }
    int question = target.indexOf('?');
    String path = question < 0 ? target : target.substring(0, question);
    var headers = new HashMap<String, String>(testCase.headers());
    CompiledEndpoint endpoint;
    List<String> values = List.of();
    if (testCase.method().equals("JOB")) {
      // a job handler's case runs one attempt of it with the case's body as the job's payload
      endpoint = handlers.get(path.substring(1));
      if (endpoint == null)
        return new Outcome(testCase.name(), false, 0, "no draft job handler " + path.substring(1));
      path = "job:" + path.substring(1);
      headers.put("x-slipway-job-id", "0");
      headers.put("x-slipway-job-attempt", "1");
    } else if (router.find(testCase.method(), path)
        instanceof Router.Match.Found<CompiledEndpoint>(CompiledEndpoint found, List<String> in)) {
      endpoint = found;
      values = in;
    } else {
      return new Outcome(
          testCase.name(), false, 0, "no draft serves " + testCase.method() + " " + path);
    }
    testCase.caller().ifPresent(caller -> headers.put("x-api-key", tokens.get(caller)));
    byte[] body = new byte[0];
    if (testCase.body().isPresent()) {
      headers.putIfAbsent("content-type", "application/json");
      body = testCase.body().get().toString().getBytes(StandardCharsets.UTF_8);
    }
    if (testCase.signed().isPresent()) {
      var verify = endpoint.spec().verify();
      if (verify.isEmpty())
        return new Outcome(
            testCase.name(), false, 0, "the case is signed, but the endpoint verifies nothing");
      String secret = secrets.values(endpoint.identity().orgId()).get(verify.get().secretName());
      if (secret == null)
        return new Outcome(
            testCase.name(), false, 0, "the org has no secret '" + verify.get().secretName() + "'");
      // the same body is the same event (a replay); another secret signs a forgery
      String eventId = "evt_test_" + Integer.toHexString(java.util.Arrays.hashCode(body));
      headers.putAll(
          WebhookCheck.verifier(verify.get())
              .signedHeaders(
                  body,
                  testCase.signed().get().equals("good") ? secret : secret + "-forged",
                  eventId,
                  java.time.Instant.now()));
    }
    var request =
        new EndpointRequest(
            testCase.method(),
            path,
            values,
            query(question < 0 ? "" : target.substring(question + 1)),
            headers,
            body,
            "draft-test-" + index,
            "127.0.0.1");
    shared.startCase();
    var response =
        endpoint.isChannel()
            ? subscribe(endpoint, request, shared, publishedBefore)
            : endpoint.handle(request, false, secrets).response();
    shared.finishCase(response.status() < 400);
    JsonNode answer = null;
    if (response.body().length > 0) {
      try {
        answer = Json.MAPPER.readTree(response.body());
        answers.put(testCase.name(), answer);
      } catch (java.io.IOException e) {
        answer = null;
      }
    }
    if (response.status() != testCase.status()) {
      return new Outcome(
          testCase.name(),
          false,
          response.status(),
          "expected status "
              + testCase.status()
              + ", got "
              + response.status()
              + (answer != null && answer.has("detail")
                  ? ": " + answer.get("detail").asText()
                  : ""));
    }
    List<String> missing = missing(answer, testCase.fields());
    return missing.isEmpty()
        ? new Outcome(testCase.name(), true, response.status(), "ok")
        : new Outcome(
            testCase.name(),
            false,
            response.status(),
            "the response lacks " + String.join(", ", missing));
  }

  /**
   * A channel's case: subscribes as the case's caller (refused as a real subscription would be),
   * and answers 200 with what the subscriber would receive of what earlier cases published in this
   * run's transaction (only theirs: after {@code publishedBefore}, the latest id when the run
   * began) (through the topic and the filter): {@code {received: [{id, event, data}], last}},
   * {@code last} absent when nothing arrived.
   */
  private static EndpointResponse subscribe(
      CompiledEndpoint channel,
      EndpointRequest request,
      SharedConnection shared,
      long publishedBefore)
      throws SQLException {
    Subscription subscription;
    try {
      subscription = channel.subscribe(request);
    } catch (ProblemException e) {
      return EndpointResponse.problem(e, request.path(), request.requestId());
    }
    var answer = Json.MAPPER.createObjectNode();
    var received = answer.putArray("received");
    try (var ps =
        shared
            .getConnection()
            .prepareStatement(
                "select id, event, data::text from slipway_runtime.channel_history(?, ?, 1000)")) {
      ps.setString(1, subscription.topic());
      ps.setLong(2, publishedBefore);
      try (var rows = ps.executeQuery()) {
        while (rows.next()) {
          var message =
              new Message(
                  subscription.orgId(),
                  rows.getLong(1),
                  subscription.topic(),
                  rows.getString(2),
                  rows.getString(3));
          if (!subscription.filter().admits(message)) continue;
          var item = received.addObject().put("id", message.id()).put("event", message.event());
          item.set("data", Json.MAPPER.valueToTree(message.value()));
          answer.set("last", item);
        }
      }
    }
    return new EndpointResponse(
        200,
        Map.of("Content-Type", "application/json"),
        answer.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> missing(JsonNode answer, List<String> fields) {
    var missing = new ArrayList<String>();
    if (fields.isEmpty()) return missing;
    List<JsonNode> objects = new ArrayList<>();
    if (answer != null && answer.isArray()) answer.forEach(objects::add);
    else if (answer != null) objects.add(answer);
    for (String field : fields) {
      if (objects.isEmpty() || objects.stream().anyMatch(o -> !o.has(field))) missing.add(field);
    }
    return missing;
  }

  private static String substitute(String path, Map<String, JsonNode> answers) {
    Matcher placeholder = PLACEHOLDER.matcher(path);
    var out = new StringBuilder();
    while (placeholder.find()) {
      JsonNode answer = answers.get(placeholder.group(1));
      if (answer == null || !answer.has(placeholder.group(2))) {
        throw new IllegalArgumentException(
            "no fixture or earlier case '"
                + placeholder.group(1)
                + "' answered with '"
                + placeholder.group(2)
                + "'");
      }
      placeholder.appendReplacement(
          out, Matcher.quoteReplacement(answer.get(placeholder.group(2)).asText()));
    }
    return placeholder.appendTail(out).toString();
  }

  private static Map<String, List<String>> query(String text) {
    var query = new LinkedHashMap<String, List<String>>();
    if (text.isEmpty()) return query;
    for (String pair : text.split("&")) {
      int eq = pair.indexOf('=');
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      query.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    return query;
  }
}
