package dev.slipway.store;

import java.sql.SQLException;

/** The tokens each model request of an org took ({@code slipway.model_usage}). */
public final class ModelUsageStore {
  private final PlatformTransactions platform;

  public ModelUsageStore(PlatformTransactions platform) {
    this.platform = platform;
  }

  /** Adds one request's tokens to the org's record. */
  public void record(
      long org,
      String requestId,
      String provider,
      String model,
      long inputTokens,
      long outputTokens,
      java.math.BigDecimal costUsd)
      throws SQLException {
    platform.inOrg(
        org,
        c ->
            Sql.update(
                c,
                "insert into slipway.model_usage (org_id, request_id, provider, model, input_tokens,"
                    + " output_tokens, cost_usd) values (?, ?, ?, ?, ?, ?, ?)",
                org,
                requestId,
                provider,
                model,
                inputTokens,
                outputTokens,
                costUsd));
  }

  /** The org's tokens so far: {@code [requests, input, output]}. */
  public long[] totals(long org) throws SQLException {
    return platform.inOrg(
        org,
        c ->
            Sql.list(
                    c,
                    "select count(*), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0)"
                        + " from slipway.model_usage where org_id = ?",
                    rs -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)},
                    org)
                .getFirst());
  }
}
