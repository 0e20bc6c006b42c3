package dev.slipway.runtime;

import dev.slipway.http.ProblemException;
import dev.slipway.sandbox.CompiledScript;
import dev.slipway.sandbox.LogLine;
import dev.slipway.sandbox.ScriptCompileException;
import dev.slipway.sandbox.ScriptLanguage;
import dev.slipway.sandbox.ScriptOutcome;
import dev.slipway.sandbox.Sandbox;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs ad-hoc scripts for {@code POST /api/execute}, in the same sandbox as script steps. The
 * script's {@code ctx} is the given context plus {@code ctx.log} and {@code ctx.db.query}; its
 * database work runs in a transaction that is always rolled back.
 */
public final class ScriptConsole {
  private final Sandbox sandbox;
  private final OrgConnections connections;
  private final SecretSource secrets;
  private final ScriptHosts hosts;

  public ScriptConsole(Sandbox sandbox, OrgConnections connections, SecretSource secrets, ScriptHosts hosts) {
    this.sandbox = sandbox;
    this.connections = connections;
    this.secrets = secrets;
    this.hosts = hosts;
  }

  /** The sandbox's figures for {@code /api/health}. */
  public Map<String, Object> sandboxHealth() {
    return sandbox.health();
  }

  /** A finished run: the script's value, how long it ran, what it logged. */
  public record Execution(Object result, Duration elapsed, List<LogLine> logs) {}

  /** Runs {@code code} for a member of {@code orgId}, with that org's secrets and egress policy. */
  public Execution run(String code, ScriptLanguage language, Map<String, Object> context, long orgId) {
    CompiledScript script;
    try {
      script = sandbox.compile("execute", code, language);
    } catch (ScriptCompileException e) {
      throw ProblemException.unprocessable("script_invalid", e.getMessage(), List.of());
    }
    try (var transaction = new Transaction(connections, orgId, true, true, "")) {
      return switch (sandbox.run(script, context, hosts.of(transaction, orgId, secrets.values(orgId)))) {
        case ScriptOutcome.Success s -> new Execution(s.value(), s.elapsed(), s.logs());
        case ScriptOutcome.Failure f -> throw ProblemException.unprocessable("script_failed", f.safeMessage(), List.of());
        case ScriptOutcome outcome -> throw ScriptLimits.problem(outcome, "The script");
      };
    }
  }
}
