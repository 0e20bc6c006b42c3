package dev.slipway.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/** Small named values Slipway keeps for itself (the admin token's hash, for one). */
public final class SettingsStore {
  private final DataSource dataSource;

  public SettingsStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public Optional<String> get(String key) throws SQLException {
    try (Connection c = dataSource.getConnection();
        var ps = c.prepareStatement("select value from slipway.settings where key = ?")) {
      ps.setString(1, key);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  /** Stores the value unless the key already has one; answers whether it was stored. */
  public boolean putIfAbsent(String key, String value) throws SQLException {
    try (Connection c = dataSource.getConnection();
        var ps =
            c.prepareStatement(
                "insert into slipway.settings (key, value) values (?, ?) on conflict (key) do nothing")) {
      ps.setString(1, key);
      ps.setString(2, value);
      return ps.executeUpdate() == 1;
    }
  }
}
