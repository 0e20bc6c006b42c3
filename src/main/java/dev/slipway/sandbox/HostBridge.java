package dev.slipway.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.proxy.ProxyExecutable;

/**
 * The only way out of a context: the prelude receives these methods as {@link ProxyExecutable}
 * functions ({@link #functions}) and keeps them in closures that user code cannot reach. Only
 * strings cross, so no Java object ever becomes visible to a script. Proxies rather than
 * {@code @HostAccess.Export} methods because host access needs a public class, and this is not
 * API.
 *
 * <p>One bridge belongs to one pooled context and is reused run after run ({@link #begin} /
 * {@link #end}), so a run allocates no bridge and the prelude binds it once.
 */
final class HostBridge {

  static final int MAX_LOG_LINES = 1000;
  static final int MAX_LOG_CHARS = 8 * 1024;

  enum State { PENDING, SUCCEEDED, FAILED }

  private final JsonCodec json;
  private ScriptHost host = ScriptHost.NONE;
  private List<LogLine> logs = new ArrayList<>();
  private State state = State.PENDING;
  private String result;
  private String queryError;

  HostBridge(JsonCodec json) {
    this.json = json;
  }

  void begin(ScriptHost host) {
    this.host = host;
    this.logs = new ArrayList<>();
    this.state = State.PENDING;
    this.result = null;
    this.queryError = null;
  }

  /** Ends the run and hands over its log lines; the host is dropped so it is not retained. */
  List<LogLine> end() {
    host = ScriptHost.NONE;
    return logs;
  }

  /** {@code log, query, queryError, succeed, fail}, in the order the prelude takes them. */
  Object[] functions() {
    return new Object[] {
      (ProxyExecutable) args -> {
        log(args[0].asString(), args[1].asString());
        return null;
      },
      (ProxyExecutable) args -> query(args[0].asString(), args[1].isNull() ? null : args[1].asString()),
      (ProxyExecutable) args -> queryError(),
      (ProxyExecutable) args -> {
        succeed(args[0].asString());
        return null;
      },
      (ProxyExecutable) args -> {
        fail(args[0].asString());
        return null;
      },
    };
  }

  State state() {
    return state;
  }

  /** The result's JSON after {@link State#SUCCEEDED}, the safe message after {@link State#FAILED}. */
  String result() {
    return result;
  }

  void log(String level, String message) {
    if (logs.size() >= MAX_LOG_LINES) {
      if (logs.size() == MAX_LOG_LINES) {
        add(new LogLine("warn", "log truncated: more than " + MAX_LOG_LINES + " lines"));
      }
      return;
    }
    String text = message.length() > MAX_LOG_CHARS ? message.substring(0, MAX_LOG_CHARS) + "…" : message;
    add(new LogLine(level, text));
  }

  private void add(LogLine line) {
    logs.add(line);
    try {
      host.log(line.level(), line.message());
    } catch (RuntimeException ignored) {
      // the ScriptHost contract says log must not throw; a broken log sink must not fail scripts
    }
  }

  /**
   * Runs a query for {@code ctx.db.query}. Returns the rows as JSON, or null when the host threw,
   * in which case {@link #queryError} has the message the prelude throws as a JavaScript Error
   * (a host exception crossing into JavaScript would not carry a readable message under
   * CONSTRAINED host access).
   */
  String query(String sql, String paramsJson) {
    try {
      Map<String, Object> params = paramsJson == null ? Map.of() : json.readObject(paramsJson);
      List<Map<String, Object>> rows = host.query(sql, params == null ? Map.of() : params);
      return json.write(rows);
    } catch (RuntimeException e) {
      queryError = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
      return null;
    }
  }

  String queryError() {
    return queryError;
  }

  void succeed(String resultJson) {
    state = State.SUCCEEDED;
    result = resultJson;
  }

  void fail(String safeMessage) {
    state = State.FAILED;
    result = safeMessage;
  }
}
