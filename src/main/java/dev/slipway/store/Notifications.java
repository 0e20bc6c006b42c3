package dev.slipway.store;

import dev.slipway.common.NamedThreads;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows what other instances change: LISTENs on each channel over a connection of its own
 * (outside the pool) and hands each notification's payload to the channel's handler. After a lost
 * connection it reconnects and calls every handler with a null payload, so whatever was missed
 * meanwhile is caught up.
 */
public final class Notifications implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Notifications.class);

  /** Gets a notification's payload, or null after a reconnect: "reload everything". */
  @FunctionalInterface
  public interface Handler {
    void handle(String payload) throws SQLException;
  }

  private final String jdbcUrl;
  private final Properties credentials;
  private final Map<String, Handler> handlers;
  private final Thread thread;
  private volatile boolean running = true;

  public Notifications(
      String jdbcUrl, String user, String password, Map<String, Handler> handlers) {
    this.jdbcUrl = jdbcUrl;
    this.credentials = new Properties();
    if (user != null) credentials.setProperty("user", user);
    if (password != null) credentials.setProperty("password", password);
    this.handlers = Map.copyOf(handlers);
    this.thread = NamedThreads.daemon("notifications").newThread(this::run);
  }

  public Notifications start() {
    thread.start();
    return this;
  }

  private void run() {
    while (running) {
      try (Connection c = DriverManager.getConnection(jdbcUrl, credentials)) {
        try (var s = c.createStatement()) {
          for (String channel : handlers.keySet()) s.execute("listen " + channel);
        }
        for (Handler handler : handlers.values()) handler.handle(null);
        PGConnection pg = c.unwrap(PGConnection.class);
        while (running) {
          PGNotification[] notifications = pg.getNotifications(5_000);
          if (notifications == null) continue;
          for (PGNotification notification : notifications) {
            Handler handler = handlers.get(notification.getName());
            if (handler != null) handler.handle(notification.getParameter());
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (!running) return;
        LOG.warn("notifications interrupted ({}); reconnecting in 1 s", e.getMessage());
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

  /** Tells every instance listening on {@code channel}, when {@code c}'s transaction commits. */
  public static void send(Connection c, String channel, String payload) throws SQLException {
    try (var ps = c.prepareStatement("select pg_notify(?, ?)")) {
      ps.setString(1, channel);
      ps.setString(2, payload);
      ps.execute();
    }
  }

  /** A handler for a channel whose payload names an org: the org's id, or all orgs (null). */
  public static Handler perOrg(Consumer<Long> one, Runnable all) {
    return payload -> {
      if (payload == null) {
        all.run();
        return;
      }
      try {
        one.accept(Long.parseLong(payload.strip()));
      } catch (NumberFormatException e) {
        all.run();
      }
    };
  }
}
