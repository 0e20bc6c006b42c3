package dev.slipway.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.runtime.ScriptConsole;
import dev.slipway.security.Action;
import dev.slipway.security.Actor;
import dev.slipway.security.Secrets;
import dev.slipway.spec.ScriptLanguage;
import dev.slipway.store.AuditStore;
import dev.slipway.store.PlatformTransactions;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The console: ad-hoc scripts ({@code /api/execute}). */
public final class ConsoleRoutes implements Routes {
  private final ScriptConsole console;
  private final Secrets secrets;
  private final PlatformTransactions platform;
  private final AuditStore audit;

  public ConsoleRoutes(
      ScriptConsole console, Secrets secrets, PlatformTransactions platform, AuditStore audit) {
    this.console = console;
    this.secrets = secrets;
    this.platform = platform;
    this.audit = audit;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.POST, "/api/execute", this::execute, Action.EXECUTE);
  }

  /** {@code {code, language?, context?}}. */
  record ExecuteRequest(String code, ScriptLanguage language, Map<String, Object> context) {
    @SuppressWarnings("unchecked")
    static ExecuteRequest of(JsonNode request) {
      JsonNode code = request.get("code");
      if (code == null || !code.isTextual() || code.asText().isBlank()) {
        throw ProblemException.unprocessable(
            "invalid_request",
            "The body needs 'code', a non-empty string.",
            List.of(new Violation("/code", "required string")));
      }
      JsonNode context = request.path("context");
      if (!context.isMissingNode() && !context.isNull() && !context.isObject()) {
        throw ProblemException.unprocessable(
            "invalid_request",
            "'context' must be an object.",
            List.of(new Violation("/context", "must be an object")));
      }
      ScriptLanguage language =
          "javascript".equals(request.path("language").asText())
              ? ScriptLanguage.JAVASCRIPT
              : ScriptLanguage.TYPESCRIPT;
      return new ExecuteRequest(
          code.asText(),
          language,
          context.isObject() ? Json.MAPPER.convertValue(context, Map.class) : new HashMap<>());
    }
  }

  record Log(String level, String message) {}

  /** What a run gave: its result, how long it took in milliseconds, and what it logged. */
  record Executed(Object result, double executionTime, List<Log> logs) {}

  private void execute(Context ctx) throws SQLException {
    var request = ExecuteRequest.of(Api.jsonBody(ctx));
    Actor actor = Api.actor(ctx);
    platform.inOrg(
        actor.orgId(),
        c -> {
          audit.record(c, actor.success("script.execute", "execute"));
          return null;
        });
    var execution =
        console.run(
            request.code(),
            request.language(),
            request.context(),
            actor.orgId(),
            secrets.forRunBy(actor.principal()));
    Api.json(
        ctx,
        200,
        new Executed(
            execution.result(),
            execution.elapsed().toNanos() / 1_000_000.0,
            execution.logs().stream().map(l -> new Log(l.level(), l.message())).toList()));
  }
}
