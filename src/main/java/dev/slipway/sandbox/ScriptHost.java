package dev.slipway.sandbox;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a running script may ask of the application. One instance serves one run and is called one
 * call at a time: on the thread that called {@link Sandbox#run}, or for {@link Sandbox#start} on
 * the sandbox's own thread while the caller waits for the outcome; so it may use the caller's
 * transaction, but not state bound to the caller's thread.
 */
@FunctionalInterface
public interface ScriptHost {

  /** A host whose {@code query} always fails, for scripts that have no database to talk to. */
  ScriptHost NONE =
      (sql, params) -> {
        throw new UnsupportedOperationException("ctx.db is not available here");
      };

  /** The org the run is for: the sandbox shares its workers among orgs' scripts by it. */
  default long org() {
    return 0;
  }

  /**
   * Runs {@code ctx.db.query(sql, params)}. The rows are handed to the script as plain objects, so
   * their values must be JSON-serializable (strings, numbers, booleans, null, {@code java.time}
   * values, nested maps and lists).
   *
   * <p>A {@link RuntimeException} thrown here reaches the script as a catchable {@code Error} whose
   * message is the exception's message, and fails the run if the script does not catch it; the
   * message is therefore shown to script authors and must not carry internals.
   *
   * @param params the script's parameter object as a plain Java tree; empty when it passed none
   */
  List<Map<String, Object>> query(String sql, Map<String, Object> params);

  /**
   * Answers {@code ctx.secrets.get(name)}: the secret's value, or empty when there is none of that
   * name. A {@link RuntimeException} reaches the script as an {@code Error} with its message.
   */
  default Optional<String> secret(String name) {
    throw new UnsupportedOperationException("ctx.secrets is not available here");
  }

  /**
   * Performs {@code ctx.fetch(url, init)}. {@code request} has {@code url}, {@code method}, {@code
   * headers} (an object of strings) and {@code body} (a string or null); the answer has {@code
   * status}, {@code statusText}, {@code url}, {@code headers} and {@code body}. A refusal or
   * failure is a {@link RuntimeException} whose message the script sees.
   */
  default Map<String, Object> fetch(Map<String, Object> request) {
    throw new UnsupportedOperationException("ctx.fetch is not available here");
  }

  /**
   * Receives each line the script logs, as it is logged (the same lines are also returned in the
   * outcome). Must not throw; whatever it throws is ignored. Does nothing by default.
   */
  default void log(String level, String message) {}

  /**
   * Receives the CPU time the run took where it ran, once it has ended, for the call's cost. Must
   * not throw. Does nothing by default.
   */
  default void ranFor(long cpuNanos) {}
}
