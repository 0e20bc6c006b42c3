package dev.slipway.sandbox;

/**
 * A {@link ScriptHost} that takes and gives JSON text as it is, so the bridge does not parse what
 * only crosses to another process: the worker's channel to the server.
 */
interface JsonHost {

  /** {@code ctx.db.query}: rows as a JSON array; a refusal is a {@link RuntimeException}. */
  String queryJson(String sql, String paramsJson);

  /** {@code ctx.fetch}: the response as JSON; a refusal is a {@link RuntimeException}. */
  String fetchJson(String requestJson);
}
