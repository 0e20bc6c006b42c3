package dev.slipway.runtime;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An org's secrets, as endpoints read them ({@code ${secrets.NAME}}) and as logs must not show
 * them.
 */
public interface SecretSource {
  /** The org's secret values by name; cached, so cheap on every request. */
  Map<String, String> values(long orgId);

  /** {@code text} with every secret value of the org replaced by {@code [secret:NAME]}. */
  String redact(long orgId, String text);

  /**
   * A plain Java tree (maps, lists, strings, numbers, booleans, null) with {@link #redact} applied
   * to every string in it, map keys included, at any depth.
   */
  default Object redactTree(long orgId, Object value) {
    return switch (value) {
      case String text -> redact(orgId, text);
      case Map<?, ?> map -> {
        var redacted = new LinkedHashMap<String, Object>(map.size() * 2);
        map.forEach(
            (key, item) ->
                redacted.put(redact(orgId, String.valueOf(key)), redactTree(orgId, item)));
        yield redacted;
      }
      case List<?> list -> list.stream().map(item -> redactTree(orgId, item)).toList();
      case null, default -> value;
    };
  }

  /** No secrets at all (tests of the runtime alone). */
  SecretSource NONE =
      new SecretSource() {
        @Override
        public Map<String, String> values(long orgId) {
          return Map.of();
        }

        @Override
        public String redact(long orgId, String text) {
          return text;
        }
      };
}
