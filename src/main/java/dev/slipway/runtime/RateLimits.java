package dev.slipway.runtime;

import dev.slipway.ops.RateLimiter;
import dev.slipway.problem.ProblemException;
import dev.slipway.spec.RateLimit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An endpoint's rate limits: each rule takes a token from its bucket (the endpoint's, or the
 * caller's: API key, JWT subject, else client address). A refused call is 429 with {@code
 * Retry-After}; every answer carries {@code RateLimit-Limit}, {@code -Remaining} and {@code -Reset}
 * of its tightest bucket.
 */
final class RateLimits {
  private record Rule(RateLimit.Per per, RateLimiter.Bucket bucket, String key) {}

  private final RateLimiter limiter;
  private final List<Rule> rules;

  RateLimits(RateLimiter limiter, List<RateLimit> limits, String endpointKey) {
    this.limiter = limiter;
    this.rules =
        limits.stream()
            .map(
                limit ->
                    new Rule(
                        limit.per(),
                        new RateLimiter.Bucket(limit.limit(), limit.window(), limit.burst()),
                        endpointKey
                            + ":"
                            + limit.per().name().toLowerCase()
                            + ":"
                            + limit.limit()
                            + "/"
                            + limit.window().toMillis()))
            .toList();
  }

  /** Whether there are no limits, so that taking is free (no Redis round trip). */
  boolean none() {
    return rules.isEmpty();
  }

  /** Takes a token from each bucket; the tightest decision, or null when there are no rules. */
  RateLimiter.Decision take(Caller caller, EndpointRequest request) {
    if (rules.isEmpty()) return null;
    RateLimiter.Decision tightest = null;
    for (Rule rule : rules) {
      String key =
          rule.per() == RateLimit.Per.ENDPOINT
              ? rule.key()
              : rule.key()
                  + ":"
                  + (caller != null ? caller.subject() : "ip:" + request.clientAddress());
      RateLimiter.Decision decision = limiter.take(key, rule.bucket());
      if (!decision.allowed()) {
        var headers = new LinkedHashMap<>(fields(decision));
        headers.put("Retry-After", Long.toString(decision.retryAfterSeconds()));
        throw new ProblemException(
            429,
            "rate_limited",
            "Too Many Requests",
            "Too many calls; try again in " + decision.retryAfterSeconds() + " s.",
            List.of(),
            headers);
      }
      if (tightest == null || decision.remaining() < tightest.remaining()) tightest = decision;
    }
    return tightest;
  }

  /** The response with the RateLimit fields of {@code decision} added (unchanged when null). */
  static EndpointResponse headers(EndpointResponse response, RateLimiter.Decision decision) {
    if (decision == null) return response;
    var headers = new LinkedHashMap<>(response.headers());
    headers.putAll(fields(decision));
    return new EndpointResponse(response.status(), headers, response.body());
  }

  private static Map<String, String> fields(RateLimiter.Decision decision) {
    return Map.of(
        "RateLimit-Limit", Integer.toString(decision.limit()),
        "RateLimit-Remaining", Integer.toString(decision.remaining()),
        "RateLimit-Reset", Long.toString(decision.resetSeconds()));
  }
}
