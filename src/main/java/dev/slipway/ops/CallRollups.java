package dev.slipway.ops;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;

/**
 * Sums of calls as they arrive, for analytics and usage: per org, endpoint and version, by minute,
 * by hour and by day (UTC); and by hour the calls per problem code, per caller and per step, and by
 * day per caller. The call log's writer adds each call and hands the sums to the database every few
 * seconds ({@link #take}); a batch the database did not take comes back ({@link #restore}). Only
 * the writer thread touches it.
 */
public final class CallRollups {
  /** At most this many sums wait for the database; calls past it are counted, not summed. */
  static final int MAX_KEYS = 100_000;

  /** Which rows one sum adds to. */
  public record Key(long org, String grain, Instant bucket, String endpoint, int version) {}

  /** A detail's row: its kind ({@code code}, {@code caller}, {@code step}) and name. */
  public record DetailKey(
      long org, Instant bucket, String endpoint, int version, String kind, String name) {}

  /** The sums of one {@link Key}. */
  public static final class Sums {
    public long calls;
    public final long[] byClass = new long[6];
    public long durationMicros;
    public long maxDurationMicros;
    public final long[] durations = new long[Durations.BUCKETS];
    public long bytesIn;
    public long bytesOut;
    public long scriptCpuMicros;
    public long databaseMicros;
    public long egressBytes;
    public long logBytes;

    void add(CallRecord call) {
      calls++;
      byClass[Math.clamp(call.statusClass(), 0, 5)]++;
      durationMicros += call.durationMicros();
      maxDurationMicros = Math.max(maxDurationMicros, call.durationMicros());
      durations[Durations.bucket(call.durationMicros())]++;
      bytesIn += call.requestBytes();
      bytesOut += call.responseBytes();
      scriptCpuMicros += call.cost().scriptCpuMicros();
      databaseMicros += call.cost().databaseMicros();
      egressBytes += call.cost().egressBytes();
      logBytes += storedBytes(call);
    }

    void add(Sums other) {
      calls += other.calls;
      for (int i = 0; i < byClass.length; i++) byClass[i] += other.byClass[i];
      durationMicros += other.durationMicros;
      maxDurationMicros = Math.max(maxDurationMicros, other.maxDurationMicros);
      for (int i = 0; i < durations.length; i++) durations[i] += other.durations[i];
      bytesIn += other.bytesIn;
      bytesOut += other.bytesOut;
      scriptCpuMicros += other.scriptCpuMicros;
      databaseMicros += other.databaseMicros;
      egressBytes += other.egressBytes;
      logBytes += other.logBytes;
    }
  }

  /** The sums of one {@link DetailKey}. */
  public static final class DetailSums {
    public long calls;
    public long totalMicros;
    public long maxMicros;

    void add(long micros) {
      calls++;
      totalMicros += micros;
      maxMicros = Math.max(maxMicros, micros);
    }

    void add(DetailSums other) {
      calls += other.calls;
      totalMicros += other.totalMicros;
      maxMicros = Math.max(maxMicros, other.maxMicros);
    }
  }

  /** What was summed since the last {@link #take}. */
  public record Batch(Map<Key, Sums> sums, Map<DetailKey, DetailSums> details) {
    public boolean isEmpty() {
      return sums.isEmpty() && details.isEmpty();
    }
  }

  private Map<Key, Sums> sums = new HashMap<>();
  private Map<DetailKey, DetailSums> details = new HashMap<>();
  private long dropped;

  /** Sums one call of an org's endpoint. */
  public void add(CallRecord call) {
    if (call.orgId() == 0 || call.endpoint() == null) return;
    if (sums.size() + details.size() >= MAX_KEYS) {
      dropped++;
      return;
    }
    Instant minute = call.at().truncatedTo(ChronoUnit.MINUTES);
    Instant hour = call.at().truncatedTo(ChronoUnit.HOURS);
    sum(new Key(call.orgId(), "minute", minute, call.endpoint(), call.version())).add(call);
    sum(new Key(call.orgId(), "hour", hour, call.endpoint(), call.version())).add(call);
    Instant day = call.at().truncatedTo(ChronoUnit.DAYS);
    sum(new Key(call.orgId(), "day", day, call.endpoint(), call.version())).add(call);
    if (call.errorCode() != null)
      detail(call, hour, "code", call.status() + " " + call.errorCode()).add(call.durationMicros());
    if (call.caller() != null) {
      detail(call, hour, "caller", call.caller()).add(call.durationMicros());
      detail(call, day, "caller_day", call.caller()).add(call.durationMicros());
    }
    for (CallRecord.StepTime step : call.steps())
      detail(call, hour, "step", step.step()).add(step.micros());
  }

  private Sums sum(Key key) {
    return sums.computeIfAbsent(key, k -> new Sums());
  }

  private DetailSums detail(CallRecord call, Instant hour, String kind, String name) {
    return details.computeIfAbsent(
        new DetailKey(call.orgId(), hour, call.endpoint(), call.version(), kind, name),
        k -> new DetailSums());
  }

  /** Hands over what was summed, and starts anew. */
  public Batch take() {
    var batch = new Batch(sums, details);
    sums = new HashMap<>();
    details = new HashMap<>();
    return batch;
  }

  /** Takes back a batch the database did not take, as far as there is room. */
  public void restore(Batch batch) {
    batch.sums.forEach(
        (key, value) -> {
          if (sums.size() + details.size() < MAX_KEYS || sums.containsKey(key)) sum(key).add(value);
          else if (key.grain().equals("hour")) dropped += value.calls;
        });
    batch.details.forEach(
        (key, value) -> {
          if (sums.size() + details.size() < MAX_KEYS || details.containsKey(key))
            details.computeIfAbsent(key, k -> new DetailSums()).add(value);
        });
  }

  /** Calls left out of the sums since the start: the sums waiting for the database were full. */
  public long dropped() {
    return dropped;
  }

  /** About how many bytes the call log keeps for a call. */
  static long storedBytes(CallRecord call) {
    long bytes = 160 + call.requestId().length() + call.path().length();
    if (call.error() != null) bytes += call.error().length();
    bytes += 24L * call.steps().size();
    if (call.bodies() != null) {
      if (call.bodies().request() != null) bytes += call.bodies().request().length();
      if (call.bodies().response() != null) bytes += call.bodies().response().length();
    }
    return bytes;
  }
}
