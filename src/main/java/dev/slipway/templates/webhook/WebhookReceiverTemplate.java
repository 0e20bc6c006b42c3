package dev.slipway.templates.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import dev.slipway.spec.InvalidSpecException;
import dev.slipway.spec.TestCase;
import dev.slipway.templates.Bundle;
import dev.slipway.templates.ExistingTable;
import dev.slipway.templates.Template;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code webhook-receiver}: an endpoint that receives a provider's webhooks (Stripe, GitHub, Slack,
 * Standard Webhooks, or a generic HMAC header), checks each delivery's signature with an org secret
 * before anything runs, acknowledges a replayed event without running again, and stores each event
 * in a table (made by the bundle's migration when it does not exist); optionally a job handler per
 * event type, enqueued for each event of that type (idempotent by event id). The tests sign good
 * and forged deliveries, replay one, and run each handler.
 */
public final class WebhookReceiverTemplate implements Template {

  /** The columns an events table must have. */
  private static final List<String> COLUMNS =
      List.of("id", "event_id", "event_type", "payload", "raw_body", "processed_at");

  static final JsonNode SCHEMA =
      Json.parse(
          """
          {
            "type": "object",
            "additionalProperties": false,
            "required": ["provider", "secret"],
            "properties": {
              "provider": { "enum": ["stripe", "github", "slack", "standard", "hmac"] },
              "secret": { "type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
                          "description": "The org secret that holds the signing secret (PUT /api/secrets/NAME)." },
              "name": { "type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,50}$",
                        "description": "The receiver's name; default <provider>-webhook." },
              "path": { "type": "string", "pattern": "^/[A-Za-z0-9/_-]{1,200}$",
                        "description": "Where the provider posts; default /webhooks/<provider>." },
              "table": { "type": "string", "pattern": "^[a-z_][a-z0-9_]{0,62}\\\\.[a-z_][a-z0-9_]{0,62}$",
                         "description": "schema.table that stores the events; default webhooks.<provider>_events." },
              "hmac": {
                "type": "object", "additionalProperties": false, "required": ["header"],
                "properties": {
                  "header": { "type": "string", "pattern": "^[A-Za-z0-9-]+$" },
                  "algorithm": { "enum": ["sha1", "sha256", "sha512"] },
                  "encoding": { "enum": ["hex", "base64"] },
                  "prefix": { "type": "string", "maxLength": 40 },
                  "idHeader": { "type": "string", "pattern": "^[A-Za-z0-9-]+$" }
                }
              },
              "handlers": {
                "type": "object", "maxProperties": 20,
                "description": "Event type (or * for every event) to the job handler enqueued for it.",
                "propertyNames": { "pattern": "^([A-Za-z0-9_.:/-]{1,100}|[*])$" },
                "additionalProperties": { "type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$" }
              }
            }
          }""");

  private static final JsonNode EXAMPLE =
      Json.parse(
          """
          { "provider": "stripe", "secret": "STRIPE_WEBHOOK_SECRET",
            "handlers": { "invoice.paid": "stripe-invoice-paid" } }""");

  @Override
  public String name() {
    return "webhook-receiver";
  }

  @Override
  public String description() {
    return "Receive a provider's webhooks (Stripe, GitHub, Slack, Standard Webhooks, HMAC): signatures checked, "
        + "replays acknowledged once, events stored, a job handler per event type.";
  }

  @Override
  public JsonNode configSchema() {
    return SCHEMA;
  }

  @Override
  public JsonNode example() {
    return EXAMPLE;
  }

  @Override
  public Optional<String> table(JsonNode config) {
    return Optional.of(Receiver.of(config).table());
  }

  @Override
  public Bundle generate(JsonNode config, Optional<Map<String, String>> columns, String login)
      throws InvalidSpecException {
    var violations = new ArrayList<Violation>();
    Receiver receiver = Receiver.of(config);
    if (receiver.provider().equals("hmac") && !config.has("hmac"))
      violations.add(new Violation("/config/hmac", "the hmac provider needs {header, ...}"));
    if (!receiver.provider().equals("hmac") && config.has("hmac"))
      violations.add(
          new Violation(
              "/config/hmac",
              "only the hmac provider reads it; " + receiver.provider() + " signs its own way"));
    ExistingTable.requireColumns(columns, receiver.table(), COLUMNS, violations);
    for (String handler : receiver.handlers().values())
      if (handler.equals(receiver.name()))
        violations.add(
            new Violation(
                "/config/handlers", "a handler cannot share the receiver's name " + handler));
    if (!violations.isEmpty()) throw new InvalidSpecException(violations);

    var specs = new ArrayList<ObjectNode>();
    specs.add(receiverSpec(receiver));
    for (String handler : new LinkedHashSet<>(receiver.handlers().values()))
      specs.add(handlerSpec(receiver, handler));
    return new Bundle(
        receiver.path(),
        specs,
        columns.isPresent() ? "" : migration(receiver, login),
        "import { z } from \"zod\";\nexport const webhookEvent = z.object({ type: z.string() }).passthrough();\n",
        List.of(),
        tests(receiver),
        explanation(receiver, columns.isEmpty()));
  }

  /** The config with its defaults filled in. */
  record Receiver(
      String provider,
      String secret,
      String name,
      String path,
      String table,
      Optional<JsonNode> hmac,
      Map<String, String> handlers) {
    static Receiver of(JsonNode config) {
      String provider = config.path("provider").asText("stripe");
      var handlers = new LinkedHashMap<String, String>();
      config
          .path("handlers")
          .properties()
          .forEach(e -> handlers.put(e.getKey(), e.getValue().asText()));
      return new Receiver(
          provider,
          config.path("secret").asText(),
          config.path("name").asText(provider + "-webhook"),
          config.path("path").asText("/webhooks/" + provider),
          config.path("table").asText("webhooks." + provider + "_events"),
          Optional.ofNullable(config.get("hmac")),
          handlers);
    }

    String schema() {
      return table.substring(0, table.indexOf('.'));
    }

    /** Whether the provider names each event (its job's idempotency key). */
    boolean namesEvents() {
      return !provider.equals("hmac") || hmac.map(h -> h.has("idHeader")).orElse(false);
    }

    /** The CEL expression of an event's type, as this provider sends it. */
    String eventType() {
      return switch (provider) {
        case "github" ->
            "'x-github-event' in input.headers ? input.headers['x-github-event'] : 'unknown'";
        case "slack" ->
            "has(input.body.event) ? input.body.event.type"
                + " : (has(input.body.type) ? input.body.type"
                + " : (has(input.body.command) ? input.body.command : 'unknown'))";
        default -> "has(input.body.type) ? input.body.type : 'unknown'";
      };
    }

    /** A delivery of an event of {@code type} as the provider would send it. */
    JsonNode sample(String type) {
      return Json.parse(
          switch (provider) {
            case "stripe" ->
                "{\"id\":\"evt_test_1\",\"object\":\"event\",\"type\":\""
                    + type
                    + "\",\"data\":{\"object\":{}}}";
            case "github" -> "{\"action\":\"opened\",\"zen\":\"Keep it logically awesome.\"}";
            case "slack" ->
                "{\"type\":\"event_callback\",\"event_id\":\"Ev_test_1\",\"event\":{\"type\":\""
                    + type
                    + "\"}}";
            default -> "{\"type\":\"" + type + "\",\"data\":{}}";
          });
    }

    /** The headers a sample delivery of {@code type} carries beside its signature. */
    Map<String, String> sampleHeaders(String type) {
      var headers = new LinkedHashMap<String, String>();
      if (provider.equals("github")) headers.put("x-github-event", type);
      hmac.filter(h -> h.has("idHeader"))
          .ifPresent(h -> headers.put(h.get("idHeader").asText().toLowerCase(), "evt_test_1"));
      return headers;
    }

    /** An event type to test with: the first handled one, else the provider's common one. */
    String sampleType() {
      return handlers.keySet().stream()
          .filter(type -> !type.equals("*"))
          .findFirst()
          .orElse(
              switch (provider) {
                case "stripe" -> "invoice.paid";
                case "github" -> "push";
                case "slack" -> "app_mention";
                default -> "test.event";
              });
    }
  }

  private static ObjectNode receiverSpec(Receiver r) {
    ObjectNode spec =
        Json.MAPPER
            .createObjectNode()
            .put("name", r.name())
            .put("method", "POST")
            .put("path", r.path())
            .put(
                "description",
                "Receives "
                    + r.provider()
                    + " webhooks: signature checked, replays acknowledged once, events stored in "
                    + r.table()
                    + ".");
    ObjectNode verify =
        spec.putObject("verify")
            .put("provider", r.provider())
            .put("secret", "${secrets." + r.secret() + "}");
    r.hmac().ifPresent(h -> verify.setAll((ObjectNode) h));
    var steps = spec.putArray("steps");
    if (r.provider().equals("slack")) {
      // Slack checks a new events URL with a signed challenge, answered as sent
      ObjectNode challenge = steps.addObject().put("id", "challenge");
      challenge.put("when", "${has(input.body.type) && input.body.type == 'url_verification'}");
      challenge
          .putObject("respond")
          .put("status", 200)
          .putObject("body")
          .put("challenge", "${input.body.challenge}");
    }
    ObjectNode stored = steps.addObject().put("id", "stored");
    stored.put(
        "sql",
        "insert into "
            + r.table()
            + " (event_id, event_type, payload, raw_body) values (:event_id, :event_type,"
            + " cast(:payload as jsonb), :raw_body) on conflict (event_id) do nothing returning id");
    stored
        .putObject("params")
        .put("event_id", "${input.webhook.eventId}")
        .put("event_type", "${" + r.eventType() + "}")
        .put("payload", "${input.body}")
        .put("raw_body", "${input.rawBody}");
    int n = 0;
    for (var handled : r.handlers().entrySet()) {
      ObjectNode job = steps.addObject().put("id", "job_" + n++);
      if (!handled.getKey().equals("*"))
        job.put("when", "${(" + r.eventType() + ") == '" + handled.getKey() + "'}");
      job.put("enqueue", handled.getValue());
      job.putObject("payload")
          .put("eventId", "${input.webhook.eventId}")
          .put("type", "${" + r.eventType() + "}");
      if (r.namesEvents()) job.put("idempotencyKey", "${input.webhook.eventId}");
    }
    spec.putObject("response").put("status", 200).putObject("body").put("received", true);
    return spec;
  }

  private static ObjectNode handlerSpec(Receiver r, String handler) {
    ObjectNode spec =
        Json.MAPPER
            .createObjectNode()
            .put("name", handler)
            .put(
                "description",
                "Handles "
                    + r.provider()
                    + " events stored by "
                    + r.name()
                    + ": edit its steps to act on them.");
    spec.putObject("trigger").putObject("job").put("attempts", 5).put("backoff", "5s");
    spec.putObject("input")
        .putObject("body")
        .put("type", "object")
        .putArray("required")
        .add("type");
    ObjectNode step = spec.putArray("steps").addObject().put("id", "event");
    step.put(
        "sql",
        "update "
            + r.table()
            + " set processed_at = now() where event_id = :event_id returning id, event_type, payload");
    step.putObject("params").put("event_id", "${input.body.eventId}");
    spec.putObject("response").putObject("body").put("processed", "${steps.event.rowCount}");
    return spec;
  }

  private static String migration(Receiver r, String login) {
    return """
        create schema if not exists %1$s;
        create table %2$s (
          id bigint generated always as identity primary key,
          event_id text unique,
          event_type text not null,
          payload jsonb,
          raw_body text not null,
          received_at timestamptz not null default now(),
          processed_at timestamptz
        );
        create index on %2$s (event_type, received_at);
        grant usage on schema %1$s to "%3$s";
        grant select, insert, update on %2$s to "%3$s";
        """
        .formatted(r.schema(), r.table(), login);
  }

  private static List<TestCase> tests(Receiver r) {
    String type = r.sampleType();
    Optional<JsonNode> body = Optional.of(r.sample(type));
    Map<String, String> headers = r.sampleHeaders(type);
    var cases = new ArrayList<TestCase>();
    cases.add(
        case_(
            "a signed delivery is stored",
            r.path(),
            body,
            headers,
            Optional.of("good"),
            200,
            List.of("received")));
    cases.add(
        case_(
            "the same delivery again is acknowledged and not run",
            r.path(),
            body,
            headers,
            Optional.of("good"),
            200,
            List.of("duplicate")));
    cases.add(
        case_(
            "a forged delivery is refused",
            r.path(),
            body,
            headers,
            Optional.of("bad"),
            401,
            List.of()));
    cases.add(
        case_(
            "an unsigned delivery is refused",
            r.path(),
            body,
            headers,
            Optional.empty(),
            401,
            List.of()));
    for (String handler : new LinkedHashSet<>(r.handlers().values()))
      cases.add(
          new TestCase(
              handler + " handles a stored event",
              "JOB",
              "/" + handler,
              Optional.of(
                  Json.MAPPER.createObjectNode().put("eventId", "evt_test_1").put("type", type)),
              Optional.empty(),
              Map.of(),
              200,
              List.of("processed")));
    return cases;
  }

  private static TestCase case_(
      String name,
      String path,
      Optional<JsonNode> body,
      Map<String, String> headers,
      Optional<String> signed,
      int status,
      List<String> fields) {
    return new TestCase(
        name, "POST", path, body, Optional.empty(), Map.of(), status, fields, headers, signed);
  }

  private static String explanation(Receiver r, boolean newTable) {
    var text = new StringBuilder();
    text.append("POST ")
        .append(r.path())
        .append(" receives ")
        .append(r.provider())
        .append(
            " webhooks. Each delivery's signature over the raw body is checked with the org secret ")
        .append(r.secret())
        .append(
            " before anything runs; a bad or missing one is a 401 problem and nothing is stored. ");
    text.append(
        "A delivery received before (the same event id where the provider signs it, else the same"
            + " signed body) is answered 200 {duplicate: true} without running again. ");
    text.append("Each event is stored in ")
        .append(r.table())
        .append(newTable ? " (made by the migration, granted to the org's login alone)" : "")
        .append(" with its id, type, payload and raw body. ");
    if (!r.handlers().isEmpty())
      text.append("Events of the types ")
          .append(r.handlers().keySet())
          .append(" enqueue the job handlers ")
          .append(new LinkedHashSet<>(r.handlers().values()))
          .append(
              " (once per event id), which mark the event processed: edit their steps to act on it.");
    text.append(" Store the signing secret first: PUT /api/secrets/")
        .append(r.secret())
        .append('.');
    return text.toString();
  }
}
