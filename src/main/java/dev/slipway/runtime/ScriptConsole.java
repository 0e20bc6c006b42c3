package dev.slipway.runtime;

import dev.slipway.http.ProblemException;
import dev.slipway.sandbox.CompiledScript;
import dev.slipway.sandbox.LogLine;
import dev.slipway.sandbox.ScriptCompileException;
import dev.slipway.sandbox.ScriptLanguage;
import dev.slipway.sandbox.ScriptOutcome;
import dev.slipway.sandbox.ScriptSandbox;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Runs ad-hoc scripts for {@code POST /api/execute}, in the same sandbox as script steps. The
 * script's {@code ctx} is the given context plus {@code ctx.log} and {@code ctx.db.query}; its
 * database work runs in a transaction that is always rolled back.
 */
public final class ScriptConsole {
  private final ScriptSandbox sandbox;
  private final DataSource dataSource;

  public ScriptConsole(ScriptSandbox sandbox, DataSource dataSource) {
    this.sandbox = sandbox;
    this.dataSource = dataSource;
  }

  /** A finished run: the script's value, how long it ran, what it logged. */
  public record Execution(Object result, Duration elapsed, List<LogLine> logs) {}

  public Execution run(String code, ScriptLanguage language, Map<String, Object> context) {
    CompiledScript script;
    try {
      script = sandbox.compile("execute", code, language);
    } catch (ScriptCompileException e) {
      throw ProblemException.unprocessable("script_invalid", e.getMessage(), List.of());
    }
    try (var transaction = new Transaction(dataSource, true, true, null)) {
      return switch (sandbox.run(script, context, new CompiledStep.TransactionHost(transaction))) {
        case ScriptOutcome.Success s -> new Execution(s.value(), s.elapsed(), s.logs());
        case ScriptOutcome.Failure f -> throw ProblemException.unprocessable("script_failed", f.safeMessage(), List.of());
        case ScriptOutcome.Timeout t -> throw new ProblemException(504, "script_timeout", "Gateway Timeout",
            "The script did not finish within " + t.limit().toMillis() + " ms and was stopped.");
        case ScriptOutcome.StatementLimit l -> throw new ProblemException(504, "script_timeout", "Gateway Timeout",
            "The script ran more than " + l.limit() + " statements and was stopped.");
      };
    }
  }
}
