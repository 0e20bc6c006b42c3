package dev.slipway.store;

import dev.slipway.sandbox.TranspileCache;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transpiled-script cache in {@code slipway.transpiled_scripts}, shared by every instance. It
 * may be made before the database is open (the sandbox, which uses it, starts first): until {@link
 * #use} it keeps nothing.
 */
public final class PostgresTranspileCache implements TranspileCache {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresTranspileCache.class);

  private volatile DataSource dataSource;

  /** From now on, keeps transpiled scripts in {@code dataSource}'s database. */
  public void use(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public Optional<String> get(String sourceSha256) {
    DataSource dataSource = this.dataSource;
    if (dataSource == null) return Optional.empty();
    try (Connection c = dataSource.getConnection();
        var ps =
            c.prepareStatement(
                "select javascript from slipway.transpiled_scripts where source_sha256 = ?")) {
      ps.setString(1, sourceSha256);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      LOG.warn("cannot read the transpiled-script cache ({}); transpiling instead", e.getMessage());
      return Optional.empty();
    }
  }

  @Override
  public void put(String sourceSha256, String javascript) {
    DataSource dataSource = this.dataSource;
    if (dataSource == null) return;
    try (Connection c = dataSource.getConnection();
        var ps =
            c.prepareStatement(
                "insert into slipway.transpiled_scripts (source_sha256, javascript) values (?, ?) "
                    + "on conflict (source_sha256) do nothing")) {
      ps.setString(1, sourceSha256);
      ps.setString(2, javascript);
      ps.executeUpdate();
    } catch (SQLException e) {
      LOG.warn("cannot write the transpiled-script cache: {}", e.getMessage());
    }
  }
}
