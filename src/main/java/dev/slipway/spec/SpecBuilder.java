package dev.slipway.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.slipway.common.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds an endpoint spec from the spec's own records and writes it as the JSON a person would
 * save, which {@link SpecCodec} reads back to the same records. Templates and generators build
 * specs with it instead of assembling JSON by hand.
 */
public final class SpecBuilder {
  private final String name;
  private final String method;
  private final String path;
  private Auth auth = Auth.PUBLIC;
  private Optional<String> description = Optional.empty();
  private final Map<String, JsonNode> params = new LinkedHashMap<>();
  private final Map<String, JsonNode> query = new LinkedHashMap<>();
  private Optional<JsonNode> body = Optional.empty();
  private final List<Step> steps = new ArrayList<>();
  private JsonNode status = IntNode.valueOf(200);
  private final Map<String, JsonNode> responseHeaders = new LinkedHashMap<>();
  private Optional<JsonNode> responseBody = Optional.empty();
  private Trigger trigger = Trigger.HTTP;
  private Optional<Verify> verify = Optional.empty();

  private SpecBuilder(String name, String method, String path) {
    this.name = name;
    this.method = method;
    this.path = path;
  }

  public static SpecBuilder endpoint(String name, String method, String path) {
    return new SpecBuilder(name, method, path);
  }

  /** A job handler: run for each job enqueued for {@code name}, with its payload as input body. */
  public static SpecBuilder jobHandler(String name, Trigger trigger) {
    var builder = new SpecBuilder(name, trigger.storedMethod(), "");
    builder.trigger = trigger;
    return builder;
  }

  /** A realtime channel subscribed to with a GET at {@code path}. */
  public static SpecBuilder channel(String name, String path, Trigger.Channel channel) {
    var builder = new SpecBuilder(name, "GET", path);
    builder.trigger = channel;
    return builder;
  }

  public SpecBuilder description(String text) {
    description = Optional.of(text);
    return this;
  }

  /** Check each delivery's webhook signature before anything runs. */
  public SpecBuilder verify(Verify verify) {
    this.verify = Optional.of(verify);
    return this;
  }

  public SpecBuilder auth(Auth auth) {
    this.auth = auth;
    return this;
  }

  /** A path parameter and its JSON Schema. */
  public SpecBuilder param(String parameter, JsonNode schema) {
    params.put(parameter, schema);
    return this;
  }

  /** A query parameter and its JSON Schema. */
  public SpecBuilder query(String parameter, JsonNode schema) {
    query.put(parameter, schema);
    return this;
  }

  /** The JSON Schema of the request body. */
  public SpecBuilder body(JsonNode schema) {
    body = Optional.of(schema);
    return this;
  }

  public SpecBuilder step(Step step) {
    steps.add(step);
    return this;
  }

  /** The response's status; 200 unless set. */
  public SpecBuilder status(int code) {
    status = IntNode.valueOf(code);
    return this;
  }

  /** A response header, a literal or a {@code ${...}} expression. */
  public SpecBuilder responseHeader(String header, String value) {
    responseHeaders.put(header, TextNode.valueOf(value));
    return this;
  }

  /** The response body, a literal or a {@code ${...}} expression. */
  public SpecBuilder responseBody(String value) {
    responseBody = Optional.of(TextNode.valueOf(value));
    return this;
  }

  public EndpointSpec build() {
    var input =
        params.isEmpty() && query.isEmpty() && body.isEmpty()
            ? EndpointSpec.Input.NONE
            : new EndpointSpec.Input(ordered(params), ordered(query), Map.of(), body);
    return new EndpointSpec(
        name,
        method,
        path,
        auth,
        Optional.empty(),
        verify,
        List.of(),
        EndpointSpec.DEFAULT_STATEMENT_TIMEOUT,
        Optional.empty(),
        description,
        input,
        List.copyOf(steps),
        new EndpointSpec.Response(status, ordered(responseHeaders), responseBody),
        trigger);
  }

  /** The built spec as JSON, ready to save. */
  public ObjectNode json() {
    return json(build());
  }

  private static <V> Map<String, V> ordered(Map<String, V> map) {
    return Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }

  /** Any spec as JSON: the form {@link SpecCodec} reads back to equal records. */
  public static ObjectNode json(EndpointSpec endpoint) {
    ObjectNode spec = Json.MAPPER.createObjectNode().put("name", endpoint.name());
    if (endpoint.servesHttp()) spec.put("method", endpoint.method()).put("path", endpoint.path());
    switch (endpoint.trigger()) {
      case Trigger.Http ignored -> {}
      case Trigger.Channel channel ->
          spec.putObject("trigger").set("channel", channelJson(channel));
      case Trigger.Job job -> spec.putObject("trigger").set("job", jobJson(job));
      case Trigger.Schedule schedule ->
          spec.putObject("trigger").set("schedule", scheduleJson(schedule));
    }
    endpoint.description().ifPresent(text -> spec.put("description", text));
    if (endpoint.servesHttp()) spec.set("auth", authJson(endpoint.auth()));
    endpoint.cors().ifPresent(cors -> spec.set("cors", Json.MAPPER.valueToTree(cors)));
    endpoint.verify().ifPresent(verify -> spec.set("verify", verifyJson(verify)));
    endpoint
        .rateLimits()
        .forEach(
            limit ->
                spec.withArray("rateLimit")
                    .addObject()
                    .put("per", limit.per() == RateLimit.Per.CALLER ? "caller" : "endpoint")
                    .put("limit", limit.limit())
                    .put("window", limit.window().toSeconds() + "s")
                    .put("burst", limit.burst()));
    if (!endpoint.statementTimeout().equals(EndpointSpec.DEFAULT_STATEMENT_TIMEOUT)) {
      spec.put("statementTimeout", endpoint.statementTimeout().toMillis() + "ms");
    }
    endpoint
        .logging()
        .ifPresent(
            log ->
                spec.putObject("log").put("bodies", log.bodies()).put("maxBytes", log.maxBytes()));
    EndpointSpec.Input input = endpoint.input();
    if (!input.equals(EndpointSpec.Input.NONE)) {
      ObjectNode node = spec.putObject("input");
      if (!input.params().isEmpty()) node.set("params", object(input.params()));
      if (!input.query().isEmpty()) node.set("query", object(input.query()));
      if (!input.headers().isEmpty()) node.set("headers", object(input.headers()));
      input.body().ifPresent(schema -> node.set("body", schema));
    }
    endpoint.steps().forEach(step -> spec.withArray("steps").add(stepJson(step)));
    if (!(endpoint.trigger() instanceof Trigger.Channel))
      spec.set("response", response(endpoint.response()));
    return spec;
  }

  private static ObjectNode channelJson(Trigger.Channel channel) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    if (!channel.topic().isMissingNode()) node.set("topic", channel.topic());
    channel.filter().ifPresent(filter -> node.put("filter", filter));
    return node.put("history", channel.history()).put("buffer", channel.buffer());
  }

  private static ObjectNode jobJson(Trigger.Job job) {
    return Json.MAPPER
        .createObjectNode()
        .put("attempts", job.attempts())
        .put("backoff", job.backoff().toMillis() + "ms")
        .put("maxBackoff", job.maxBackoff().toMillis() + "ms")
        .put("timeout", job.timeout().toMillis() + "ms")
        .put("concurrency", job.concurrency());
  }

  private static ObjectNode scheduleJson(Trigger.Schedule schedule) {
    ObjectNode node =
        Json.MAPPER
            .createObjectNode()
            .put("cron", schedule.cron())
            .put("timezone", schedule.zone().getId())
            .put("missed", schedule.missed() == Trigger.Schedule.Missed.SKIP ? "skip" : "catchUp")
            .put("overlap", schedule.overlap() == Trigger.Schedule.Overlap.SKIP ? "skip" : "allow");
    node.setAll(jobJson(schedule.job()));
    node.remove("concurrency");
    return node;
  }

  private static ObjectNode verifyJson(Verify verify) {
    ObjectNode node =
        Json.MAPPER
            .createObjectNode()
            .put("provider", verify.provider().key())
            .put("secret", "${secrets." + verify.secretName() + "}");
    if (!verify.tolerance().equals(Verify.DEFAULT_TOLERANCE))
      node.put("tolerance", verify.tolerance().toMillis() + "ms");
    verify
        .hmac()
        .ifPresent(
            hmac -> {
              node.put("header", hmac.header())
                  .put("algorithm", hmac.algorithm())
                  .put("encoding", hmac.encoding());
              if (!hmac.prefix().isEmpty()) node.put("prefix", hmac.prefix());
              hmac.idHeader().ifPresent(id -> node.put("idHeader", id));
            });
    if (!verify.dedupe()) node.put("dedupe", false);
    return node;
  }

  /** A bare mode when that says it all ({@code "apiKey"}), else an object. */
  private static JsonNode authJson(Auth auth) {
    String mode =
        switch (auth.mode()) {
          case PUBLIC -> "public";
          case API_KEY -> "apiKey";
          case JWT -> "jwt";
        };
    if (auth.roles().isEmpty() && auth.rolesClaim().equals("role") && auth.jwt().isEmpty())
      return TextNode.valueOf(mode);
    ObjectNode node = Json.MAPPER.createObjectNode().put("mode", mode);
    auth.roles().forEach(node.putArray("roles")::add);
    if (!auth.rolesClaim().equals("role")) node.put("rolesClaim", auth.rolesClaim());
    auth.jwt()
        .ifPresent(
            jwt -> {
              ObjectNode settings = node.putObject("jwt");
              jwt.secretName()
                  .ifPresent(secret -> settings.put("secret", "${secrets." + secret + "}"));
              jwt.jwksUrl().ifPresent(url -> settings.put("jwksUrl", url));
              if (!jwt.keys().isEmpty()) jwt.keys().forEach(settings.putArray("keys")::add);
              jwt.issuer().ifPresent(issuer -> settings.put("issuer", issuer));
              jwt.audience().ifPresent(audience -> settings.put("audience", audience));
              if (jwt.clockSkewSeconds() != 30)
                settings.put("clockSkewSeconds", jwt.clockSkewSeconds());
            });
    return node;
  }

  private static ObjectNode stepJson(Step step) {
    ObjectNode node = Json.MAPPER.createObjectNode().put("id", step.id());
    step.when().ifPresent(when -> node.put("when", when));
    switch (step) {
      case Step.ValidateStep validate -> {
        node.set("validate", validate.value());
        node.set("schema", validate.schema());
      }
      case Step.SqlStep sql -> {
        node.put("sql", sql.sql());
        if (!sql.params().isEmpty()) node.set("params", object(sql.params()));
        node.put("expect", sql.expect().name().toLowerCase());
      }
      case Step.ScriptStep script ->
          node.put("script", script.code()).put("language", script.language().name().toLowerCase());
      case Step.RespondStep respond -> node.set("respond", response(respond.response()));
      case Step.EnqueueStep enqueue -> {
        node.put("enqueue", enqueue.handler());
        node.set("payload", enqueue.payload());
        if (!enqueue.delay().isZero()) node.put("delay", enqueue.delay().toMillis() + "ms");
        enqueue.idempotencyKey().ifPresent(key -> node.set("idempotencyKey", key));
        enqueue.attempts().ifPresent(attempts -> node.put("attempts", attempts));
      }
      case Step.EmitStep emit -> {
        node.set("emit", emit.topic());
        if (!emit.event().isNull()) node.set("event", emit.event());
        node.set("payload", emit.payload());
      }
      case Step.WebhookStep webhook -> {
        node.set("webhook", webhook.url());
        node.set("event", webhook.event());
        node.set("payload", webhook.payload());
        node.put("secret", "${secrets." + webhook.secretName() + "}");
        if (!webhook.retryFor().equals(Step.WebhookStep.DEFAULT_RETRY_FOR))
          node.put("retryFor", webhook.retryFor().toMillis() + "ms");
      }
    }
    return node;
  }

  private static ObjectNode response(EndpointSpec.Response response) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.set("status", response.status());
    if (!response.headers().isEmpty()) node.set("headers", object(response.headers()));
    response.body().ifPresent(body -> node.set("body", body));
    return node;
  }

  private static ObjectNode object(Map<String, JsonNode> fields) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    fields.forEach(node::set);
    return node;
  }
}
