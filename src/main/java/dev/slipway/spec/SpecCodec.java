package dev.slipway.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.slipway.common.Json;
import dev.slipway.common.Resources;
import dev.slipway.problem.Violation;
import dev.slipway.spec.Step.Expect;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Reads specs from JSON or YAML text, checks them against the spec's JSON Schema and the rules a
 * schema cannot say (one kind per step, unique step ids, SQL placeholders bound), and builds the
 * records. Every violation found is reported at once, each with its JSON pointer.
 */
public final class SpecCodec {
  /** The spec's JSON Schema, as published at {@code /api/schemas/endpoint.json}. */
  public static final String SCHEMA_TEXT = Resources.text("schemas/endpoint.json");

  private static final CompiledSchema SCHEMA = CompiledSchema.of(parseJson(SCHEMA_TEXT));
  private static final List<String> KINDS =
      List.of("validate", "sql", "script", "respond", "enqueue", "webhook", "emit");

  /** The step settings that only some kinds of step have, and those kinds. */
  private static final Map<String, List<String>> OWNERS =
      Map.of(
          "params", List.of("sql"),
          "expect", List.of("sql"),
          "language", List.of("script"),
          "delay", List.of("enqueue"),
          "idempotencyKey", List.of("enqueue"),
          "attempts", List.of("enqueue"),
          "payload", List.of("enqueue", "webhook", "emit"),
          "event", List.of("webhook", "emit"),
          "secret", List.of("webhook"),
          "retryFor", List.of("webhook"));

  /** What a spec with another trigger than HTTP may not have: it is not called over HTTP. */
  private static final List<String> HTTP_ONLY =
      List.of("method", "path", "auth", "cors", "rateLimit", "verify");

  /** Parses JSON or YAML (JSON when the text starts with an opening brace). */
  public JsonNode parse(String text) throws InvalidSpecException {
    String trimmed = text.strip();
    if (trimmed.isEmpty()) throw new InvalidSpecException("", "the spec is empty");
    try {
      JsonNode node =
          trimmed.startsWith("{") ? Json.MAPPER.readTree(trimmed) : Json.YAML.readTree(trimmed);
      if (node == null || !node.isObject())
        throw new InvalidSpecException("", "the spec must be an object");
      return node;
    } catch (JsonProcessingException e) {
      throw new InvalidSpecException(
          "",
          "the spec is not valid JSON or YAML: "
              + e.getOriginalMessage()
              + (e.getLocation() == null
                  ? ""
                  : " (line "
                      + e.getLocation().getLineNr()
                      + ", column "
                      + e.getLocation().getColumnNr()
                      + ")"));
    }
  }

  /** Checks a parsed spec and builds its record; every problem found at once. */
  public EndpointSpec decode(JsonNode node) throws InvalidSpecException {
    Decoded decoded = decodeAll(node);
    if (!decoded.violations().isEmpty()) throw new InvalidSpecException(decoded.violations());
    return decoded.spec();
  }

  /**
   * What decoding a spec found: every problem, and the spec built from each part that reads, so
   * that later checks (expressions, scripts, SQL) can run on those parts and report their own
   * problems in the same answer. With problems, {@code spec} is only fit for checking: a part that
   * does not read is left out (a step stands in as one that checks nothing, so the steps after it
   * that read its output are not blamed for it).
   */
  public record Decoded(EndpointSpec spec, List<Violation> violations) {}

  /** Checks a parsed spec against its schema and its rules, and builds what reads of it. */
  public Decoded decodeAll(JsonNode node) {
    List<Violation> violations = new ArrayList<>(SCHEMA.violations(node, ""));
    // the parts the schema found wrong are not read further: each later check assumes a shape
    var unread = violations.stream().map(Violation::path).filter(p -> !p.isEmpty()).toList();
    Predicate<String> reads =
        at -> unread.stream().noneMatch(p -> p.equals(at) || p.startsWith(at + "/"));

    // a part with problems of its own is left out of what later checks see, as a step is below
    int beforeInput = violations.size();
    var read =
        reads.test("/input") ? input(node.path("input"), violations) : EndpointSpec.Input.NONE;
    var input = violations.size() == beforeInput ? read : EndpointSpec.Input.NONE;
    var steps = new ArrayList<Step>();
    // steps may share an id when all but the last of them have a `when`: they are alternatives
    var unconditional = new HashSet<String>();
    JsonNode stepNodes =
        node.path("steps").isArray() ? node.get("steps") : MissingNode.getInstance();
    for (int i = 0; i < stepNodes.size(); i++) {
      JsonNode stepNode = stepNodes.get(i);
      String at = "/steps/" + i;
      if (!stepNode.path("id").isTextual()) continue;
      String id = stepNode.get("id").asText();
      int before = violations.size();
      Optional<Step> step = Optional.empty();
      if (reads.test(at)) {
        if (unconditional.contains(id)) {
          violations.add(
              new Violation(
                  at + "/id",
                  "step id '"
                      + id
                      + "' is used twice, and the step before has no `when` "
                      + "(steps sharing an id are alternatives: each but the last needs a `when`)"));
        }
        if (Set.of("input", "steps", "secrets", "auth").contains(id)) {
          violations.add(new Violation(at + "/id", "'" + id + "' is reserved"));
        }
        step = step(stepNode, at, violations);
      }
      if (!stepNode.has("when")) unconditional.add(id);
      steps.add(
          step.filter(ok -> violations.size() == before && reads.test(at))
              .orElseGet(() -> standIn(id)));
    }
    Trigger trigger =
        reads.test("/trigger") ? trigger(node.path("trigger"), violations) : Trigger.HTTP;
    if (trigger instanceof Trigger.Channel) checkChannel(node, violations);
    if (trigger.jobSettings().isPresent()) {
      for (String key : HTTP_ONLY) {
        if (node.has(key))
          violations.add(
              new Violation(
                  "/" + key,
                  "a " + trigger.kind() + " handler is not called over HTTP: leave out " + key));
      }
      for (String part : List.of("params", "query", "headers")) {
        if (!input.equals(EndpointSpec.Input.NONE) && node.path("input").has(part))
          violations.add(
              new Violation(
                  "/input/" + part,
                  "a job's input is its payload, checked by input.body: leave out " + part));
      }
    }
    trigger
        .jobSettings()
        .ifPresent(
            job -> {
              String at = "/trigger/" + trigger.kind();
              if (job.timeout().compareTo(MAX_JOB_TIMEOUT) > 0)
                violations.add(new Violation(at + "/timeout", "may be at most 15m"));
              if (job.maxBackoff().compareTo(MAX_BACKOFF) > 0)
                violations.add(new Violation(at + "/maxBackoff", "may be at most 24h"));
            });
    boolean routed = trigger instanceof Trigger.Http || trigger instanceof Trigger.Channel;
    String path = routed ? node.path("path").asText("") : "";
    if (reads.test("/path")) checkPathParams(path, input, violations);
    int beforeAuth = violations.size();
    Auth readAuth = reads.test("/auth") ? auth(node.path("auth"), violations) : Auth.PUBLIC;
    Auth auth = violations.size() == beforeAuth ? readAuth : Auth.PUBLIC;
    Optional<Cors> cors = reads.test("/cors") ? cors(node.path("cors")) : Optional.empty();
    Optional<Verify> verify =
        reads.test("/verify") && node.has("verify")
            ? verify(node.path("verify"), violations)
            : Optional.empty();
    Duration timeout =
        reads.test("/statementTimeout")
            ? duration(node.path("statementTimeout"), EndpointSpec.DEFAULT_STATEMENT_TIMEOUT)
            : EndpointSpec.DEFAULT_STATEMENT_TIMEOUT;
    if (timeout.compareTo(MAX_STATEMENT_TIMEOUT) > 0) {
      violations.add(new Violation("/statementTimeout", "may be at most 5m"));
    }
    var spec =
        new EndpointSpec(
            node.path("name").asText(""),
            routed ? node.path("method").asText("") : trigger.storedMethod(),
            path,
            auth,
            cors,
            verify,
            reads.test("/rateLimit") ? rateLimits(node.path("rateLimit")) : List.of(),
            timeout,
            reads.test("/log") ? logging(node.path("log")) : Optional.empty(),
            text(node, "description"),
            input,
            List.copyOf(steps),
            reads.test("/response")
                ? response(node.path("response"))
                : response(MissingNode.getInstance()),
            trigger);
    return new Decoded(spec, List.copyOf(violations));
  }

  /** The spec's {@code log} (its schema checked); empty when it keeps no bodies. */
  private static Optional<EndpointSpec.CallLogging> logging(JsonNode log) {
    if (!log.path("bodies").asBoolean(false)) return Optional.empty();
    return Optional.of(
        new EndpointSpec.CallLogging(
            true, log.path("maxBytes").asInt(EndpointSpec.CallLogging.DEFAULT_MAX_BYTES)));
  }

  /** What stands in for a step that does not read: a step with its id that checks nothing. */
  private static Step standIn(String id) {
    return new Step.ValidateStep(
        id, Optional.empty(), NullNode.getInstance(), Json.MAPPER.createObjectNode());
  }

  private static final Duration MAX_STATEMENT_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration MAX_JOB_TIMEOUT = Duration.ofMinutes(15);
  private static final Duration MAX_BACKOFF = Duration.ofHours(24);

  /**
   * The spec's {@code trigger} (its schema checked): HTTP when there is none. A schedule's cron
   * expression and time zone are checked here, their mistakes added to {@code violations}.
   */
  private static Trigger trigger(JsonNode node, List<Violation> violations) {
    if (node.path("job").isObject()) return job(node.path("job"), Trigger.Job.DEFAULTS);
    JsonNode channel = node.path("channel");
    if (channel.isObject())
      return new Trigger.Channel(
          channel.has("topic") ? channel.get("topic") : MissingNode.getInstance(),
          channel.has("filter") ? Optional.of(channel.get("filter").asText()) : Optional.empty(),
          channel.path("history").asInt(Trigger.Channel.DEFAULT_HISTORY),
          channel.path("buffer").asInt(Trigger.Channel.DEFAULT_BUFFER));
    JsonNode schedule = node.path("schedule");
    if (!schedule.isObject()) return Trigger.HTTP;
    String cron = schedule.path("cron").asText("").strip();
    boolean parsed = true;
    try {
      Trigger.Schedule.parse(cron);
    } catch (IllegalArgumentException e) {
      parsed = false;
      violations.add(
          new Violation(
              "/trigger/schedule/cron",
              "not a five-field cron expression (minute hour day-of-month month day-of-week): "
                  + e.getMessage()));
    }
    ZoneId zone = ZoneId.of("UTC");
    if (schedule.has("timezone")) {
      try {
        zone = ZoneId.of(schedule.path("timezone").asText());
      } catch (java.time.DateTimeException e) {
        violations.add(
            new Violation(
                "/trigger/schedule/timezone",
                "not a time zone: use an IANA name such as Europe/Berlin"));
      }
    }
    var overlap =
        schedule.path("overlap").asText("skip").equals("allow")
            ? Trigger.Schedule.Overlap.ALLOW
            : Trigger.Schedule.Overlap.SKIP;
    Trigger.Job runs =
        job(
            schedule,
            new Trigger.Job(
                1,
                Trigger.Job.DEFAULTS.backoff(),
                Trigger.Job.DEFAULTS.maxBackoff(),
                Trigger.Job.DEFAULTS.timeout(),
                overlap == Trigger.Schedule.Overlap.SKIP ? 1 : Trigger.Job.DEFAULTS.concurrency()));
    var read =
        new Trigger.Schedule(
            cron,
            zone,
            schedule.path("missed").asText("skip").equals("catchUp")
                ? Trigger.Schedule.Missed.CATCH_UP
                : Trigger.Schedule.Missed.SKIP,
            overlap,
            runs);
    if (parsed && read.next(java.time.Instant.now()).isEmpty())
      violations.add(
          new Violation("/trigger/schedule/cron", "never comes due (no such date: " + cron + ")"));
    return read;
  }

  /**
   * What a channel may not have: it is a GET that subscribes, and sends what is published on its
   * topic, so it has no steps, body, response or signature check of its own.
   */
  private static void checkChannel(JsonNode node, List<Violation> violations) {
    if (node.has("method") && !node.path("method").asText().equals("GET"))
      violations.add(new Violation("/method", "a channel is subscribed to with GET"));
    for (String key : List.of("steps", "response", "verify"))
      if (node.has(key))
        violations.add(
            new Violation(
                "/" + key,
                "a channel sends what is published on its topic (emit steps, ctx.emit, table"
                    + " triggers): leave out "
                    + key));
    if (node.path("input").has("body"))
      violations.add(new Violation("/input/body", "a channel's GET has no body: leave it out"));
  }

  /** A trigger's job settings, each from {@code node} or else from {@code defaults}. */
  private static Trigger.Job job(JsonNode node, Trigger.Job defaults) {
    return new Trigger.Job(
        node.path("attempts").asInt(defaults.attempts()),
        duration(node.path("backoff"), defaults.backoff()),
        duration(node.path("maxBackoff"), defaults.maxBackoff()),
        duration(node.path("timeout"), defaults.timeout()),
        node.path("concurrency").asInt(defaults.concurrency()));
  }

  /**
   * {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h} (the schema has checked the form); {@code
   * otherwise} when missing.
   */
  public static Duration duration(JsonNode node, Duration otherwise) {
    if (!node.isTextual()) return otherwise;
    String text = node.asText();
    if (text.endsWith("ms"))
      return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
    long amount = Long.parseLong(text.substring(0, text.length() - 1));
    return switch (text.charAt(text.length() - 1)) {
      case 'h' -> Duration.ofHours(amount);
      case 'm' -> Duration.ofMinutes(amount);
      default -> Duration.ofSeconds(amount);
    };
  }

  private static final Pattern SECRET_REFERENCE =
      Pattern.compile("^\\$\\{\\s*secrets\\.([A-Za-z_][A-Za-z0-9_]*)\\s*}$");

  /** The keys only the generic HMAC verifier reads. */
  private static final List<String> HMAC_ONLY =
      List.of("header", "algorithm", "encoding", "prefix", "idHeader");

  /** The spec's {@code verify} (its schema checked); what is wrong with it added to violations. */
  private static Optional<Verify> verify(JsonNode node, List<Violation> violations) {
    String key = node.path("provider").asText();
    Verify.Provider provider = Verify.Provider.of(key).orElse(Verify.Provider.HMAC);
    var matcher = SECRET_REFERENCE.matcher(node.path("secret").asText());
    String secret = matcher.matches() ? matcher.group(1) : "";
    Optional<Verify.Hmac> hmac = Optional.empty();
    if (provider == Verify.Provider.HMAC) {
      if (!node.has("header")) {
        violations.add(
            new Violation("/verify/header", "the hmac provider needs the signature's header"));
        return Optional.empty();
      }
      hmac =
          Optional.of(
              new Verify.Hmac(
                  node.path("header").asText("").toLowerCase(java.util.Locale.ROOT),
                  node.path("algorithm").asText("sha256"),
                  node.path("encoding").asText("hex"),
                  node.path("prefix").asText(""),
                  text(node, "idHeader").map(h -> h.toLowerCase(java.util.Locale.ROOT))));
    } else {
      for (String hmacKey : HMAC_ONLY)
        if (node.has(hmacKey))
          violations.add(
              new Violation(
                  "/verify/" + hmacKey,
                  "only the hmac provider reads it; " + key + " signs its own way"));
    }
    return Optional.of(
        new Verify(
            provider,
            secret,
            duration(node.path("tolerance"), Verify.DEFAULT_TOLERANCE),
            hmac,
            node.path("dedupe").asBoolean(true)));
  }

  private static Auth auth(JsonNode node, List<Violation> violations) {
    if (node.isMissingNode() || node.isNull()) return Auth.PUBLIC;
    JsonNode modeNode = node.isTextual() ? node : node.path("mode");
    Auth.Mode mode =
        switch (modeNode.asText()) {
          case "apiKey" -> Auth.Mode.API_KEY;
          case "jwt" -> Auth.Mode.JWT;
          default -> Auth.Mode.PUBLIC;
        };
    var roles = new ArrayList<String>();
    node.path("roles").forEach(role -> roles.add(role.asText()));
    String rolesClaim =
        node.path("rolesClaim").isTextual() ? node.get("rolesClaim").asText() : "role";
    if (mode == Auth.Mode.PUBLIC && !roles.isEmpty()) {
      violations.add(
          new Violation(
              "/auth/roles",
              "a public endpoint has no caller to check roles of; use apiKey or jwt"));
    }
    JsonNode jwtNode = node.path("jwt");
    if (mode != Auth.Mode.JWT) {
      if (!jwtNode.isMissingNode())
        violations.add(new Violation("/auth/jwt", "only a jwt endpoint takes jwt settings"));
      return new Auth(mode, List.copyOf(roles), rolesClaim, Optional.empty());
    }
    int sources =
        (jwtNode.has("secret") ? 1 : 0)
            + (jwtNode.has("jwksUrl") ? 1 : 0)
            + (jwtNode.has("keys") ? 1 : 0);
    if (sources != 1) {
      violations.add(
          new Violation("/auth/jwt", "give exactly one of secret (HS256), jwksUrl or keys"));
      return Auth.PUBLIC;
    }
    Optional<String> secretName = Optional.empty();
    if (jwtNode.has("secret")) {
      var matcher = SECRET_REFERENCE.matcher(jwtNode.get("secret").asText());
      if (matcher.matches()) secretName = Optional.of(matcher.group(1));
    }
    var keys = new ArrayList<JsonNode>();
    jwtNode.path("keys").forEach(keys::add);
    var jwt =
        new Auth.Jwt(
            secretName,
            text(jwtNode, "jwksUrl"),
            List.copyOf(keys),
            text(jwtNode, "issuer"),
            text(jwtNode, "audience"),
            jwtNode.path("clockSkewSeconds").asInt(30));
    return new Auth(mode, List.copyOf(roles), rolesClaim, Optional.of(jwt));
  }

  private static Optional<Cors> cors(JsonNode node) {
    if (node.isMissingNode() || node.isNull()) return Optional.empty();
    return Optional.of(
        new Cors(
            strings(node.path("origins")),
            node.path("credentials").asBoolean(false),
            strings(node.path("headers")),
            strings(node.path("exposeHeaders")),
            node.path("maxAgeSeconds").asInt(600)));
  }

  private static List<RateLimit> rateLimits(JsonNode rules) {
    var limits = new ArrayList<RateLimit>();
    for (JsonNode rule : rules) {
      int limit = rule.get("limit").asInt();
      limits.add(
          new RateLimit(
              rule.get("per").asText().equals("caller")
                  ? RateLimit.Per.CALLER
                  : RateLimit.Per.ENDPOINT,
              limit,
              RateLimit.window(rule.path("window").asText("1m")),
              rule.path("burst").asInt(limit)));
    }
    return List.copyOf(limits);
  }

  private static List<String> strings(JsonNode array) {
    var list = new ArrayList<String>();
    array.forEach(item -> list.add(item.asText()));
    return List.copyOf(list);
  }

  /** {@link #parse} then {@link #decode}. */
  public EndpointSpec read(String text) throws InvalidSpecException {
    return decode(parse(text));
  }

  private static EndpointSpec.Input input(JsonNode node, List<Violation> violations) {
    if (node.isMissingNode()) return EndpointSpec.Input.NONE;
    var params = fields(node.path("params"), "/input/params", violations);
    var query = fields(node.path("query"), "/input/query", violations);
    var headers = fields(node.path("headers"), "/input/headers", violations);
    Optional<JsonNode> body = Optional.ofNullable(node.get("body"));
    body.ifPresent(
        schema -> violations.addAll(CompiledSchema.metaViolations(schema, "/input/body")));
    return new EndpointSpec.Input(params, query, headers, body);
  }

  private static Map<String, JsonNode> fields(
      JsonNode node, String at, List<Violation> violations) {
    var fields = new LinkedHashMap<String, JsonNode>();
    node.properties()
        .forEach(
            field -> {
              violations.addAll(
                  CompiledSchema.metaViolations(
                      EndpointSpec.Input.fieldSchema(field.getValue()), at + "/" + field.getKey()));
              fields.put(field.getKey(), field.getValue());
            });
    return fields;
  }

  private static Optional<Step> step(JsonNode node, String at, List<Violation> violations) {
    var kinds = KINDS.stream().filter(node::has).toList();
    if (kinds.size() != 1) {
      violations.add(
          new Violation(
              at,
              kinds.isEmpty()
                  ? "a step needs one of " + String.join(", ", KINDS)
                  : "a step has exactly one kind, this one has " + String.join(" and ", kinds)));
      return Optional.empty();
    }
    String kind = kinds.getFirst();
    OWNERS.forEach(
        (key, owners) -> {
          if (node.has(key) && !owners.contains(kind))
            violations.add(
                new Violation(
                    at + "/" + key,
                    "'" + key + "' belongs to " + String.join(" and ", owners) + " steps only"));
        });
    if (kind.equals("validate") != node.has("schema")) {
      violations.add(
          new Violation(
              at + "/schema",
              kind.equals("validate")
                  ? "a validate step needs a schema"
                  : "'schema' belongs to validate steps only"));
    }
    String id = node.get("id").asText();
    Optional<String> when = text(node, "when");
    return Optional.ofNullable(
        switch (kind) {
          case "validate" -> {
            violations.addAll(CompiledSchema.metaViolations(node.path("schema"), at + "/schema"));
            yield new Step.ValidateStep(id, when, node.get("validate"), node.path("schema"));
          }
          case "sql" -> sqlStep(node, at, id, when, violations);
          case "script" ->
              new Step.ScriptStep(
                  id,
                  when,
                  node.get("script").asText(),
                  "javascript".equals(node.path("language").asText())
                      ? ScriptLanguage.JAVASCRIPT
                      : ScriptLanguage.TYPESCRIPT);
          case "respond" -> new Step.RespondStep(id, when, response(node.get("respond")));
          case "enqueue" ->
              new Step.EnqueueStep(
                  id,
                  when,
                  node.get("enqueue").asText(),
                  node.has("payload") ? node.get("payload") : NullNode.getInstance(),
                  duration(node.path("delay"), Duration.ZERO),
                  Optional.ofNullable(node.get("idempotencyKey")),
                  node.has("attempts")
                      ? Optional.of(node.get("attempts").asInt())
                      : Optional.empty());
          case "webhook" -> webhookStep(node, at, id, when, violations);
          case "emit" ->
              new Step.EmitStep(
                  id,
                  when,
                  node.get("emit"),
                  node.has("event") ? node.get("event") : NullNode.getInstance(),
                  node.has("payload") ? node.get("payload") : NullNode.getInstance());
          default -> throw new IllegalStateException("unknown step kind " + kind);
        });
  }

  private static Step webhookStep(
      JsonNode node, String at, String id, Optional<String> when, List<Violation> violations) {
    var secret = SECRET_REFERENCE.matcher(node.path("secret").asText());
    if (!secret.matches())
      violations.add(
          new Violation(
              at + "/secret",
              "a webhook is signed with an org secret: secret: ${secrets.NAME} (a whsec_ secret,"
                  + " as Standard Webhooks make them)"));
    Duration retryFor = duration(node.path("retryFor"), Step.WebhookStep.DEFAULT_RETRY_FOR);
    if (retryFor.compareTo(Step.WebhookStep.MAX_RETRY_FOR) > 0)
      violations.add(new Violation(at + "/retryFor", "may be at most 168h (a week)"));
    return new Step.WebhookStep(
        id,
        when,
        node.get("webhook"),
        node.path("event").isMissingNode() ? TextNode.valueOf("") : node.get("event"),
        node.has("payload") ? node.get("payload") : NullNode.getInstance(),
        secret.matches() ? secret.group(1) : "",
        retryFor);
  }

  private static Step sqlStep(
      JsonNode node, String at, String id, Optional<String> when, List<Violation> violations) {
    String sql = node.get("sql").asText();
    var params = new LinkedHashMap<String, JsonNode>();
    node.path("params").properties().forEach(e -> params.put(e.getKey(), e.getValue()));
    NamedSql.transactionControl(sql)
        .ifPresent(
            statement ->
                violations.add(
                    new Violation(
                        at + "/sql",
                        "'"
                            + statement
                            + "' controls the transaction, which Slipway keeps (a step's SQL runs"
                            + " inside it, and a preview's or test's is rolled back): leave it out")));
    Set<String> used;
    try {
      used = new LinkedHashSet<>(NamedSql.parse(sql).names());
    } catch (IllegalArgumentException e) {
      violations.add(new Violation(at + "/sql", e.getMessage()));
      return null;
    }
    for (String name : used) {
      if (!params.containsKey(name)) {
        violations.add(
            new Violation(
                at + "/params", "the SQL uses :" + name + " but params has no '" + name + "'"));
      }
    }
    for (String name : params.keySet()) {
      if (!used.contains(name)) {
        violations.add(
            new Violation(
                at + "/params/" + name,
                "'" + name + "' is not used by the SQL (no :" + name + ")"));
      }
    }
    Expect expect =
        switch (node.path("expect").asText("many")) {
          case "one" -> Expect.ONE;
          case "none" -> Expect.NONE;
          default -> Expect.MANY;
        };
    return new Step.SqlStep(id, when, sql, params, expect);
  }

  private static void checkPathParams(
      String path, EndpointSpec.Input input, List<Violation> violations) {
    var names = PathPattern.parameters(path);
    var seen = new HashSet<String>();
    for (String name : names) {
      if (!seen.add(name))
        violations.add(new Violation("/path", "path parameter :" + name + " appears twice"));
    }
    for (String name : input.params().keySet()) {
      if (!names.contains(name)) {
        violations.add(
            new Violation("/input/params/" + name, "the path has no parameter :" + name));
      }
    }
  }

  private static EndpointSpec.Response response(JsonNode node) {
    var headers = new LinkedHashMap<String, JsonNode>();
    node.path("headers").properties().forEach(e -> headers.put(e.getKey(), e.getValue()));
    JsonNode status = node.has("status") ? node.get("status") : IntNode.valueOf(200);
    return new EndpointSpec.Response(status, headers, Optional.ofNullable(node.get("body")));
  }

  private static Optional<String> text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asText());
  }

  private static JsonNode parseJson(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the bundled spec schema is not JSON", e);
    }
  }

  /** Returns a copy of the spec node with its name replaced (for saving under a URL's name). */
  public static ObjectNode withName(JsonNode spec, String name) {
    ObjectNode copy = spec.deepCopy();
    copy.put("name", name);
    return copy;
  }
}
