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
}
