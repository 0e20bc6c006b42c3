package dev.slipway.ops;

import dev.slipway.store.CallStore;
import dev.slipway.store.PlatformTransactions;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * How long analytics take for an org with {@code calls} calls over the last 30 days: the calls are
 * made up (20 endpoints, two versions each, 50 callers, 2% 4xx and 0.5% 5xx, two steps each,
 * log-normal durations) and summed by the same code the recorder runs ({@link CallRollups} through
 * {@link CallStore}, which keeps none of them as rows here); then {@code GET /api/analytics} and
 * {@code GET /api/usage} through a real Slipway, each {@code runs} times. Run by {@code
 * bench/analytics/run.sh}; not a test.
 */
public final class AnalyticsBench {

  public static void main(String[] args) throws Exception {
    long calls = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    try (var database = new TestDatabase();
        var slipway = TestSlipway.start(database)) {
      var store =
          new CallStore(
              new PlatformTransactions(database.dataSource()),
              new CallStore.Retention(
                  Duration.ofDays(7), 1_000_000, Long.MAX_VALUE, Duration.ofDays(400)),
              org -> false);
      Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
      Instant start = end.minus(30, ChronoUnit.DAYS);
      long spanMicros = Duration.between(start, end).toNanos() / 1000;
      var random = new Random(21);
      var batch = new ArrayList<CallRecord>(10_000);
      long began = System.nanoTime();
      for (long i = 0; i < calls; i++) {
        Instant at = start.plusNanos((long) ((double) spanMicros * i / calls) * 1000);
        int endpoint = random.nextInt(20);
        int roll = random.nextInt(1000);
        int status = roll < 5 ? 500 : roll < 25 ? 404 : 200;
        long micros = (long) Math.exp(random.nextGaussian() * 0.8 + 7.5); // ~1.8 ms median
        batch.add(
            new CallRecord(
                at,
                "r" + i,
                "GET",
                "/e" + endpoint,
                "endpoint-" + endpoint,
                1 + random.nextInt(2),
                1,
                1,
                status,
                micros,
                status == 500 ? "boom" : null,
                status == 500 ? "internal_error" : status == 404 ? "not_found" : null,
                "key:caller-" + random.nextInt(50),
                "127.0.0.1",
                20,
                300,
                new CallRecord.Cost(micros / 3, micros / 2, 0),
                List.of(
                    new CallRecord.StepTime("load", 0, micros / 2),
                    new CallRecord.StepTime("shape", micros / 2, micros / 4)),
                null,
                null));
        if (batch.size() == 10_000) {
          store.write(batch);
          batch.clear();
          if (i % 100_000 == 99_999) flush(store);
        }
      }
      store.write(batch);
      flush(store);
      store.prune();
      database.execute("analyze");
      System.out.printf(
          "summed %,d calls over 30 days in %.1f s; rollup rows: %s minute, %s hour, %s detail%n",
          calls,
          (System.nanoTime() - began) / 1e9,
          database.scalar("select count(*) from slipway.call_rollups where grain = 'minute'"),
          database.scalar("select count(*) from slipway.call_rollups where grain = 'hour'"),
          database.scalar("select count(*) from slipway.call_rollup_details"));
      String from = "&from=" + start + "&to=" + end;
      report(slipway, "/api/analytics?bucket=1d" + from, runs);
      report(slipway, "/api/analytics?bucket=1h" + from, runs);
      report(slipway, "/api/analytics?bucket=1d&endpoint=endpoint-3" + from, runs);
      report(slipway, "/api/analytics?bucket=5m&from=" + end.minus(1, ChronoUnit.DAYS), runs);
      LocalDate today = LocalDate.ofInstant(end, ZoneOffset.UTC);
      report(slipway, "/api/usage?from=" + today.minusDays(30) + "&to=" + today, runs);
    }
  }

  /**
   * Adds the sums; the server's own prune of minute rollups older than 2 days may deadlock with an
   * upsert of the made-up past (calls never arrive that late), and the sums are kept for a retry.
   */
  private static void flush(CallStore store) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        store.flush();
        return;
      } catch (java.sql.SQLException e) {
        if (attempt == 5) throw e;
      }
    }
  }

  private static void report(TestSlipway slipway, String path, int runs) {
    var first = slipway.control("GET", path);
    if (first.status() != 200) throw new IllegalStateException(first.toString());
    long[] nanos = new long[runs];
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      var reply = slipway.control("GET", path);
      nanos[i] = System.nanoTime() - start;
      if (reply.status() != 200) throw new IllegalStateException(reply.toString());
    }
    Arrays.sort(nanos);
    System.out.printf(
        "GET %s (%,d bytes): %d runs: p50 %.1f ms, p95 %.1f ms, max %.1f ms%n",
        path.replaceAll("&to=[^&]*", "").replaceAll("from=[^&]*", "from=..."),
        first.body().length(),
        runs,
        nanos[runs / 2] / 1e6,
        nanos[(int) Math.ceil(runs * 0.95) - 1] / 1e6,
        nanos[runs - 1] / 1e6);
  }
}
