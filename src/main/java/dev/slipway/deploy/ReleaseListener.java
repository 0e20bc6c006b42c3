package dev.slipway.deploy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows deploys made by other instances: LISTENs on {@link Deployer#CHANNEL} over a connection of
 * its own (outside the pool) and loads the live release when told. After a lost connection it
 * reconnects and loads once, so a notification missed meanwhile is caught up.
 */
public final class ReleaseListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReleaseListener.class);

  private final String jdbcUrl;
  private final Properties credentials;
  private final Deployer deployer;
  private final Thread thread;
  private volatile boolean running = true;

  public ReleaseListener(String jdbcUrl, String user, String password, Deployer deployer) {
    this.jdbcUrl = jdbcUrl;
    this.credentials = new Properties();
    if (user != null) credentials.setProperty("user", user);
    if (password != null) credentials.setProperty("password", password);
    this.deployer = deployer;
    this.thread = Thread.ofPlatform().daemon().name("release-listener").unstarted(this::run);
  }

  public ReleaseListener start() {
    thread.start();
    return this;
  }

  private void run() {
    while (running) {
      try (Connection c = DriverManager.getConnection(jdbcUrl, credentials)) {
        try (var s = c.createStatement()) {
          s.execute("listen " + Deployer.CHANNEL);
        }
        deployer.loadActive();
        PGConnection pg = c.unwrap(PGConnection.class);
        while (running) {
          PGNotification[] notifications = pg.getNotifications(5_000);
          if (notifications != null && notifications.length > 0) deployer.loadActive();
        }
      } catch (SQLException | RuntimeException e) {
        if (!running) return;
        LOG.warn("release notifications interrupted ({}); reconnecting in 1 s", e.getMessage());
        try {
          Thread.sleep(1_000);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
