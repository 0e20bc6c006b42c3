package dev.slipway.runtime;

import dev.slipway.problem.ProblemException;
import dev.slipway.sandbox.CompiledScript;
import dev.slipway.sandbox.LogLine;
import dev.slipway.sandbox.Sandbox;
import dev.slipway.sandbox.ScriptCompileException;
import dev.slipway.sandbox.ScriptOutcome;
import dev.slipway.spec.EndpointSpec;
import dev.slipway.spec.ScriptLanguage;
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
  private final ScriptHosts hosts;

  public ScriptConsole(Sandbox sandbox, OrgConnections connections, ScriptHosts hosts) {
    this.sandbox = sandbox;
    this.connections = connections;
    this.hosts = hosts;
  }

  /** The sandbox's figures for {@code /api/health}. */
  public Map<String, Object> sandboxHealth() {
    return sandbox.health();
  }

  /** Whether the sandbox has started (see {@link Sandbox#started}). */
  public boolean sandboxStarted() {
    return sandbox.started();
  }

  /** A finished run: the script's value, how long it ran, what it logged. */
  public record Execution(Object result, Duration elapsed, List<LogLine> logs) {}

  /**
   * Runs {@code code} for a member of {@code orgId}, with that org's egress policy and its secrets
   * as the member may read them; a refused read answers the run with the refusal. The org's secret
   * values are replaced by {@code [secret:NAME]} in all that comes back: the result's strings (keys
   * too, at any depth), the log lines and a failure's detail.
   */
  public Execution run(
      String code,
      ScriptLanguage language,
      Map<String, Object> context,
      long orgId,
      RunSecrets secrets) {
    Execution execution;
    try {
      execution = unredacted(code, language, context, orgId, secrets);
    } catch (SecretAccessDenied refused) {
      throw refused;
    } catch (ProblemException problem) {
      throw problem.withDetail(secrets.redact(orgId, problem.detail()));
    }
    return new Execution(
        secrets.redactTree(orgId, execution.result()),
        execution.elapsed(),
        execution.logs().stream()
            .map(line -> new LogLine(line.level(), secrets.redact(orgId, line.message())))
            .toList());
  }

  private Execution unredacted(
      String code,
      ScriptLanguage language,
      Map<String, Object> context,
      long orgId,
      RunSecrets secrets) {
    CompiledScript script;
    try {
      script = sandbox.compile("execute", code, language);
    } catch (ScriptCompileException e) {
      throw ProblemException.unprocessable("script_invalid", e.getMessage(), List.of());
    }
    try (var transaction =
        new Transaction(
            connections, orgId, true, true, "", EndpointSpec.DEFAULT_STATEMENT_TIMEOUT)) {
      ScriptOutcome ended =
          sandbox.run(script, context, hosts.of(transaction, orgId, secrets.values(orgId)));
      secrets.throwIfRefused();
      return switch (ended) {
        case ScriptOutcome.Success s -> new Execution(s.value(), s.elapsed(), s.logs());
        case ScriptOutcome.Failure f ->
            throw ProblemException.unprocessable("script_failed", f.safeMessage(), List.of());
        case ScriptOutcome outcome -> throw ScriptLimits.problem(outcome, "The script");
      };
    }
  }
}
