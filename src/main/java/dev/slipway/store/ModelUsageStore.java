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
      long outputTokens)
      throws SQLException {
    platform.inOrg(
        org,
        c -> {
          try (var ps =
              c.prepareStatement(
                  "insert into slipway.model_usage (org_id, request_id, provider, model,"
                      + " input_tokens, output_tokens) values (?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, org);
            ps.setString(2, requestId);
            ps.setString(3, provider);
            ps.setString(4, model);
            ps.setLong(5, inputTokens);
            ps.setLong(6, outputTokens);
            ps.executeUpdate();
          }
          return null;
        });
  }

  /** The org's tokens so far: {@code [requests, input, output]}. */
  public long[] totals(long org) throws SQLException {
    return platform.inOrg(
        org,
        c -> {
          try (var ps =
              c.prepareStatement(
                  "select count(*), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0)"
                      + " from slipway.model_usage where org_id = ?")) {
            ps.setLong(1, org);
            try (var rs = ps.executeQuery()) {
              rs.next();
              return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
            }
          }
        });
  }
}
