package dev.slipway.ops;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;

/**
 * Buckets in Redis, shared by every instance: one Lua script per call reads, refills and takes
 * atomically, with Redis's clock, and lets an idle bucket expire when it would be full.
 */
public final class RedisRateLimiter implements RateLimiter {
  private static final String SCRIPT =
      """
      local burst = tonumber(ARGV[1])
      local per_token = tonumber(ARGV[2])
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
      local tokens = tonumber(state[1]) or burst
      local at = tonumber(state[2]) or now
      tokens = math.min(burst, tokens + math.max(0, now - at) / per_token)
      local allowed = 0
      if tokens >= 1 then
        tokens = tokens - 1
        allowed = 1
      end
      redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
      redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * per_token) + 1000)
      return {allowed, tostring(tokens)}
      """;

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> commands;
  private final String sha;

  /** Connects to {@code url} ({@code redis://host:port}); calls time out after {@code timeout}. */
  public RedisRateLimiter(String url, Duration timeout) {
    RedisURI uri = RedisURI.create(url);
    uri.setTimeout(timeout);
    this.client = RedisClient.create(uri);
    try {
      this.connection = client.connect();
      this.commands = connection.sync();
      this.sha = commands.scriptLoad(SCRIPT);
    } catch (RuntimeException e) {
      client.shutdown();
      throw e;
    }
  }

  @Override
  public Decision take(String key, Bucket bucket) {
    List<Object> result =
        commands.evalsha(
            sha,
            ScriptOutputType.MULTI,
            new String[] {"slipway:rl:" + key},
            Integer.toString(bucket.burst()),
            Double.toString(bucket.millisPerToken()));
    return Decision.of(
        bucket, ((Long) result.get(0)) == 1, Double.parseDouble((String) result.get(1)));
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}
