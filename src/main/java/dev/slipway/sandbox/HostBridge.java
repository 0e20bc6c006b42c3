package dev.slipway.sandbox;

import java.util.ArrayList;
import java.util.List;
import org.graalvm.polyglot.proxy.ProxyExecutable;

/**
 * The only way out of a context: the prelude receives these methods as {@link ProxyExecutable}
 * functions ({@link #functions}) and keeps them in closures that user code cannot reach. Only
 * strings cross, so no Java object ever becomes visible to a script. Proxies rather than
 * {@code @HostAccess.Export} methods because host access needs a public class, and this is not API.
 *
 * <p>One bridge belongs to one pooled context and is reused run after run ({@link #begin} / {@link
 * #end}), so a run allocates no bridge and the prelude binds it once.
 */
final class HostBridge {

  /** Lines one run may log; one more ends the run with {@link ScriptOutcome.Limit#LOG}. */
  static final int MAX_LOG_LINES = 1000;

  /** Characters one run may log in all; longer lines count as cut. */
  static final int MAX_LOG_TOTAL_CHARS = 1024 * 1024;

  /** A longer line is cut to this many characters. */
  static final int MAX_LOG_CHARS = 8 * 1024;

  enum State {
    PENDING,
    SUCCEEDED,
    FAILED,
    EXCEEDED
  }

  private final JsonCodec json;
  private ScriptHost host = ScriptHost.NONE;
  private List<LogLine> logs = new ArrayList<>();
  private State state = State.PENDING;
  private String result;
  private String queryError;
  private int loggedChars;
  private ScriptOutcome.Limit exceeded;

  HostBridge(JsonCodec json) {
    this.json = json;
  }

  void begin(ScriptHost host) {
    this.host = host;
    this.logs = new ArrayList<>();
    this.state = State.PENDING;
    this.result = null;
    this.queryError = null;
    this.loggedChars = 0;
    this.exceeded = null;
  }

  /** Ends the run and hands over its log lines; the host is dropped so it is not retained. */
  List<LogLine> end() {
    host = ScriptHost.NONE;
    return logs;
  }

  /**
   * {@code log, query, hostError, succeed, fail, secret, fetch, exceed} and the output limit, in
   * the order the prelude takes them.
   */
  Object[] functions() {
    return new Object[] {
      (ProxyExecutable) args -> log(args[0].asString(), args[1].asString()),
      (ProxyExecutable)
          args -> query(args[0].asString(), args[1].isNull() ? null : args[1].asString()),
      (ProxyExecutable) args -> queryError(),
      (ProxyExecutable)
          args -> {
            succeed(args[0].asString());
            return null;
          },
      (ProxyExecutable)
          args -> {
            fail(args[0].asString());
            return null;
          },
      (ProxyExecutable) args -> secret(args[0].asString()),
      (ProxyExecutable) args -> fetch(args[0].asString()),
      (ProxyExecutable)
          args -> {
            exceed(ScriptOutcome.Limit.valueOf(args[0].asString()), args[1].asString());
            return null;
          },
      SandboxLimits.MAX_OUTPUT_CHARS,
    };
  }

  State state() {
    return state;
  }

  /**
   * The result's JSON after {@link State#SUCCEEDED}, the safe message after {@link State#FAILED}.
   */
  String result() {
    return result;
  }

  /**
   * Keeps a log line. Past the budget the line is dropped and the run is marked as over its log
   * limit, which its outcome reports whatever the script does next; the JavaScript side then
   * throws, so a logging loop ends at once unless the script catches that.
   *
   * @return false when the line went past the budget
   */
  boolean log(String level, String message) {
    String text =
        message.length() > MAX_LOG_CHARS ? message.substring(0, MAX_LOG_CHARS) + "…" : message;
    if (logs.size() >= MAX_LOG_LINES || loggedChars + text.length() > MAX_LOG_TOTAL_CHARS) {
      exceed(
          ScriptOutcome.Limit.LOG,
          "the script logged more than "
              + MAX_LOG_LINES
              + " lines or "
              + MAX_LOG_TOTAL_CHARS
              + " characters");
      return false;
    }
    loggedChars += text.length();
    add(new LogLine(level, text));
    return true;
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
   * in which case {@link #queryError} has the message the prelude throws as a JavaScript Error (a
   * host exception crossing into JavaScript would not carry a readable message under CONSTRAINED
   * host access).
   */
  String query(String sql, String paramsJson) {
    try {
      if (host instanceof JsonHost raw) {
        return raw.queryJson(sql, paramsJson);
      }
      return json.write(host.query(sql, json.readObject(paramsJson)));
    } catch (RuntimeException e) {
      queryError = messageOf(e);
      return null;
    }
  }

  /** The message of the host call that last answered null; the prelude throws it as an Error. */
  String queryError() {
    return queryError;
  }

  /**
   * {@code ctx.secrets.get(name)}: the value, or null with {@link #queryError} set when the host
   * refused.
   */
  String secret(String name) {
    try {
      queryError = null;
      return host.secret(name).orElse(null);
    } catch (RuntimeException e) {
      queryError = messageOf(e);
      return null;
    }
  }

  /** {@code ctx.fetch}: the response as JSON, or null with {@link #queryError} set. */
  String fetch(String requestJson) {
    try {
      if (host instanceof JsonHost raw) {
        return raw.fetchJson(requestJson);
      }
      return json.write(host.fetch(json.readObject(requestJson)));
    } catch (RuntimeException e) {
      queryError = messageOf(e);
      return null;
    }
  }

  /** Marks the run as over {@code limit}; the first limit reached is the one reported. */
  void exceed(ScriptOutcome.Limit limit, String detail) {
    if (exceeded == null) {
      exceeded = limit;
      state = State.EXCEEDED;
      result = detail;
    }
  }

  private static String messageOf(RuntimeException e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  /** The limit the run went past, once {@link #state} is {@link State#EXCEEDED}. */
  ScriptOutcome.Limit exceeded() {
    return exceeded;
  }

  void succeed(String resultJson) {
    if (exceeded == null) {
      state = State.SUCCEEDED;
      result = resultJson;
    }
  }

  void fail(String safeMessage) {
    if (exceeded == null) {
      state = State.FAILED;
      result = safeMessage;
    }
  }
}
