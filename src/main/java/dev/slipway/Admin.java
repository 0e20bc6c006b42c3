package dev.slipway;

import dev.slipway.config.SlipwayConfig;
import dev.slipway.security.Bootstrap;
import dev.slipway.store.Database;
import dev.slipway.store.IdentityStore;
import dev.slipway.store.PlatformTransactions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code slipway admin ...}: one-off operations on the database, without the servers. {@code
 * create-user --email E --password P [--org SLUG]} makes an owner (of the default org, or of the
 * named one, created when missing). Takes the same database settings as {@code serve}.
 */
final class Admin {
  private Admin() {}

  /**
   * The URL of the embedded PostgreSQL a running {@code slipway serve} started in this data
   * directory (its port is line 4 of postmaster.pid), so the command works beside the server.
   */
  private static Optional<String> runningEmbedded(Path dataDir) {
    Path pid = dataDir.resolve("postgres").resolve("postmaster.pid");
    try {
      List<String> lines = Files.readAllLines(pid);
      if (lines.size() < 4) return Optional.empty();
      long process = Long.parseLong(lines.get(0).strip());
      if (ProcessHandle.of(process).map(ProcessHandle::isAlive).orElse(false)) {
        return Optional.of(
            "postgres://postgres@127.0.0.1:"
                + Integer.parseInt(lines.get(3).strip())
                + "/postgres");
      }
    } catch (IOException | NumberFormatException e) {
      // no server running here: the command starts the embedded one itself
    }
    return Optional.empty();
  }

  private static Map<String, String> withDatabase(String url) {
    var env = new HashMap<>(System.getenv());
    env.put("SLIPWAY_DATABASE_URL", url);
    return env;
  }

  static int run(List<String> arguments) {
    if (arguments.isEmpty() || !arguments.getFirst().equals("create-user")) {
      System.err.println(
          "usage: slipway admin create-user --email EMAIL --password PASSWORD [--org SLUG]");
      return 2;
    }
    Map<String, String> own = new HashMap<>();
    List<String> rest = new ArrayList<>();
    for (int i = 1; i < arguments.size(); i++) {
      String flag = arguments.get(i);
      if ((flag.equals("--email") || flag.equals("--password") || flag.equals("--org"))
          && i + 1 < arguments.size()) {
        own.put(flag.substring(2), arguments.get(++i));
      } else {
        rest.add(flag);
      }
    }
    if (!own.containsKey("email") || !own.containsKey("password")) {
      System.err.println("slipway admin create-user: --email and --password are required");
      return 2;
    }
    try {
      SlipwayConfig config = SlipwayConfig.load(rest, System.getenv());
      Optional<String> running =
          config.databaseUrl().isPresent() ? Optional.empty() : runningEmbedded(config.dataDir());
      if (running.isPresent()) config = SlipwayConfig.load(rest, withDatabase(running.get()));
      try (Database database = Database.open(config.database(), Bootstrap.DEFAULT_ORG)) {
        System.out.println(
            Bootstrap.createUser(
                new PlatformTransactions(database.platformDataSource()),
                new IdentityStore(),
                own.get("email"),
                own.get("password"),
                Optional.ofNullable(own.get("org"))));
        return 0;
      }
    } catch (SlipwayConfig.InvalidConfigException | IllegalArgumentException e) {
      System.err.println("slipway admin create-user: " + e.getMessage());
      return 2;
    } catch (Exception e) {
      System.err.println("slipway admin create-user failed: " + e);
      return 1;
    }
  }
}
