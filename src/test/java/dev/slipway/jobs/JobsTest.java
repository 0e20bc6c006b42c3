package dev.slipway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Background jobs against a real server and PostgreSQL: enqueued in the request's transaction (a
 * failed request enqueues nothing), run by the org's live handler, retried with back-off to a dead
 * letter, retried by hand, idempotent, delayed, limited per handler, run once with two instances on
 * one database, and closed to an org's SQL except through the enqueue function.
 */
class JobsTest {
  private final TestDatabase database = new TestDatabase();
  private TestSlipway slipway;
  private TestSlipway second;

  @AfterEach
  void stop() {
    if (second != null) second.close();
    if (slipway != null) slipway.close();
    database.close();
  }

  private void start(Map<String, String> settings) throws Exception {
    var all = new java.util.HashMap<String, String>(settings);
    all.putIfAbsent("SLIPWAY_JOBS_POLL_MS", "100");
    slipway = TestSlipway.start(database.url(), null, all);
    database.execute(
        """
        create table app.job_runs (id bigserial primary key, job bigint, note text,
                                   at timestamptz default clock_timestamp());
        create table app.signups (id bigserial primary key, email text not null)""");
    String login = slipway.orgLogin();
    database.execute("grant select, insert on app.job_runs, app.signups to " + login);
    database.execute("grant usage on all sequences in schema app to " + login);
  }

  /** The handler that records each run, and an endpoint that signs up and enqueues it. */
  private void deploySignup() {
    slipway.save(
        """
        name: welcome
        trigger: { job: { attempts: 3, backoff: 100ms } }
        input:
          body: { type: object, required: [email] }
        steps:
          - id: ran
            sql: insert into app.job_runs (job, note) values (cast(:job as bigint), :email) returning id
            params: { job: "${input.headers['x-slipway-job-id']}", email: "${input.body.email}" }
        response: { body: { welcomed: "${input.body.email}" } }
        """);
    slipway.save(
        """
        name: signup
        method: POST
        path: /signup
        input:
          body: { type: object, required: [email] }
        steps:
          - id: saved
            sql: insert into app.signups (email) values (:email) returning id
            params: { email: "${input.body.email}" }
            expect: one
          - id: queued
            enqueue: welcome
            payload: { email: "${input.body.email}" }
          - id: allowed
            validate: "${input.body.email}"
            schema: { not: { pattern: "@refused[.]example$" } }
        response: { status: 201, body: { job: "${steps.queued.id}" } }
        """);
    slipway.deploy("{}");
  }

  @Test
  void a_job_enqueued_by_a_request_runs_once_and_a_failed_request_enqueues_nothing()
      throws Exception {
    start(Map.of());
    deploySignup();
    // a step after the enqueue fails: the request's transaction, and so the job, is gone
    var refused =
        slipway.data("POST", "/signup", "{\"email\":\"x@refused.example\"}", "application/json");
    assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
    var made =
        slipway.data("POST", "/signup", "{\"email\":\"ada@example.com\"}", "application/json");
    assertThat(made.status()).as(made.toString()).isEqualTo(201);
    long job = made.json().path("job").asLong();
    JsonNode done = awaitJob(job, "succeeded");
    assertThat(done.path("attempts").asInt()).isEqualTo(1);
    assertThat(done.path("result").path("welcomed").asText()).isEqualTo("ada@example.com");
    assertThat(database.scalar("select count(*) from app.job_runs")).isEqualTo(1L);
    assertThat(database.scalar("select job from app.job_runs")).isEqualTo(job);
    assertThat(database.scalar("select count(*) from slipway.jobs"))
        .as("none for the refused")
        .isEqualTo(1L);
    // the run is a call in the log, as the handler's
    await(
        "the run in the call log",
        () ->
            slipway
                .control("GET", "/api/logs?endpoint=welcome")
                .json()
                .toString()
                .contains("\"method\":\"JOB\""));
    var listed = slipway.control("GET", "/api/jobs?handler=welcome").json();
    assertThat(listed.path("counts").path("queued").asLong()).isZero();
    assertThat(listed.path("jobs").get(0).path("status").asText()).isEqualTo("succeeded");
    assertThat(listed.path("jobs").get(0).path("id").asLong()).isEqualTo(job);
  }

  @Test
  void a_failing_job_is_retried_with_back_off_then_dead_and_can_be_retried_by_hand()
      throws Exception {
    start(Map.of());
    slipway.save(
        """
        name: flaky
        trigger: { job: { attempts: 3, backoff: 200ms } }
        steps:
          - id: ran
            sql: insert into app.job_runs (job, note) values (1, 'attempt') returning id
          - id: fail
            respond: { status: 503, body: { problem: "upstream down" } }
        """);
    slipway.deploy("{}");
    var enqueued =
        slipway.control(
            "POST", "/api/jobs", "{\"handler\":\"flaky\",\"payload\":{}}", "application/json");
    assertThat(enqueued.status()).as(enqueued.toString()).isEqualTo(201);
    long job = enqueued.json().path("id").asLong();
    JsonNode dead = awaitJob(job, "dead");
    assertThat(dead.path("attempts").asInt()).isEqualTo(3);
    assertThat(dead.path("lastStatus").asInt()).isEqualTo(503);
    assertThat(dead.path("lastError").asText()).contains("503").contains("upstream down");
    // a respond step ends the pipeline as planned, so each attempt's insert committed
    assertThat(database.scalar("select count(*) from app.job_runs")).isEqualTo(3L);
    // back-off: the attempts are at least 200 ms and 400 ms apart
    var gaps =
        database.scalar(
            "select min(d) from (select extract(epoch from at - lag(at) over (order by at)) * 1000 d"
                + " from app.job_runs) g where d is not null");
    assertThat(((Number) gaps).doubleValue()).isGreaterThanOrEqualTo(190);

    var retried = slipway.control("POST", "/api/jobs/" + job + "/retry", "{}", "application/json");
    assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
    awaitJob(job, "dead");
    assertThat(database.scalar("select count(*) from app.job_runs")).isEqualTo(6L);
    // a queued or running job is not retried; an unknown one is 404
    var again = slipway.control("POST", "/api/jobs/999999/retry", "{}", "application/json");
    assertThat(again.status()).isEqualTo(404);
    assertThat(again.contentType()).startsWith("application/problem+json");
    assertThat(slipway.control("GET", "/api/audit?action=job.retry").json().toString())
        .contains("job:" + job);
  }

  @Test
  void idempotency_keys_delays_bad_jobs_and_cancels() throws Exception {
    start(Map.of());
    deploySignup();
    String body =
        "{\"handler\":\"welcome\",\"payload\":{\"email\":\"k@example.com\"},"
            + "\"idempotencyKey\":\"k-1\",\"delay\":\"1500ms\"}";
    var first = slipway.control("POST", "/api/jobs", body, "application/json");
    var second = slipway.control("POST", "/api/jobs", body, "application/json");
    assertThat(first.json().path("added").asBoolean()).isTrue();
    assertThat(second.json().path("added").asBoolean()).isFalse();
    assertThat(second.json().path("id").asLong()).isEqualTo(first.json().path("id").asLong());
    long job = first.json().path("id").asLong();
    Thread.sleep(700);
    assertThat(slipway.control("GET", "/api/jobs/" + job).json().path("status").asText())
        .as("not due yet")
        .isEqualTo("queued");
    awaitJob(job, "succeeded");

    // a job for no live handler, and bad fields, are refused with each problem named
    var bad =
        slipway.control(
            "POST",
            "/api/jobs",
            "{\"jobs\":[{\"handler\":\"nobody\"},{\"handler\":\"welcome\",\"delay\":\"soon\","
                + "\"attempts\":0}]}",
            "application/json");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.contentType()).startsWith("application/problem+json");
    assertThat(bad.errorPaths())
        .containsExactlyInAnyOrder("/jobs/0/handler", "/jobs/1/delay", "/jobs/1/attempts");

    // a delayed job can be cancelled before it is due, and then does not run
    var later =
        slipway.control(
            "POST",
            "/api/jobs",
            "{\"handler\":\"welcome\",\"payload\":{\"email\":\"c@example.com\"},\"delay\":\"1h\"}",
            "application/json");
    long cancelled = later.json().path("id").asLong();
    var cancel =
        slipway.control("POST", "/api/jobs/" + cancelled + "/cancel", "{}", "application/json");
    assertThat(cancel.json().path("status").asText()).isEqualTo("cancelled");
    assertThat(
            slipway
                .control("POST", "/api/jobs/" + cancelled + "/cancel", "{}", "application/json")
                .status())
        .isEqualTo(409);
  }

  @Test
  void a_handlers_concurrency_holds_across_two_instances_and_each_job_runs_once() throws Exception {
    // two jobs at a time on each instance: the handler's three at once need both of them
    start(Map.of("SLIPWAY_JOBS_WORKERS", "2"));
    second =
        TestSlipway.start(
            database.url(),
            null,
            Map.of("SLIPWAY_JOBS_POLL_MS", "100", "SLIPWAY_JOBS_WORKERS", "2"));
    slipway.save(
        """
        name: slow
        trigger: { job: { concurrency: 3, attempts: 1 } }
        steps:
          - id: ran
            sql: insert into app.job_runs (job, note) values (cast(:job as bigint), 'ran') returning id
            params: { job: "${input.headers['x-slipway-job-id']}" }
          - id: wait
            sql: select pg_sleep(0.15)
        """);
    slipway.deploy("{}");
    enqueue("slow", 24);
    long most = 0;
    var instances = new java.util.HashSet<String>();
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (unfinished() > 0) {
      assertThat(System.nanoTime()).as("24 jobs within 60 s").isLessThan(until);
      most =
          Math.max(
              most,
              ((Number)
                      database.scalar("select count(*) from slipway.jobs where status = 'running'"))
                  .longValue());
      Object by =
          database.scalar(
              "select string_agg(distinct locked_by, ',') from slipway.jobs where status = 'running'");
      if (by != null) instances.addAll(java.util.List.of(by.toString().split(",")));
      Thread.sleep(10);
    }
    assertThat(most).as("running at once, both instances together").isBetween(1L, 3L);
    assertThat(instances).as("both instances took jobs").hasSize(2);
    assertThat(database.scalar("select count(*) from slipway.jobs where status = 'succeeded'"))
        .isEqualTo(24L);
    assertThat(database.scalar("select count(distinct job) from app.job_runs")).isEqualTo(24L);
    assertThat(database.scalar("select count(*) from app.job_runs")).as("each once").isEqualTo(24L);
  }

  @Test
  void
      a_job_enqueued_just_after_a_deploy_elsewhere_does_not_spend_its_attempt_where_the_deploy_is_not_loaded_yet()
          throws Exception {
    // one job at a time here, where the deploys happen; the second instance, looking at the queue
    // every 10 ms, takes most jobs, often before the deploy's notice has reached it
    start(Map.of("SLIPWAY_JOBS_WORKERS", "1"));
    second =
        TestSlipway.start(
            database.url(),
            null,
            Map.of("SLIPWAY_JOBS_POLL_MS", "10", "SLIPWAY_JOBS_WORKERS", "8"));
    int rounds = 4;
    int each = 8;
    for (int round = 0; round < rounds; round++) {
      // a release of a few endpoints, so that loading it on the second instance takes a moment
      for (int i = 0; i < 6; i++)
        slipway.save(
            """
            name: pad%d-%d
            method: GET
            path: /pad%d-%d
            steps:
              - id: s
                script: "return { n: %d };"
            """
                .formatted(round, i, round, i, i));
      slipway.save(
          """
          name: once%d
          trigger: { job: { attempts: 1 } }
          steps:
            - id: ran
              sql: insert into app.job_runs (job, note) values (cast(:job as bigint), 'ran') returning id
              params: { job: "${input.headers['x-slipway-job-id']}" }
          """
              .formatted(round));
      slipway.deploy("{}");
      enqueue("once" + round, each);
    }
    await("every job finished", () -> unfinished() == 0);
    assertThat(
            database.scalar(
                "select coalesce(string_agg(handler || ': ' || last_error, '; '), '') from"
                    + " slipway.jobs where status <> 'succeeded'"))
        .as("jobs that did not succeed")
        .isEqualTo("");
    assertThat(database.scalar("select count(*) from app.job_runs"))
        .isEqualTo((long) rounds * each);
  }

  @Test
  void an_orgs_sql_reaches_the_queue_only_through_enqueue_for_its_own_org() throws Exception {
    start(Map.of());
    // SQL that reads the queue is refused when it is saved, as the org's login may not
    var peek =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
            name: peek
            method: GET
            path: /peek
            steps:
              - id: rows
                sql: select count(*) as n from slipway.jobs
            """,
            "application/yaml");
    assertThat(peek.status()).isEqualTo(422);
    assertThat(peek.body()).contains("permission denied for schema slipway");
    slipway.save(
        """
        name: sneaky
        trigger: { job: {} }
        steps:
          - id: x
            sql: select 1 as one
        """);
    slipway.save(
        """
        name: script-enqueue
        method: POST
        path: /script-enqueue
        steps:
          - id: queued
            script: "return { id: await ctx.enqueue('sneaky', { from: 'script' }, { idempotencyKey: 's-1' }) };"
        """);
    slipway.deploy("{}");
    var queued = slipway.data("POST", "/script-enqueue", "{}", "application/json");
    assertThat(queued.status()).as(queued.toString()).isEqualTo(200);
    long job = queued.json().path("id").asLong();
    assertThat(awaitJob(job, "succeeded").path("payload").path("from").asText())
        .isEqualTo("script");
    assertThat(database.scalar("select org_id from slipway.jobs where id = " + job)).isEqualTo(1L);
    // the function refuses a login that is no org's
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> database.scalar("select slipway_runtime.enqueue('sneaky', '{}'::jsonb)"))
        .hasStackTraceContaining("only an org's SQL may enqueue jobs");
    // job_status reads the org's own jobs only: another org's job is null to it
    database.execute("insert into slipway.orgs (slug, name) values ('other', 'Other')");
    long others =
        (Long)
            database.scalar(
                "insert into slipway.jobs (org_id, handler, payload) select id, 'sneaky', '{}'"
                    + " from slipway.orgs where slug = 'other' returning id");
    slipway.save(
        """
        name: status
        method: GET
        path: /status/:id
        input: { params: { id: { type: integer } } }
        steps:
          - id: job
            sql: select slipway_runtime.job_status(cast(:id as bigint)) as job
            params: { id: "${input.params.id}" }
        response: { body: "${steps.job.row}" }
        """);
    slipway.deploy("{}");
    var own = slipway.data("GET", "/status/" + job);
    assertThat(own.json().path("job").path("status").asText())
        .as(own.toString())
        .isEqualTo("succeeded");
    var theirs = slipway.data("GET", "/status/" + others);
    assertThat(theirs.json().path("job").isNull()).as(theirs.toString()).isTrue();
  }

  @Test
  void a_job_whose_instance_died_mid_run_is_taken_up_again_after_its_lease(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    try (var dying =
        dev.slipway.testing.ServerProcess.launch(
            dir.resolve("a"),
            Map.of(
                "SLIPWAY_DATABASE_URL", database.url(),
                "SLIPWAY_JOBS_LEASE_S", "5",
                "SLIPWAY_JOBS_POLL_MS", "100"))) {
      dying.awaitHealthy(Duration.ofSeconds(120));
      database.execute(
          "create table app.job_runs (id bigserial primary key, job bigint, note text,"
              + " at timestamptz default clock_timestamp())");
      String login = dying.control("GET", "/api/org").json().path("databaseLogin").asText();
      database.execute("grant select, insert on app.job_runs to " + login);
      database.execute("grant usage on all sequences in schema app to " + login);
      var saved =
          dying.control(
              "POST",
              "/api/endpoints",
              """
              name: long-haul
              trigger: { job: { attempts: 3, timeout: 1m } }
              statementTimeout: 30s
              steps:
                - id: ran
                  sql: insert into app.job_runs (job, note) values (1, 'ran') returning id
                - id: wait
                  sql: select pg_sleep(4)
              """,
              "application/yaml");
      assertThat(saved.status()).as(saved.toString()).isEqualTo(201);
      assertThat(dying.control("POST", "/api/deploy", "{}", "application/json").status())
          .isEqualTo(201);
      var enqueued =
          dying.control("POST", "/api/jobs", "{\"handler\":\"long-haul\"}", "application/json");
      long job = enqueued.json().path("id").asLong();
      long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!"running"
          .equals(database.scalar("select status from slipway.jobs where id = " + job))) {
        assertThat(System.nanoTime()).as("the job running within 30 s").isLessThan(until);
        Thread.sleep(20);
      }
      dying.killJvm();
    }
    // the dead instance's transaction is gone with its connection; its lease runs out within 5 s
    double killed =
        ((Number) database.scalar("select extract(epoch from clock_timestamp())")).doubleValue();
    slipway = TestSlipway.start(database.url(), null, Map.of("SLIPWAY_JOBS_POLL_MS", "100"));
    long job = (Long) database.scalar("select id from slipway.jobs");
    JsonNode done = awaitJob(job, "succeeded");
    double takenUp =
        ((Number) database.scalar("select extract(epoch from started_at) from slipway.jobs"))
            .doubleValue();
    assertThat(takenUp - killed)
        .as("taken up again only once the lease (5 s, renewed every 1.7 s) ran out")
        .isGreaterThan(3.0);
    assertThat(done.path("attempts").asInt()).isEqualTo(2);
    assertThat(database.scalar("select count(*) from app.job_runs"))
        .as("the first attempt's insert rolled back with its connection")
        .isEqualTo(1L);
  }

  private JsonNode awaitJob(long id, String status) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      JsonNode job = slipway.control("GET", "/api/jobs/" + id).json();
      if (job.path("status").asText().equals(status)) return job;
      assertThat(System.nanoTime())
          .as("job " + id + " " + status + " within 30 s: " + job)
          .isLessThan(until);
      Thread.sleep(50);
    }
  }

  /** Enqueues {@code n} jobs of the handler in one call of the control API. */
  private void enqueue(String handler, int n) {
    var batch = new StringBuilder("{\"jobs\":[");
    for (int i = 0; i < n; i++)
      batch.append(i == 0 ? "" : ",").append("{\"handler\":\"%s\"}".formatted(handler));
    var enqueued =
        slipway.control("POST", "/api/jobs", batch.append("]}").toString(), "application/json");
    assertThat(enqueued.status()).as(enqueued.toString()).isEqualTo(201);
  }

  /** The jobs queued or running. */
  private long unfinished() {
    return ((Number)
            database.scalar(
                "select count(*) from slipway.jobs where status in ('queued', 'running')"))
        .longValue();
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what + " within 20 s").isLessThan(until);
      Thread.sleep(100);
    }
  }
}
