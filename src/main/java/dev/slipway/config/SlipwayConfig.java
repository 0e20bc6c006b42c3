package dev.slipway.config;

import dev.slipway.generate.ModelSettings;
import dev.slipway.jobs.JobRunner;
import dev.slipway.ops.CallLog;
import dev.slipway.security.MasterKey;
import dev.slipway.store.Database;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Slipway's configuration, read once at start from flags and the environment and immutable after.
 *
 * <p>Every setting has an environment name ({@code SLIPWAY_PORT}) and a flag ({@code --port}); a
 * flag wins over the environment. {@link #load} reports every invalid setting at once, naming each.
 */
public record SlipwayConfig(
    String host,
    int dataPort,
    int controlPort,
    Path dataDir,
    boolean embeddedUnsafeFast,
    Optional<String> databaseUrl,
    Optional<String> endpointDatabaseUrl,
    boolean allowUnconfinedSql,
    Optional<String> adminToken,
    Optional<String> masterKey,
    Optional<String> previousMasterKey,
    Optional<String> redisUrl,
    int platformRateLimit,
    boolean demoData,
    int poolSize,
    long maxBodyBytes,
    Duration scriptTimeout,
    long scriptStatementLimit,
    boolean sandboxInProcess,
    int sandboxWorkers,
    int sandboxWorkersAtRest,
    int sandboxGuardedWorkers,
    String sandboxWorkerHeap,
    int sandboxNice,
    boolean sandboxShortRunsAtServerPriority,
    CallLog.Level callLogLevel,
    Duration callLogKeepFor,
    long callLogKeepCalls,
    boolean callLogKeep,
    long callLogKeepBytes,
    Duration analyticsKeepFor,
    Optional<String> metricsToken,
    Optional<String> operatorToken,
    Optional<String> otlpEndpoint,
    String otlpServiceName,
    Duration costControlInterval,
    Duration alertInterval,
    ModelSettings model,
    Duration refusalDelay,
    JobRunner.Settings jobs) {

  /** What {@link Database#open} needs of these settings. */
  public Database.Settings database() {
    return new Database.Settings(
        databaseUrl,
        dataDir,
        embeddedUnsafeFast,
        demoData,
        endpointDatabaseUrl,
        poolSize,
        allowUnconfinedSql);
  }

  /** The settings Slipway knows, with their defaults: environment name → default value. */
  private static final Map<String, String> DEFAULTS = defaults();

  private static Map<String, String> defaults() {
    var defaults = new LinkedHashMap<String, String>();
    defaults.put("SLIPWAY_HOST", "0.0.0.0");
    defaults.put("SLIPWAY_PORT", "8080");
    defaults.put("SLIPWAY_CONTROL_PORT", "8081");
    defaults.put("SLIPWAY_DATA_DIR", "./data");
    defaults.put("SLIPWAY_EMBEDDED_UNSAFE_FAST", "false");
    defaults.put("SLIPWAY_DATABASE_URL", "");
    defaults.put("SLIPWAY_ENDPOINT_DATABASE_URL", "");
    defaults.put("SLIPWAY_ALLOW_UNCONFINED_SQL", "false");
    defaults.put("SLIPWAY_ADMIN_TOKEN", "");
    defaults.put("SLIPWAY_MASTER_KEY", "");
    defaults.put("SLIPWAY_MASTER_KEY_PREVIOUS", "");
    defaults.put("SLIPWAY_REDIS_URL", "");
    defaults.put("SLIPWAY_PLATFORM_RATE_LIMIT", "1200");
    defaults.put("SLIPWAY_DEMO_DATA", "true");
    defaults.put("SLIPWAY_DB_POOL_SIZE", "16");
    defaults.put("SLIPWAY_MAX_BODY_BYTES", "1048576");
    defaults.put("SLIPWAY_SCRIPT_TIMEOUT_MS", "2000");
    defaults.put("SLIPWAY_SCRIPT_STATEMENT_LIMIT", "10000000");
    defaults.put("SLIPWAY_SANDBOX", "workers");
    defaults.put("SLIPWAY_SANDBOX_WORKERS", "0");
    defaults.put("SLIPWAY_SANDBOX_WORKERS_AT_REST", "0");
    defaults.put("SLIPWAY_SANDBOX_GUARDED_WORKERS", "1");
    defaults.put("SLIPWAY_SANDBOX_WORKER_HEAP", "256m");
    defaults.put("SLIPWAY_SANDBOX_NICE", "10");
    defaults.put("SLIPWAY_SANDBOX_SHORT_RUNS_AT_SERVER_PRIORITY", "true");
    defaults.put("SLIPWAY_CALL_LOG_LEVEL", "INFO");
    defaults.put("SLIPWAY_CALL_LOG_KEEP_DAYS", "7");
    defaults.put("SLIPWAY_CALL_LOG_KEEP_CALLS", "1000000");
    defaults.put("SLIPWAY_CALL_LOG_KEEP_MB", "2048");
    defaults.put("SLIPWAY_CALL_LOG_KEEP", "true");
    defaults.put("SLIPWAY_ANALYTICS_KEEP_DAYS", "400");
    defaults.put("SLIPWAY_METRICS_TOKEN", "");
    defaults.put("SLIPWAY_OPERATOR_TOKEN", "");
    defaults.put("SLIPWAY_OTLP_ENDPOINT", "");
    defaults.put("SLIPWAY_OTLP_SERVICE_NAME", "slipway");
    defaults.put("SLIPWAY_COST_CONTROL_INTERVAL_MS", "2000");
    defaults.put("SLIPWAY_ALERT_INTERVAL_MS", "30000");
    defaults.put("SLIPWAY_REFUSAL_DELAY_MS", "250");
    defaults.put("SLIPWAY_JOBS_WORKERS", "128");
    defaults.put("SLIPWAY_JOBS_ORG_CONCURRENCY", "64");
    defaults.put("SLIPWAY_JOBS_POLL_MS", "500");
    defaults.put("SLIPWAY_JOBS_LEASE_S", "30");
    defaults.put("SLIPWAY_JOBS_KEEP_DAYS", "7");
    defaults.put("SLIPWAY_AI_PROVIDER", "none");
    defaults.put("SLIPWAY_AI_BASE_URL", "");
    defaults.put("SLIPWAY_AI_MODEL", "");
    defaults.put("SLIPWAY_AI_API_KEY", "");
    defaults.put("SLIPWAY_AI_TIMEOUT_S", "60");
    defaults.put("SLIPWAY_AI_MAX_RETRIES", "2");
    defaults.put("SLIPWAY_AI_MAX_ROUNDS", "3");
    defaults.put("SLIPWAY_AI_INPUT_PRICE", "0");
    defaults.put("SLIPWAY_AI_OUTPUT_PRICE", "0");
    return Map.copyOf(defaults);
  }

  /** Thrown when one or more settings are invalid; the message lists each of them. */
  public static final class InvalidConfigException extends RuntimeException {
    public InvalidConfigException(List<String> problems) {
      super("invalid configuration:\n  - " + String.join("\n  - ", problems));
    }
  }

  /**
   * Reads the configuration from {@code --name=value} / {@code --name value} flags and the given
   * environment. A flag's name is the environment name without {@code SLIPWAY_}, lower-cased, with
   * dashes: {@code SLIPWAY_CONTROL_PORT} is {@code --control-port}.
   */
  public static SlipwayConfig load(List<String> args, Map<String, String> env) {
    var problems = new ArrayList<String>();
    var values = new LinkedHashMap<String, String>();
    DEFAULTS.forEach((name, value) -> values.put(name, env.getOrDefault(name, value)));
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--")) {
        problems.add("unexpected argument '" + arg + "'");
        continue;
      }
      String flag = arg.substring(2);
      String value;
      int eq = flag.indexOf('=');
      if (eq >= 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        problems.add("flag --" + flag + " needs a value");
        continue;
      }
      String name = "SLIPWAY_" + flag.toUpperCase().replace('-', '_');
      if (!DEFAULTS.containsKey(name)) {
        problems.add("unknown flag --" + flag);
        continue;
      }
      values.put(name, value);
    }
    var reader = new Reader(values, problems);
    var config =
        new SlipwayConfig(
            values.get("SLIPWAY_HOST"),
            reader.port("SLIPWAY_PORT"),
            reader.port("SLIPWAY_CONTROL_PORT"),
            Path.of(values.get("SLIPWAY_DATA_DIR")).toAbsolutePath().normalize(),
            reader.bool("SLIPWAY_EMBEDDED_UNSAFE_FAST"),
            reader.optional("SLIPWAY_DATABASE_URL"),
            reader.optional("SLIPWAY_ENDPOINT_DATABASE_URL"),
            reader.bool("SLIPWAY_ALLOW_UNCONFINED_SQL"),
            reader.optional("SLIPWAY_ADMIN_TOKEN"),
            reader.optional("SLIPWAY_MASTER_KEY"),
            reader.optional("SLIPWAY_MASTER_KEY_PREVIOUS"),
            reader.optional("SLIPWAY_REDIS_URL"),
            (int) reader.number("SLIPWAY_PLATFORM_RATE_LIMIT", 0, 1_000_000),
            reader.bool("SLIPWAY_DEMO_DATA"),
            (int) reader.number("SLIPWAY_DB_POOL_SIZE", 1, 1000),
            reader.number("SLIPWAY_MAX_BODY_BYTES", 1, Integer.MAX_VALUE),
            Duration.ofMillis(reader.number("SLIPWAY_SCRIPT_TIMEOUT_MS", 1, 600_000)),
            reader.number("SLIPWAY_SCRIPT_STATEMENT_LIMIT", 1, Long.MAX_VALUE),
            reader.sandboxInProcess("SLIPWAY_SANDBOX"),
            (int) reader.number("SLIPWAY_SANDBOX_WORKERS", 0, 256),
            (int) reader.number("SLIPWAY_SANDBOX_WORKERS_AT_REST", 0, 256),
            (int) reader.number("SLIPWAY_SANDBOX_GUARDED_WORKERS", 1, 256),
            reader.heap("SLIPWAY_SANDBOX_WORKER_HEAP"),
            (int) reader.number("SLIPWAY_SANDBOX_NICE", 0, 19),
            reader.bool("SLIPWAY_SANDBOX_SHORT_RUNS_AT_SERVER_PRIORITY"),
            reader.callLogLevel("SLIPWAY_CALL_LOG_LEVEL"),
            Duration.ofDays(reader.number("SLIPWAY_CALL_LOG_KEEP_DAYS", 1, 3650)),
            reader.number("SLIPWAY_CALL_LOG_KEEP_CALLS", 1000, 1_000_000_000),
            reader.bool("SLIPWAY_CALL_LOG_KEEP"),
            reader.number("SLIPWAY_CALL_LOG_KEEP_MB", 1, 100_000_000) << 20,
            Duration.ofDays(reader.number("SLIPWAY_ANALYTICS_KEEP_DAYS", 1, 3650)),
            reader.optional("SLIPWAY_METRICS_TOKEN"),
            reader.optional("SLIPWAY_OPERATOR_TOKEN"),
            reader.optional("SLIPWAY_OTLP_ENDPOINT"),
            values.get("SLIPWAY_OTLP_SERVICE_NAME"),
            Duration.ofMillis(reader.number("SLIPWAY_COST_CONTROL_INTERVAL_MS", 50, 600_000)),
            Duration.ofMillis(reader.number("SLIPWAY_ALERT_INTERVAL_MS", 50, 3_600_000)),
            reader.model(),
            Duration.ofMillis(reader.number("SLIPWAY_REFUSAL_DELAY_MS", 0, 10_000)),
            new JobRunner.Settings(
                (int) reader.number("SLIPWAY_JOBS_WORKERS", 1, 10_000),
                (int) reader.number("SLIPWAY_JOBS_ORG_CONCURRENCY", 1, 10_000),
                Duration.ofMillis(reader.number("SLIPWAY_JOBS_POLL_MS", 10, 60_000)),
                Duration.ofSeconds(reader.number("SLIPWAY_JOBS_LEASE_S", 5, 3_600)),
                Duration.ofDays(reader.number("SLIPWAY_JOBS_KEEP_DAYS", 1, 3650))));
    for (var url :
        List.of(
            Map.entry("SLIPWAY_DATABASE_URL", config.databaseUrl),
            Map.entry("SLIPWAY_ENDPOINT_DATABASE_URL", config.endpointDatabaseUrl))) {
      url.getValue()
          .ifPresent(
              value -> {
                if (!value.startsWith("jdbc:postgresql:")
                    && !value.startsWith("postgres://")
                    && !value.startsWith("postgresql://")) {
                  problems.add(
                      url.getKey()
                          + " must start with postgres://, postgresql:// or jdbc:postgresql: (got '"
                          + value
                          + "')");
                }
              });
    }
    if (config.endpointDatabaseUrl.isPresent() && config.databaseUrl.isEmpty()) {
      problems.add(
          "SLIPWAY_ENDPOINT_DATABASE_URL needs SLIPWAY_DATABASE_URL (the embedded database makes a login per org)");
    }
    if (config.embeddedUnsafeFast && config.databaseUrl.isPresent()) {
      problems.add(
          "SLIPWAY_EMBEDDED_UNSAFE_FAST applies only to the embedded database, not to SLIPWAY_DATABASE_URL");
    }
    config.adminToken.ifPresent(
        token -> {
          if (token.length() < 16)
            problems.add("SLIPWAY_ADMIN_TOKEN must be at least 16 characters long");
        });
    for (var token :
        List.of(
            Map.entry("SLIPWAY_METRICS_TOKEN", config.metricsToken),
            Map.entry("SLIPWAY_OPERATOR_TOKEN", config.operatorToken)))
      token
          .getValue()
          .filter(value -> value.length() < 16)
          .ifPresent(
              value -> problems.add(token.getKey() + " must be at least 16 characters long"));
    for (var key :
        List.of(
            Map.entry("SLIPWAY_MASTER_KEY", config.masterKey),
            Map.entry("SLIPWAY_MASTER_KEY_PREVIOUS", config.previousMasterKey))) {
      key.getValue()
          .ifPresent(
              value -> {
                try {
                  MasterKey.parse(value, key.getKey());
                } catch (IllegalArgumentException e) {
                  problems.add(e.getMessage());
                }
              });
    }
    config.redisUrl.ifPresent(
        url -> {
          if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
            problems.add(
                "SLIPWAY_REDIS_URL must start with redis:// or rediss:// (got '" + url + "')");
          }
        });
    if (config.dataPort != 0 && config.dataPort == config.controlPort) {
      problems.add(
          "SLIPWAY_PORT and SLIPWAY_CONTROL_PORT must differ (both are " + config.dataPort + ")");
    }
    if (!problems.isEmpty()) throw new InvalidConfigException(problems);
    return config;
  }

  /**
   * How many serving sandbox workers to run: the configured number, or by default one for every two
   * cores (at least one). The server answers each call a script serves too, and each worker warms
   * up its own JIT: on a 2-core host one worker served more, and sooner, than two or three
   * (bench/README.md). More workers help scripts that wait on ctx.db or ctx.fetch.
   */
  public int sandboxWorkerCount() {
    return sandboxWorkers > 0
        ? sandboxWorkers
        : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  /**
   * How many of the {@link #sandboxWorkerCount} run while no script needs a worker kept from the
   * others (a slow one, or one that ended its worker): the configured number, or by default all.
   */
  public int sandboxWorkersAtRest() {
    int all = sandboxWorkerCount();
    return sandboxWorkersAtRest > 0 ? Math.min(sandboxWorkersAtRest, all) : all;
  }

  /** Parses values, collecting a problem for each bad one instead of stopping at the first. */
  private record Reader(Map<String, String> values, List<String> problems) {
    int port(String name) {
      return (int) number(name, 0, 65535);
    }

    long number(String name, long min, long max) {
      String raw = values.get(name).trim();
      try {
        long value = Long.parseLong(raw);
        if (value < min || value > max) {
          problems.add(name + " must be between " + min + " and " + max + " (got " + raw + ")");
        }
        return value;
      } catch (NumberFormatException e) {
        problems.add(name + " must be a whole number (got '" + raw + "')");
        return min;
      }
    }

    boolean bool(String name) {
      String raw = values.get(name).trim().toLowerCase();
      return switch (raw) {
        case "true", "1", "yes", "on" -> true;
        case "false", "0", "no", "off" -> false;
        default -> {
          problems.add(name + " must be true or false (got '" + raw + "')");
          yield false;
        }
      };
    }

    /** INFO logs every call, WARN (or ERROR) only 5xx answers, OFF none. */
    /** {@code workers} (the default) or {@code in-process}. */
    boolean sandboxInProcess(String name) {
      String raw = values.get(name).trim().toLowerCase();
      if (!raw.equals("workers") && !raw.equals("in-process")) {
        problems.add(name + " must be workers or in-process (got '" + values.get(name) + "')");
      }
      return raw.equals("in-process");
    }

    /** A JVM heap size as -Xmx takes it, at least 64m. */
    String heap(String name) {
      String raw = values.get(name).trim().toLowerCase();
      var matcher = java.util.regex.Pattern.compile("(\\d{1,7})([kmg])").matcher(raw);
      long megabytes =
          !matcher.matches()
              ? 0
              : switch (matcher.group(2)) {
                case "k" -> Long.parseLong(matcher.group(1)) / 1024;
                case "m" -> Long.parseLong(matcher.group(1));
                default -> Long.parseLong(matcher.group(1)) * 1024;
              };
      if (megabytes < 64) {
        problems.add(
            name
                + " must be a heap size of at least 64m, such as 256m or 1g (got '"
                + values.get(name)
                + "')");
      }
      return raw;
    }

    CallLog.Level callLogLevel(String name) {
      String raw = values.get(name).trim().toUpperCase();
      return switch (raw) {
        case "INFO", "DEBUG", "TRACE", "ALL" -> CallLog.Level.ALL;
        case "WARN", "ERROR" -> CallLog.Level.ERRORS;
        case "OFF" -> CallLog.Level.NONE;
        default -> {
          problems.add(name + " must be INFO, WARN or OFF (got '" + raw + "')");
          yield CallLog.Level.ALL;
        }
      };
    }

    /** The {@code SLIPWAY_AI_*} settings: which model generation asks, if any. */
    ModelSettings model() {
      String provider = values.get("SLIPWAY_AI_PROVIDER").trim().toLowerCase();
      if (!List.of("none", "anthropic", "openai").contains(provider)) {
        problems.add(
            "SLIPWAY_AI_PROVIDER must be none, anthropic or openai (got '"
                + values.get("SLIPWAY_AI_PROVIDER")
                + "')");
        provider = "none";
      }
      Optional<String> baseUrl = optional("SLIPWAY_AI_BASE_URL");
      baseUrl.ifPresent(
          url -> {
            if (!url.startsWith("http://") && !url.startsWith("https://"))
              problems.add(
                  "SLIPWAY_AI_BASE_URL must start with http:// or https:// (got '" + url + "')");
          });
      if (provider.equals("anthropic") && optional("SLIPWAY_AI_API_KEY").isEmpty())
        problems.add("SLIPWAY_AI_PROVIDER=anthropic needs SLIPWAY_AI_API_KEY");
      return new ModelSettings(
          provider,
          baseUrl,
          optional("SLIPWAY_AI_MODEL").orElse(ModelSettings.defaultModel(provider)),
          optional("SLIPWAY_AI_API_KEY"),
          Duration.ofSeconds(number("SLIPWAY_AI_TIMEOUT_S", 1, 3600)),
          (int) number("SLIPWAY_AI_MAX_RETRIES", 0, 10),
          (int) number("SLIPWAY_AI_MAX_ROUNDS", 1, 10),
          price("SLIPWAY_AI_INPUT_PRICE"),
          price("SLIPWAY_AI_OUTPUT_PRICE"));
    }

    /** US dollars per million tokens: a decimal number, 0 or more. */
    java.math.BigDecimal price(String name) {
      String raw = values.get(name).trim();
      try {
        var price = new java.math.BigDecimal(raw);
        if (price.signum() >= 0) return price;
      } catch (NumberFormatException e) {
        // reported below
      }
      problems.add(
          name
              + " must be a price in US dollars per million tokens, such as 3 or 0.25 (got '"
              + raw
              + "')");
      return java.math.BigDecimal.ZERO;
    }

    Optional<String> optional(String name) {
      String raw = values.get(name).trim();
      return raw.isEmpty() ? Optional.empty() : Optional.of(raw);
    }
  }
}
