package dev.slipway.runtime;

import java.util.Map;

/** An org's secrets, as endpoints read them ({@code ${secrets.NAME}}) and as logs must not show them. */
public interface SecretSource {
  /** The org's secret values by name; cached, so cheap on every request. */
  Map<String, String> values(long orgId);

  /** {@code text} with every secret value of the org replaced by {@code [secret:NAME]}. */
  String redact(long orgId, String text);

  /** No secrets at all (tests of the runtime alone). */
  SecretSource NONE = new SecretSource() {
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
