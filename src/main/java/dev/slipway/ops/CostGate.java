package dev.slipway.ops;

import dev.slipway.problem.ProblemException;
import java.util.Map;
import java.util.Set;

/**
 * What the data plane asks before it runs a call: whether the endpoint is paused (503 {@code
 * endpoint_paused}) or its org is past a quota on calls (429 {@code quota_exceeded}); and what the
 * call log asks before it keeps a call (an org past its log storage quota has its calls counted,
 * not kept). Both read one volatile field each; cost control writes them when things change.
 */
public final class CostGate {
  /** An org past a quota: which, with the detail to show, and when it resets. */
  public record Exceeded(String quota, String detail, long retryAfterSeconds) {}

  private record Paused(long org, String endpoint) {}

  private volatile Map<Long, Exceeded> calls = Map.of();
  private volatile Set<Long> logsFull = Set.of();
  private volatile Set<Paused> paused = Set.of();

  /** Why a call of the org's endpoint is refused before it runs; null when it is not. */
  public ProblemException refusal(long org, String endpoint) {
    Set<Paused> now = paused;
    if (!now.isEmpty() && now.contains(new Paused(org, endpoint)))
      return new ProblemException(
          503,
          "endpoint_paused",
          "Service Unavailable",
          "Endpoint '" + endpoint + "' is paused; its org can resume it.");
    Map<Long, Exceeded> over = calls;
    if (over.isEmpty()) return null;
    Exceeded exceeded = over.get(org);
    if (exceeded == null) return null;
    return new ProblemException(
        429,
        "quota_exceeded",
        "Too Many Requests",
        exceeded.detail(),
        java.util.List.of(),
        Map.of(
            "Retry-After",
            Long.toString(exceeded.retryAfterSeconds()),
            "Slipway-Quota",
            exceeded.quota()));
  }

  /** Whether the org's calls are kept in the log (it is not past its log storage quota). */
  public boolean keeps(long org) {
    Set<Long> full = logsFull;
    return full.isEmpty() || !full.contains(org);
  }

  /** The orgs past a quota on calls, and those past their log storage quota. */
  public void quotas(Map<Long, Exceeded> calls, Set<Long> logsFull) {
    this.calls = Map.copyOf(calls);
    this.logsFull = Set.copyOf(logsFull);
  }

  /** The paused endpoints, as org → names. */
  public void paused(Map<Long, Set<String>> endpoints) {
    var all = new java.util.HashSet<Paused>();
    endpoints.forEach((org, names) -> names.forEach(name -> all.add(new Paused(org, name))));
    this.paused = Set.copyOf(all);
  }
}
