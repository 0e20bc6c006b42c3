package dev.slipway.templates.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import dev.slipway.spec.InvalidSpecException;
import dev.slipway.spec.TestCase;
import dev.slipway.templates.Bundle;
import dev.slipway.templates.ExistingTable;
import dev.slipway.templates.FieldType.ObjectOf;
import dev.slipway.templates.FieldTypes;
import dev.slipway.templates.SampleValues;
import dev.slipway.templates.SpecNodes;
import dev.slipway.templates.Template;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code background-job}: a job handler (or a schedule) that records each run in a table, the
 * endpoint that enqueues it ({@code POST <path>}, 202 with the job's id) and the one that reads a
 * job's state ({@code GET <path>/:id}), both for the org's consumer keys holding the config's
 * roles. The payload's fields are checked on enqueue and again by the handler, so a bad one fails
 * its attempts and ends dead. The tests enqueue and read a job, are refused without a key, and run
 * the handler to completion and to failure.
 */
public final class BackgroundJobTemplate implements Template {
  static final JsonNode SCHEMA =
      Json.parse(
          """
          {
            "type": "object",
            "additionalProperties": false,
            "required": ["name"],
            "properties": {
              "name": { "type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,50}$",
                        "description": "The job handler's name." },
              "payload": { "type": "object",
                           "description": "The payload's fields, as crud's validation writes them: {\\"email\\": \\"email\\", \\"count\\": \\"integer(1..10)?\\"}." },
              "schedule": {
                "type": "object", "additionalProperties": false, "required": ["cron"],
                "properties": { "cron": { "type": "string", "minLength": 9, "maxLength": 200 },
                                "timezone": { "type": "string", "minLength": 1, "maxLength": 64 } }
              },
              "attempts": { "type": "integer", "minimum": 1, "maximum": 100 },
              "backoff": { "type": "string", "pattern": "^[1-9][0-9]{0,6}(ms|s|m|h)$" },
              "timeout": { "type": "string", "pattern": "^[1-9][0-9]{0,6}(ms|s|m|h)$" },
              "concurrency": { "type": "integer", "minimum": 1, "maximum": 1000 },
              "path": { "type": "string", "pattern": "^/[A-Za-z0-9/_-]{1,200}$",
                        "description": "Where jobs are enqueued (POST) and read (GET <path>/:id); default /jobs/<name>." },
              "roles": { "type": "array", "minItems": 1, "uniqueItems": true,
                         "items": { "type": "string", "minLength": 1 },
                         "description": "Consumer-key roles that may enqueue and read jobs; default [\\"member\\"]." },
              "table": { "type": "string", "pattern": "^[a-z_][a-z0-9_]{0,62}\\\\.[a-z_][a-z0-9_]{0,62}$",
                         "description": "schema.table where each run is recorded; default jobs.<name with _>_runs." }
            }
          }""");

  private static final JsonNode EXAMPLE =
      Json.parse(
          """
          { "name": "send-report", "payload": { "email": "email", "days": "integer(1..31)?" },
            "attempts": 3, "backoff": "10s" }""");

  @Override
  public String name() {
    return "background-job";
  }

  @Override
  public String description() {
    return "A job handler (or a schedule) with the endpoint that enqueues it and one that reads a job's state; "
        + "retries, back-off and a dead letter.";
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
    return Optional.of(Job.of(config).table());
  }

  /** The config with its defaults filled in. */
  record Job(
      String name, String path, List<String> roles, String table, Optional<JsonNode> schedule) {
    static Job of(JsonNode config) {
      String name = config.path("name").asText("job");
      var roles = new ArrayList<String>();
      config.path("roles").forEach(role -> roles.add(role.asText()));
      return new Job(
          name,
          config.path("path").asText("/jobs/" + name),
          roles.isEmpty() ? List.of("member") : List.copyOf(roles),
          config.path("table").asText("jobs." + name.replace('-', '_') + "_runs"),
          Optional.ofNullable(config.get("schedule")));
    }

    String schema() {
      return table.substring(0, table.indexOf('.'));
    }
  }

  @Override
  public Bundle generate(JsonNode config, Optional<Map<String, String>> columns, String login)
      throws InvalidSpecException {
    var violations = new ArrayList<Violation>();
    Job job = Job.of(config);
    ObjectOf payload =
        config.has("payload")
            ? FieldTypes.parse(config.get("payload"), "/config/payload", violations).orElse(null)
            : new ObjectOf(List.of());
    ExistingTable.requireColumns(
        columns, job.table(), List.of("id", "job_id", "payload"), violations);
    if (payload == null || !violations.isEmpty()) throw new InvalidSpecException(violations);

    ObjectNode bodySchema = FieldTypes.jsonSchema(payload);
    if (payload.fields().isEmpty()) bodySchema.remove("additionalProperties");
    var specs = List.of(handler(config, job, bodySchema), enqueue(job, bodySchema), status(job));
    return new Bundle(
        job.path(),
        specs,
        columns.isPresent() ? "" : migration(job, login),
        "import { z } from \"zod\";\nexport const payload = " + FieldTypes.zod(payload) + ";\n",
        List.of(),
        tests(job, SampleValues.object(payload.fields())),
        explanation(job, payload, columns.isEmpty()));
  }

  private static ObjectNode handler(JsonNode config, Job job, ObjectNode bodySchema) {
    ObjectNode spec =
        Json.MAPPER
            .createObjectNode()
            .put("name", job.name())
            .put(
                "description",
                "Runs each "
                    + job.name()
                    + " job and records it in "
                    + job.table()
                    + ": edit its steps to do the work.");
    ObjectNode trigger = spec.putObject("trigger");
    ObjectNode settings;
    if (job.schedule().isPresent()) {
      settings = trigger.putObject("schedule");
      settings.setAll((ObjectNode) job.schedule().get());
    } else {
      settings = trigger.putObject("job");
      if (config.has("concurrency")) settings.set("concurrency", config.get("concurrency"));
    }
    for (String key : List.of("attempts", "backoff", "timeout"))
      if (config.has(key)) settings.set(key, config.get(key));
    // a schedule's runs carry {scheduledAt}; a queued job's payload is checked again here
    spec.putObject("input")
        .set(
            "body", job.schedule().isPresent() ? Json.parse("{\"type\": \"object\"}") : bodySchema);
    ObjectNode step = spec.putArray("steps").addObject().put("id", "run");
    step.put(
        "sql",
        "insert into "
            + job.table()
            + " (job_id, payload) values (cast(:job as bigint), cast(:payload as jsonb)) returning id");
    step.putObject("params")
        .put("job", "${input.headers['x-slipway-job-id']}")
        .put("payload", "${input.body}");
    spec.putObject("response").putObject("body").put("run", "${steps.run.row.id}");
    return spec;
  }

  private static ObjectNode enqueue(Job job, ObjectNode bodySchema) {
    ObjectNode spec =
        SpecNodes.endpoint(
            job.name() + "-enqueue",
            "POST",
            job.path(),
            "Enqueues a " + job.name() + " job; 202 with its id.");
    SpecNodes.apiKeyAuth(spec, job.roles());
    spec.putObject("input").set("body", bodySchema);
    ObjectNode step = spec.putArray("steps").addObject().put("id", "queued");
    step.put("enqueue", job.name());
    step.set("payload", TextNode.valueOf("${input.body}"));
    ObjectNode response = spec.putObject("response").put("status", 202);
    response.putObject("body").put("id", "${steps.queued.id}");
    return spec;
  }

  private static ObjectNode status(Job job) {
    ObjectNode spec =
        SpecNodes.endpoint(
            job.name() + "-status",
            "GET",
            job.path() + "/:id",
            "A "
                + job.name()
                + " job's state: queued, running, succeeded, dead or cancelled, with its attempts and last error.");
    SpecNodes.apiKeyAuth(spec, job.roles());
    spec.putObject("input")
        .putObject("params")
        .putObject("id")
        .put("type", "integer")
        .put("minimum", 1);
    ObjectNode step = spec.putArray("steps").addObject().put("id", "job");
    step.put(
        "sql",
        "select slipway_runtime.job_status(cast(:id as bigint)) as job"
            + " where slipway_runtime.job_status(cast(:id as bigint)) ->> 'handler' = :handler");
    step.putObject("params").put("id", "${input.params.id}").put("handler", job.name());
    step.put("expect", "one");
    spec.putObject("response").put("body", "${steps.job.row.job}");
    return spec;
  }

  private static String migration(Job job, String login) {
    return """
        create schema if not exists %1$s;
        create table %2$s (
          id bigint generated always as identity primary key,
          job_id bigint,
          payload jsonb,
          ran_at timestamptz not null default now()
        );
        grant usage on schema %1$s to "%3$s";
        grant select, insert on %2$s to "%3$s";
        """
        .formatted(job.schema(), job.table(), login);
  }

  private static List<TestCase> tests(Job job, ObjectNode sample) {
    String role = job.roles().getFirst();
    JsonNode payload = job.schedule().isPresent() ? Json.MAPPER.createObjectNode() : sample;
    return List.of(
        new TestCase(
            "enqueue",
            "POST",
            job.path(),
            Optional.of(payload),
            Optional.of(role),
            Map.of(),
            202,
            List.of("id")),
        new TestCase(
            "read its state",
            "GET",
            job.path() + "/{{enqueue.id}}",
            Optional.empty(),
            Optional.of(role),
            Map.of(),
            200,
            List.of("status", "attempts")),
        new TestCase(
            "an unknown job is not found",
            "GET",
            job.path() + "/999999999",
            Optional.empty(),
            Optional.of(role),
            Map.of(),
            404,
            List.of()),
        new TestCase(
            "enqueueing needs a key",
            "POST",
            job.path(),
            Optional.of(payload),
            Optional.empty(),
            Map.of(),
            401,
            List.of()),
        new TestCase(
            "a run completes",
            "JOB",
            "/" + job.name(),
            Optional.of(payload),
            Optional.empty(),
            Map.of(),
            200,
            List.of("run")),
        new TestCase(
            "a run with a bad payload fails (and ends dead when its attempts are spent)",
            "JOB",
            "/" + job.name(),
            Optional.of(TextNode.valueOf("not a payload")),
            Optional.empty(),
            Map.of(),
            400,
            List.of()));
  }

  private static String explanation(Job job, ObjectOf payload, boolean newTable) {
    return "The job handler "
        + job.name()
        + (job.schedule().isPresent()
            ? " runs on the schedule "
                + job.schedule().get().path("cron").asText()
                + " (and when enqueued)"
            : " runs each job enqueued for it")
        + ", tried again after a back-off until its attempts are spent, then dead; each run is recorded in "
        + job.table()
        + (newTable ? " (made by the migration, granted to the org's login alone)" : "")
        + ": edit its steps to do the work. POST "
        + job.path()
        + " enqueues one (202 {id})"
        + (payload.fields().isEmpty() ? "" : " after checking its payload's fields")
        + ", and GET "
        + job.path()
        + "/:id reads a job's state; both need a consumer key holding one of the roles "
        + job.roles()
        + ". Jobs are also enqueued by an enqueue step, ctx.enqueue or POST /api/jobs.";
  }
}
