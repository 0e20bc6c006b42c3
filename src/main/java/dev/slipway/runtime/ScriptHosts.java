package dev.slipway.runtime;

import dev.slipway.egress.Egress;
import dev.slipway.egress.EgressException;
import dev.slipway.egress.FetchRequest;
import dev.slipway.egress.FetchResponse;
import dev.slipway.sandbox.ScriptHost;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Makes the {@link ScriptHost} of one script run: {@code ctx.db.query} in the request's
 * transaction, {@code ctx.secrets.get} from the org's secrets, {@code ctx.fetch} through the org's
 * egress policy.
 *
 * @param egress performs {@code ctx.fetch} (and, for the endpoint compiler, fetches JWK sets); null
 *     where nothing may reach out
 * @param fetchTimeout the longest a single {@code ctx.fetch} may take (the run's own timeout still
 *     bounds the whole script)
 */
public record ScriptHosts(Egress egress, Duration fetchTimeout) {

  /** Hosts without {@code ctx.fetch}. */
  public static final ScriptHosts NO_EGRESS = new ScriptHosts(null, Duration.ZERO);

  ScriptHost of(Transaction transaction, long orgId, Map<String, String> secrets) {
    return of(transaction, orgId, secrets, new CallMeter(), null);
  }

  /**
   * A host whose database time, fetched bytes and CPU time go to {@code meter}, and whose {@code
   * ctx.fetch} carries {@code traceparent} (unless the script sets its own; null: none).
   */
  ScriptHost of(
      Transaction transaction,
      long orgId,
      Map<String, String> secrets,
      CallMeter meter,
      String traceparent) {
    return new Host(transaction, orgId, secrets, this, meter, traceparent);
  }

  private record Host(
      Transaction transaction,
      long orgId,
      Map<String, String> secrets,
      ScriptHosts hosts,
      CallMeter meter,
      String traceparent)
      implements ScriptHost {

    @Override
    public void ranFor(long cpuNanos) {
      meter.scriptCpu(cpuNanos);
    }

    @Override
    public long org() {
      return orgId;
    }

    @Override
    public List<Map<String, Object>> query(String sql, Map<String, Object> params) {
      long started = System.nanoTime();
      try {
        return CompiledStep.query(transaction, sql, params);
      } finally {
        meter.database(System.nanoTime() - started);
      }
    }

    @Override
    public Optional<String> secret(String name) {
      return Optional.ofNullable(secrets.get(name));
    }

    @Override
    public Map<String, Object> fetch(Map<String, Object> request) {
      if (hosts.egress == null) {
        throw new UnsupportedOperationException("ctx.fetch is not available here");
      }
      FetchResponse response;
      String body = text(request.get("body"));
      Map<String, String> headers = headers(request.get("headers"));
      if (traceparent != null
          && headers.keySet().stream().noneMatch(name -> name.equalsIgnoreCase("traceparent")))
        headers.put("traceparent", traceparent);
      if (body != null) meter.egress(body.length());
      try {
        response =
            hosts.egress.fetch(
                orgId,
                new FetchRequest(
                    text(request.get("url")), text(request.get("method")), headers, body),
                hosts.fetchTimeout);
      } catch (EgressException e) {
        throw new IllegalArgumentException(e.code() + ": " + e.getMessage(), e);
      }
      if (response.body() != null) meter.egress(response.body().length());
      var answer = new LinkedHashMap<String, Object>(8);
      answer.put("status", response.status());
      answer.put("statusText", response.statusText());
      answer.put("url", response.url());
      answer.put("headers", response.headers());
      answer.put("body", response.body());
      return answer;
    }

    private static String text(Object value) {
      return value == null ? null : value.toString();
    }

    private static Map<String, String> headers(Object value) {
      var headers = new LinkedHashMap<String, String>();
      if (value instanceof Map<?, ?> map) {
        map.forEach((name, v) -> headers.put(String.valueOf(name), String.valueOf(v)));
      }
      return headers;
    }
  }
}
