package dev.slipway.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.testing.ServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How fast the job queue is on this machine, with {@code bin/slipway serve} as a user runs it (the
 * embedded PostgreSQL, durable: fsync and synchronous commit on): (1) throughput, {@code jobs}
 * trivial jobs enqueued by requests that each add {@code perRequest} of them in one SQL statement,
 * from 8 clients, timed from the first request to the last job succeeded; (2) the same with one job
 * per request (an insert and an {@code enqueue} step, one transaction) from 32 clients for {@code
 * seconds}; (3) what an enqueue costs inside such a request: the {@code enqueue} step's own time,
 * from the call log's step timings (the commit comes after it). Run by {@code bench/jobs/run.sh};
 * not a test.
 */
public final class JobsBench {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();

  public static void main(String[] args) throws Exception {
    int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int perRequest = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    Path dir = Files.createTempDirectory("slipway-jobs-bench");
    try (var server = ServerProcess.launchScript(dir.resolve("data"), settings())) {
      server.awaitHealthy(Duration.ofMinutes(3));
      for (String spec : SPECS) {
        var saved = server.control("POST", "/api/endpoints", spec, "application/yaml");
        if (saved.status() != 201) throw new IllegalStateException("spec refused: " + saved);
      }
      var deployed = server.control("POST", "/api/deploy", "{}", "application/json");
      if (deployed.status() != 201) throw new IllegalStateException("deploy: " + deployed);
      String data = server.dataUrl();
      // warm up: the JIT, the pools, the queue's first pages
      batches(data, 20_000, perRequest, 8);
      awaitDrained(server, Duration.ofMinutes(2));

      System.out.printf(
          "machine: %d cores; embedded PostgreSQL, durable%n",
          Runtime.getRuntime().availableProcessors());
      for (int round = 1; round <= 3; round++) {
        long began = System.nanoTime();
        batches(data, jobs, perRequest, 8);
        double enqueued = (System.nanoTime() - began) / 1e9;
        awaitDrained(server, Duration.ofMinutes(5));
        double all = (System.nanoTime() - began) / 1e9;
        System.out.printf(
            "round %d, %,d jobs in requests of %d: enqueued in %.2f s (%,.0f/s); all succeeded"
                + " after %.2f s: %,.0f jobs/s enqueued and completed%n",
            round, jobs, perRequest, enqueued, jobs / enqueued, all, jobs / all);
      }

      long began = System.nanoTime();
      long requests = singles(data, Duration.ofSeconds(seconds), 32);
      double sent = (System.nanoTime() - began) / 1e9;
      awaitDrained(server, Duration.ofMinutes(5));
      double all = (System.nanoTime() - began) / 1e9;
      System.out.printf(
          "one job per request, 32 clients: %,d requests in %.1f s (%,.0f/s); all succeeded after"
              + " %.1f s: %,.0f jobs/s%n",
          requests, sent, requests / sent, all, requests / all);

      double[] stepMs = enqueueStepTimes(server);
      Arrays.sort(stepMs);
      System.out.printf(
          "the enqueue step inside a request, %d calls: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms,"
              + " max %.3f ms%n",
          stepMs.length,
          at(stepMs, 0.50),
          at(stepMs, 0.90),
          at(stepMs, 0.99),
          stepMs[stepMs.length - 1]);
    }
  }

  /** The server's settings: the bench's, and any SLIPWAY_* of the bench's own environment. */
  private static Map<String, String> settings() {
    var settings = new java.util.HashMap<String, String>();
    settings.put("SLIPWAY_CALL_LOG_LEVEL", "WARN");
    settings.put("SLIPWAY_SANDBOX_WORKERS", "2");
    System.getenv()
        .forEach(
            (name, value) -> {
              if (name.startsWith("SLIPWAY_")) settings.put(name, value);
            });
    return settings;
  }

  private static final List<String> SPECS =
      List.of(
          """
          name: noop
          trigger: { job: { concurrency: 128 } }
          response: { body: { ok: true } }
          """,
          """
          name: enqueue-many
          method: POST
          path: /enqueue-many
          input:
            body: { type: object, required: [n], properties: { n: { type: integer } } }
          steps:
            - id: queued
              sql: select count(slipway_runtime.enqueue('noop', jsonb_build_object('i', g))) as n from generate_series(1, :n) g
              params: { n: "${input.body.n}" }
              expect: one
          response: { body: "${steps.queued.row}" }
          """,
          """
          name: enqueue-one
          method: POST
          path: /enqueue-one
          steps:
            - id: noted
              sql: insert into app.activity (actor, action, detail) values ('bench', 'signup', cast(:body as jsonb))
              params: { body: "${input.body}" }
            - id: queued
              enqueue: noop
              payload: "${input.body}"
          response: { status: 202, body: "${steps.queued}" }
          """);

  /** Enqueues {@code jobs} jobs in requests of {@code perRequest}, from {@code clients} clients. */
  private static void batches(String data, int jobs, int perRequest, int clients) throws Exception {
    var left = new AtomicLong(jobs / perRequest);
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      var done = new ArrayList<java.util.concurrent.Future<?>>();
      for (int c = 0; c < clients; c++)
        done.add(
            pool.submit(
                () -> {
                  while (left.getAndDecrement() > 0)
                    post(data + "/enqueue-many", "{\"n\":" + perRequest + "}", 200);
                  return null;
                }));
      for (var f : done) f.get();
    }
  }

  /** One job per request from {@code clients} clients for {@code length}; answers the requests. */
  private static long singles(String data, Duration length, int clients) throws Exception {
    var count = new AtomicLong();
    long until = System.nanoTime() + length.toNanos();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      var done = new ArrayList<java.util.concurrent.Future<?>>();
      for (int c = 0; c < clients; c++)
        done.add(
            pool.submit(
                () -> {
                  while (System.nanoTime() < until) {
                    post(data + "/enqueue-one", "{\"i\":1}", 202);
                    count.incrementAndGet();
                  }
                  return null;
                }));
      for (var f : done) f.get();
    }
    return count.get();
  }

  private static void post(String url, String body, int expected) throws Exception {
    var response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != expected)
      throw new IllegalStateException(
          url + " answered " + response.statusCode() + ": " + response.body());
  }

  /** Waits until no job is queued or running. */
  private static void awaitDrained(ServerProcess server, Duration limit)
      throws InterruptedException {
    long until = System.nanoTime() + limit.toNanos();
    while (true) {
      JsonNode counts = server.control("GET", "/api/jobs?limit=1").json().path("counts");
      if (counts.path("queued").asLong() == 0 && counts.path("running").asLong() == 0) {
        if (counts.path("dead").asLong() > 0)
          throw new IllegalStateException("jobs died: " + counts);
        return;
      }
      if (System.nanoTime() > until) throw new IllegalStateException("not drained: " + counts);
      Thread.sleep(250);
    }
  }

  /** The enqueue step's times of the last calls of enqueue-one, from the call log. */
  private static double[] enqueueStepTimes(ServerProcess server) throws InterruptedException {
    Thread.sleep(500); // the recorder keeps calls every 100 ms
    var times = new ArrayList<Double>();
    JsonNode calls = server.control("GET", "/api/logs?endpoint=enqueue-one&limit=1000").json();
    for (JsonNode call : calls)
      for (JsonNode step : call.path("steps"))
        if (step.path("step").asText().equals("queued")) times.add(step.path("ms").asDouble());
    if (times.isEmpty())
      throw new IllegalStateException("no step times: " + Json.write(calls).substring(0, 200));
    return times.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static double at(double[] sorted, double quantile) {
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(quantile * sorted.length))];
  }
}
