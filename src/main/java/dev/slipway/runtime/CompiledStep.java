package dev.slipway.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.sandbox.CompiledScript;
import dev.slipway.sandbox.Sandbox;
import dev.slipway.sandbox.ScriptOutcome;
import dev.slipway.spec.CompiledSchema;
import dev.slipway.spec.NamedSql;
import dev.slipway.spec.Step.Expect;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A step compiled for execution. Each kind of {@code dev.slipway.spec.Step} has one record here;
 * {@link #run} does the step's work and answers with its output, or with a response that ends the
 * pipeline.
 */
sealed interface CompiledStep {

  String id();

  Optional<SpecValue> when();

  StepResult run(StepContext context) throws SQLException;

  /** Whether the step may work in the database or wait on a script (and so block its thread). */
  default boolean mayBlock() {
    return this instanceof Script || usesDatabase();
  }

  /**
   * Whether the step may take a database connection: it runs SQL or enqueues a job ({@link Script}
   * says for itself).
   */
  default boolean usesDatabase() {
    return this instanceof Sql
        || this instanceof Enqueue
        || this instanceof Webhook
        || this instanceof Emit;
  }

  /** What a step produced. */
  sealed interface StepResult {
    record Output(Object value) implements StepResult {}

    record Respond(EndpointResponse response) implements StepResult {}
  }

  record Validate(String id, Optional<SpecValue> when, SpecValue value, CompiledSchema schema)
      implements CompiledStep {
    public StepResult run(StepContext context) {
      Object checked = value.evaluate(context.scope);
      JsonNode node = dev.slipway.common.Json.MAPPER.valueToTree(checked);
      List<Violation> violations = schema.violations(node, "");
      if (!violations.isEmpty()) {
        throw ProblemException.badRequest(
            "validation_failed", "Step '" + id + "' rejected the value.", violations);
      }
      return new StepResult.Output(checked);
    }
  }

  /**
   * @param values one per name of {@code sql}, in its order
   */
  record Sql(
      String id, Optional<SpecValue> when, SqlVariants sql, List<SpecValue> values, Expect expect)
      implements CompiledStep {
    public StepResult run(StepContext context) throws SQLException {
      Object[] evaluated = new Object[values.size()];
      for (int i = 0; i < evaluated.length; i++)
        evaluated[i] = values.get(i).evaluate(context.scope);
      SqlVariants.Variant variant = sql.choose(evaluated);
      try (PreparedStatement ps =
          context.transaction.prepare(variant.sql(), variant.changesSession())) {
        int[] slots = variant.slots();
        for (int i = 0; i < slots.length; i++) SqlValues.bind(ps, i + 1, evaluated[slots[i]]);
        var output = new LinkedHashMap<String, Object>(4);
        if (ps.execute()) {
          List<Map<String, Object>> rows;
          try (ResultSet rs = ps.getResultSet()) {
            rows = Rows.read(rs);
          }
          if (expect == Expect.ONE && rows.isEmpty()) {
            throw ProblemException.notFound("not_found", "No row matched (step '" + id + "').");
          }
          if (expect == Expect.ONE && rows.size() > 1) {
            throw new IllegalStateException(
                "step '" + id + "' expects one row and got " + rows.size());
          }
          output.put("rows", expect == Expect.NONE ? List.of() : rows);
          output.put("row", rows.isEmpty() ? null : rows.getFirst());
          output.put("rowCount", (long) rows.size());
        } else {
          long count = ps.getLargeUpdateCount();
          if (expect == Expect.ONE && count == 0) {
            throw ProblemException.notFound("not_found", "No row matched (step '" + id + "').");
          }
          output.put("rows", List.of());
          output.put("row", null);
          output.put("rowCount", count);
        }
        return new StepResult.Output(output);
      }
    }
  }

  /**
   * Adds a job in the request's transaction through {@code slipway_runtime.enqueue} (migration
   * V16), which takes the org from the connection's login; the output is {@code {id}}.
   */
  record Enqueue(
      String id,
      Optional<SpecValue> when,
      String handler,
      SpecValue payload,
      long delayMillis,
      Optional<SpecValue> idempotencyKey,
      Optional<Integer> attempts)
      implements CompiledStep {
    static final String SQL = "select slipway_runtime.enqueue(?, ?::jsonb, ?, ?, ?)";

    public StepResult run(StepContext context) throws SQLException {
      String body = dev.slipway.common.Json.write(payload.evaluate(context.scope));
      Object key = idempotencyKey.map(k -> k.evaluate(context.scope)).orElse(null);
      try (PreparedStatement ps = context.transaction.prepare(SQL, false)) {
        ps.setString(1, handler);
        ps.setString(2, body);
        ps.setLong(3, delayMillis);
        ps.setString(4, key == null ? null : String.valueOf(key));
        ps.setObject(5, attempts.orElse(null), java.sql.Types.INTEGER);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return new StepResult.Output(Map.of("id", rs.getLong(1)));
        }
      }
    }
  }

  /**
   * Puts a webhook in the outbox in the request's transaction through {@code
   * slipway_runtime.send_webhook} (migration V19), which takes the org from the connection's login;
   * the output is {@code {id}}, the delivery's.
   */
  record Webhook(
      String id,
      Optional<SpecValue> when,
      SpecValue url,
      SpecValue event,
      SpecValue payload,
      String secretName,
      long retryMillis)
      implements CompiledStep {
    static final String SQL = "select slipway_runtime.send_webhook(?, ?, ?::jsonb, ?, ?)";

    public StepResult run(StepContext context) throws SQLException {
      Object target = url.evaluate(context.scope);
      Object type = event.evaluate(context.scope);
      String data = dev.slipway.common.Json.write(payload.evaluate(context.scope));
      try (PreparedStatement ps = context.transaction.prepare(SQL, false)) {
        ps.setString(1, target == null ? null : String.valueOf(target));
        ps.setString(2, type == null ? "" : String.valueOf(type));
        ps.setString(3, data);
        ps.setString(4, secretName);
        ps.setLong(5, retryMillis);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return new StepResult.Output(Map.of("id", rs.getLong(1)));
        }
      }
    }
  }

  /**
   * Publishes a realtime message through {@code slipway_runtime.emit} (migration V21) in the
   * request's transaction: the org is the connection's login's, and subscribers get it when the
   * transaction commits. The output is {@code {id}}, the message's.
   */
  record Emit(
      String id, Optional<SpecValue> when, SpecValue topic, SpecValue event, SpecValue payload)
      implements CompiledStep {
    static final String SQL = "select slipway_runtime.emit(?, ?::jsonb, ?)";

    public StepResult run(StepContext context) throws SQLException {
      Object name = topic.evaluate(context.scope);
      Object type = event.evaluate(context.scope);
      try (PreparedStatement ps = context.transaction.prepare(SQL, false)) {
        ps.setString(1, name == null ? null : String.valueOf(name));
        ps.setString(2, dev.slipway.common.Json.write(payload.evaluate(context.scope)));
        ps.setString(3, type == null ? null : String.valueOf(type));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return new StepResult.Output(Map.of("id", rs.getLong(1)));
        }
      }
    }
  }

  /**
   * @param usesDatabase whether the script names {@code db} anywhere, and so may call {@code
   *     ctx.db.query}: its request then takes its connection before the script is sent to a worker.
   *     A worker waiting in the script's question for a connection, while every connection is held
   *     by requests whose scripts wait behind it in that worker, would wait out the pool's timeout.
   */
  record Script(
      String id,
      Optional<SpecValue> when,
      CompiledScript script,
      Sandbox sandbox,
      ScriptHosts hosts,
      boolean usesDatabase)
      implements CompiledStep {
    private static final java.util.regex.Pattern DB =
        java.util.regex.Pattern.compile("\\b(db|enqueue|webhook|emit)\\b");

    Script(
        String id,
        Optional<SpecValue> when,
        CompiledScript script,
        Sandbox sandbox,
        ScriptHosts hosts) {
      // a script that did not compile is null here: its violation fails the save
      this(
          id,
          when,
          script,
          sandbox,
          hosts,
          script != null && DB.matcher(script.javascript()).find());
    }

    public StepResult run(StepContext context) throws SQLException {
      return finish(context, start(context).join());
    }

    /** Starts the script; {@link #finish} makes the step's result of its outcome. */
    CompletableFuture<ScriptOutcome> start(StepContext context) throws SQLException {
      if (usesDatabase) context.transaction.connection();
      var data = new LinkedHashMap<String, Object>(4);
      data.put("input", inputWithRawBody(context));
      data.put("steps", context.scope.steps());
      return sandbox.start(
          script,
          data,
          hosts.of(
              context.transaction,
              context.orgId,
              context.scope.secrets(),
              context.meter,
              context.request.traceparent()));
    }

    StepResult finish(StepContext context, ScriptOutcome outcome) {
      for (var line : outcome.logs())
        context.logs.add(id + " " + line.level() + ": " + line.message());
      return switch (outcome) {
        case ScriptOutcome.Success success -> new StepResult.Output(success.value());
        case ScriptOutcome.Failure failure ->
            throw new StepFailure(id, "script failed: " + failure.safeMessage());
        default -> throw ScriptLimits.problem(outcome, "Step '" + id + "'");
      };
    }
  }

  /**
   * The input as the script receives it: the request's JSON body goes in as the client sent it
   * (already parsed and checked once), so it is not serialized again for the sandbox to parse. A
   * body in another encoding than plain UTF-8 goes in as parsed.
   */
  private static Map<String, Object> inputWithRawBody(StepContext context) {
    byte[] body = context.request.body();
    if (body.length == 0
        || body[0] == (byte) 0xEF
        || body[0] == (byte) 0xFE
        || body[0] == (byte) 0xFF
        || body[0] == 0
        || (body.length > 1 && body[1] == 0)) {
      return context.scope.input();
    }
    var input = new LinkedHashMap<String, Object>(context.scope.input());
    input.put(
        "body",
        new com.fasterxml.jackson.databind.util.RawValue(
            new String(body, java.nio.charset.StandardCharsets.UTF_8)));
    return input;
  }

  record Respond(String id, Optional<SpecValue> when, CompiledResponse response)
      implements CompiledStep {
    public StepResult run(StepContext context) {
      return new StepResult.Respond(response.render(context.scope, null));
    }
  }

  /** Runs a script's {@code ctx.db.query(sql, params)} inside the request's transaction. */
  static List<Map<String, Object>> query(
      Transaction transaction, String sqlText, Map<String, Object> params) {
    // the request's transaction is Slipway's: a preview's or a test's is rolled back
    NamedSql.transactionControl(sqlText)
        .ifPresent(
            statement -> {
              throw new IllegalArgumentException(
                  "'"
                      + statement
                      + "' controls the transaction, which Slipway keeps; leave it out");
            });
    var sql = new SqlVariants(sqlText);
    Object[] values = new Object[sql.names().size()];
    for (int i = 0; i < values.length; i++) {
      String name = sql.names().get(i);
      if (params == null || !params.containsKey(name)) {
        throw new IllegalArgumentException(
            "the SQL uses :" + name + " but params has no '" + name + "'");
      }
      values[i] = params.get(name);
    }
    SqlVariants.Variant variant = sql.choose(values);
    try (PreparedStatement ps = transaction.prepare(variant.sql(), variant.changesSession())) {
      for (int i = 0; i < variant.slots().length; i++)
        SqlValues.bind(ps, i + 1, values[variant.slots()[i]]);
      if (!ps.execute()) return List.of(Map.of("rowCount", ps.getLargeUpdateCount()));
      try (ResultSet rs = ps.getResultSet()) {
        return Rows.read(rs);
      }
    } catch (SQLException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * A step that failed in a way that is the spec's fault: 500 to clients, the reason to the author.
   */
  final class StepFailure extends RuntimeException {
    final String step;

    StepFailure(String step, String reason) {
      super(reason);
      this.step = step;
    }
  }
}
