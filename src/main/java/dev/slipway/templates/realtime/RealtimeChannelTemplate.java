package dev.slipway.templates.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import dev.slipway.spec.InvalidSpecException;
import dev.slipway.spec.TestCase;
import dev.slipway.templates.Bundle;
import dev.slipway.templates.SpecNodes;
import dev.slipway.templates.Template;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code realtime-channel}: a channel that callers subscribe to over SSE or a WebSocket ({@code GET
 * <path>}) and an endpoint that publishes on it ({@code POST <path>/messages}); on a table, the
 * bundle's migration adds a trigger that publishes each inserted, updated and deleted row. With a
 * tenant, each tenant has a topic of its own: the subscriber's from its key's claim, the published
 * message's from the publisher's claim, a changed row's from its tenant column. The tests publish,
 * subscribe and receive, and are refused without a key.
 */
public final class RealtimeChannelTemplate implements Template {
  static final JsonNode SCHEMA =
      Json.parse(
          """
          {
            "type": "object",
            "additionalProperties": false,
            "required": ["name"],
            "properties": {
              "name": { "type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,50}$",
                        "description": "The channel's name, and its topic's unless topic says another." },
              "topic": { "type": "string", "maxLength": 100, "pattern": "^[A-Za-z0-9_:-]+(\\\\.[A-Za-z0-9_:-]+)*$",
                         "description": "The topic published on; default the name." },
              "table": { "type": "string", "pattern": "^[a-z_][a-z0-9_]{0,62}\\\\.[a-z_][a-z0-9_]{0,62}$",
                         "description": "schema.table (existing) whose inserted, updated and deleted rows are published: {op, table, row}." },
              "auth": { "enum": ["apiKey", "public"],
                        "description": "Who may subscribe: the org's consumer keys holding one of the roles (default), or anyone. Publishing always needs a key." },
              "roles": { "type": "array", "minItems": 1, "uniqueItems": true,
                         "items": { "type": "string", "minLength": 1 },
                         "description": "Consumer-key roles that may subscribe and publish; default [\\"member\\"]." },
              "tenant": {
                "type": "object", "additionalProperties": false, "required": ["claim"],
                "description": "One topic per tenant: a key's claim names its tenant; a table's column names a row's.",
                "properties": {
                  "claim": { "type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,62}$" },
                  "column": { "type": "string", "pattern": "^[a-z_][a-z0-9_]{0,62}$",
                              "description": "The table's tenant column; default the claim's name." }
                }
              },
              "path": { "type": "string", "pattern": "^/[A-Za-z0-9/_-]{1,200}$",
                        "description": "Where callers subscribe; default /live/<name>." },
              "history": { "type": "integer", "minimum": 0, "maximum": 1000 },
              "buffer": { "type": "integer", "minimum": 1, "maximum": 10000 }
            }
          }""");

  private static final JsonNode EXAMPLE =
      Json.parse("{ \"name\": \"notifications\", \"tenant\": { \"claim\": \"tenant\" } }");

  @Override
  public String name() {
    return "realtime-channel";
  }

  @Override
  public String description() {
    return "A realtime channel (SSE and WebSocket) on a topic or a table's changes, with its auth, "
        + "a topic per tenant, and an endpoint that publishes on it.";
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
    return Optional.ofNullable(config.get("table")).map(JsonNode::asText);
  }

  /** The config with its defaults filled in. */
  record Channel(
      String name,
      String topic,
      Optional<String> table,
      boolean isPublic,
      List<String> roles,
      Optional<String> claim,
      Optional<String> column,
      String path) {
    static Channel of(JsonNode config) {
      String name = config.path("name").asText("channel");
      var roles = new ArrayList<String>();
      config.path("roles").forEach(role -> roles.add(role.asText()));
      Optional<String> claim =
          Optional.ofNullable(config.path("tenant").get("claim")).map(JsonNode::asText);
      return new Channel(
          name,
          config.path("topic").asText(name),
          Optional.ofNullable(config.get("table")).map(JsonNode::asText),
          config.path("auth").asText("apiKey").equals("public"),
          roles.isEmpty() ? List.of("member") : List.copyOf(roles),
          claim,
          claim.map(c -> config.path("tenant").path("column").asText(c)),
          config.path("path").asText("/live/" + name));
    }

    /** The topic as a spec writes it: a tenant's topic from the caller's claim. */
    String topicValue() {
      return claim.map(c -> topic + ".${auth.claims." + c + "}").orElse(topic);
    }
  }

  @Override
  public Bundle generate(JsonNode config, Optional<Map<String, String>> columns, String login)
      throws InvalidSpecException {
    var violations = new ArrayList<Violation>();
    Channel channel = Channel.of(config);
    if (channel.table().isPresent() && columns.isEmpty())
      violations.add(
          new Violation(
              "/config/table",
              "there is no table "
                  + channel.table().get()
                  + ": a channel publishes an existing table's changes"));
    if (channel.column().isPresent()
        && columns.isPresent()
        && !columns.get().containsKey(channel.column().get()))
      violations.add(
          new Violation(
              "/config/tenant/column",
              channel.table().get() + " has no column " + channel.column().get()));
    if (channel.isPublic() && channel.claim().isPresent())
      violations.add(
          new Violation(
              "/config/tenant", "a tenant's topic comes from a key's claim: leave auth apiKey"));
    if (!violations.isEmpty()) throw new InvalidSpecException(violations);

    return new Bundle(
        channel.path(),
        List.of(subscription(config, channel), publisher(channel)),
        channel.table().map(table -> migration(channel, table, login)).orElse(""),
        "import { z } from \"zod\";\n"
            + "export const message = z.object({ id: z.number(), topic: z.string(),"
            + " event: z.string().nullable(), data: z.unknown() });\n",
        List.of(),
        tests(channel),
        explanation(channel));
  }

  private static ObjectNode subscription(JsonNode config, Channel channel) {
    ObjectNode spec =
        SpecNodes.endpoint(
            channel.name(),
            "GET",
            channel.path(),
            "Subscribe over Server-Sent Events or a WebSocket to "
                + (channel.table().isPresent()
                    ? "the changes of " + channel.table().get() + " and "
                    : "")
                + "what is published on "
                + channel.topic()
                + (channel.claim().isPresent() ? " (each tenant its own)" : "")
                + ".");
    if (!channel.isPublic()) SpecNodes.apiKeyAuth(spec, channel.roles());
    ObjectNode settings = spec.putObject("trigger").putObject("channel");
    settings.put("topic", channel.topicValue());
    for (String key : List.of("history", "buffer"))
      if (config.has(key)) settings.set(key, config.get(key));
    return spec;
  }

  private static ObjectNode publisher(Channel channel) {
    ObjectNode spec =
        SpecNodes.endpoint(
            channel.name() + "-publish",
            "POST",
            channel.path() + "/messages",
            "Publishes the body on "
                + channel.topic()
                + (channel.claim().isPresent() ? " (the caller's tenant's)" : "")
                + " when the request commits; 202 with the message's id.");
    SpecNodes.apiKeyAuth(spec, channel.roles());
    spec.putObject("input").putObject("body").put("type", "object");
    ObjectNode step = spec.putArray("steps").addObject().put("id", "sent");
    step.put("emit", channel.topicValue());
    step.put("event", "message");
    step.put("payload", "${input.body}");
    spec.putObject("response").put("status", 202).putObject("body").put("id", "${steps.sent.id}");
    return spec;
  }

  private static String migration(Channel channel, String table, String login) {
    String trigger = channel.name().replace('-', '_') + "_live";
    return """
        create trigger "%1$s" after insert or update or delete on %2$s
          for each row execute function slipway_runtime.publish_change('%3$s', '%4$s'%5$s);
        """
        .formatted(
            trigger,
            table,
            login,
            channel.topic(),
            channel.column().map(column -> ", '" + column + "'").orElse(""));
  }

  private static List<TestCase> tests(Channel channel) {
    String role = channel.roles().getFirst();
    Map<String, String> claims = channel.claim().map(c -> Map.of(c, "tenant-a")).orElse(Map.of());
    var tests = new ArrayList<TestCase>();
    tests.add(
        new TestCase(
            "publish",
            "POST",
            channel.path() + "/messages",
            Optional.of(Json.parse("{\"text\": \"hello\"}")),
            Optional.of(role),
            claims,
            202,
            List.of("id")));
    tests.add(
        new TestCase(
            "subscribe and receive",
            "GET",
            channel.path(),
            Optional.empty(),
            Optional.of(role),
            claims,
            200,
            List.of("last")));
    tests.add(
        new TestCase(
            "publishing needs a key",
            "POST",
            channel.path() + "/messages",
            Optional.of(Json.parse("{\"text\": \"hello\"}")),
            Optional.empty(),
            Map.of(),
            401,
            List.of()));
    if (!channel.isPublic())
      tests.add(
          new TestCase(
              "subscribing needs a key",
              "GET",
              channel.path(),
              Optional.empty(),
              Optional.empty(),
              Map.of(),
              401,
              List.of()));
    return tests;
  }

  private static String explanation(Channel channel) {
    return "GET "
        + channel.path()
        + " subscribes "
        + (channel.isPublic()
            ? "anyone"
            : "a caller whose consumer key holds one of the roles " + channel.roles())
        + " over Server-Sent Events (EventSource, curl -N) or a WebSocket (an upgrade request) to "
        + (channel.claim().isPresent()
            ? "its tenant's topic " + channel.topic() + ".<the key's " + channel.claim().get() + ">"
            : "the topic " + channel.topic())
        + "; a reconnect with Last-Event-ID is sent what it missed, and a subscriber that reads"
        + " slower than messages come is dropped with the reason. POST "
        + channel.path()
        + "/messages publishes its body there when the request commits (as does an emit step or"
        + " ctx.emit in any endpoint)"
        + channel
            .table()
            .map(
                table ->
                    ", and the migration's trigger publishes each insert, update and delete of "
                        + table
                        + " as {op, table, row}"
                        + channel.column().map(c -> " on the topic of the row's " + c).orElse(""))
            .orElse("")
        + ".";
  }
}
