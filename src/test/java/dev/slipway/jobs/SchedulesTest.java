package dev.slipway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Schedules against a real server and PostgreSQL: the next runs of a cron expression in a time
 * zone, each tick run once with two instances on one database, missed ticks skipped or caught up,
 * overlapping runs skipped, pause and resume, and bad expressions refused at save. A tick is made
 * due by moving the schedule's {@code next_run_at} to now (or to the past: ticks missed while no
 * instance ran), rather than by waiting for the clock.
 */
class SchedulesTest {
  private final TestDatabase database = new TestDatabase();
  private TestSlipway slipway;
  private TestSlipway second;

  @AfterEach
  void stop() {
    if (second != null) second.close();
    if (slipway != null) slipway.close();
    database.close();
  }

  private void start() throws Exception {
    slipway = TestSlipway.start(database.url(), null, Map.of("SLIPWAY_JOBS_POLL_MS", "100"));
    database.execute(
        """
        create table app.ticks (id bigserial primary key, schedule text, scheduled_at text,
                                at timestamptz default clock_timestamp())""");
    database.execute("grant select, insert on app.ticks to " + slipway.orgLogin());
    database.execute("grant usage on all sequences in schema app to " + slipway.orgLogin());
  }

  /** A schedule that records each run, after {@code sleep} seconds. */
  private void deploySchedule(String name, String settings, double sleep) {
    slipway.save(
        """
        name: %s
        trigger: { schedule: { %s } }
        steps:
          - id: ran
            sql: insert into app.ticks (schedule, scheduled_at) values ('%s', :at) returning id
            params: { at: "${input.body.scheduledAt}" }
          - id: slow
            sql: select pg_sleep(%s)
        response: { body: { at: "${input.body.scheduledAt}" } }
        """
            .formatted(name, settings, name, sleep));
  }

  /** Makes the schedule's next tick due now (or {@code ago} in the past). */
  private void due(String name, Duration ago) {
    database.execute(
        "update slipway.schedules set next_run_at = now() - interval '%d seconds' where handler = '%s'"
            .formatted(ago.toSeconds(), name));
  }

  private long ticks(String name) {
    return (Long) database.scalar("select count(*) from app.ticks where schedule = '" + name + "'");
  }

  @Test
  void a_schedule_shows_its_next_runs_in_its_time_zone_and_each_tick_runs_once_on_two_instances()
      throws Exception {
    start();
    second = TestSlipway.start(database.url(), null, Map.of("SLIPWAY_JOBS_POLL_MS", "100"));
    deploySchedule("mornings", "cron: '0 9 * * 1-5', timezone: Europe/Berlin", 0);
    slipway.deploy("{}");

    JsonNode listed = slipway.control("GET", "/api/schedules").json().path("schedules");
    assertThat(listed).hasSize(1);
    JsonNode schedule = listed.get(0);
    assertThat(schedule.path("name").asText()).isEqualTo("mornings");
    assertThat(schedule.path("timezone").asText()).isEqualTo("Europe/Berlin");
    assertThat(schedule.path("paused").asBoolean()).isFalse();
    // the next five working days at 09:00 in Berlin, worked out here with java.time
    var expected = new ArrayList<Instant>();
    ZoneId berlin = ZoneId.of("Europe/Berlin");
    ZonedDateTime day = ZonedDateTime.now(berlin).with(LocalTime.of(9, 0));
    for (; expected.size() < 5; day = day.plusDays(1)) {
      if (day.getDayOfWeek() == DayOfWeek.SATURDAY || day.getDayOfWeek() == DayOfWeek.SUNDAY)
        continue;
      if (day.toInstant().isAfter(Instant.now())) expected.add(day.toInstant());
    }
    var nextRuns = new ArrayList<Instant>();
    schedule.path("nextRuns").forEach(at -> nextRuns.add(Instant.parse(at.asText())));
    assertThat(nextRuns).isEqualTo(expected);

    // five ticks made due one after another, both instances ticking: five runs, no more
    for (int i = 1; i <= 5; i++) {
      due("mornings", Duration.ZERO);
      int runs = i;
      await("run " + i, () -> ticks("mornings") >= runs);
      Thread.sleep(300);
    }
    awaitNone(
        "a sixth run",
        () -> (Long) database.scalar("select count(*) from slipway.jobs") > 5,
        Duration.ofSeconds(2));
    assertThat(ticks("mornings")).isEqualTo(5);
    assertThat(
            database.scalar(
                "select count(distinct scheduled_at) from app.ticks where schedule = 'mornings'"))
        .isEqualTo(5L);
    // the next tick is again the next working morning, and the runs are listed with it
    JsonNode detail = slipway.control("GET", "/api/schedules/mornings").json();
    assertThat(Instant.parse(detail.path("schedule").path("nextRuns").get(0).asText()))
        .isEqualTo(expected.getFirst());
    assertThat(detail.path("schedule").path("runs").asLong()).isEqualTo(5);
    assertThat(detail.path("recentRuns")).hasSize(5);
    await(
        "the runs succeeded",
        () ->
            slipway
                    .control("GET", "/api/jobs?handler=mornings&status=succeeded")
                    .json()
                    .path("jobs")
                    .size()
                == 5);
    // a run is a call in the log too, as the schedule's
    await(
        "a run in the call log",
        () ->
            slipway
                .control("GET", "/api/logs?endpoint=mornings")
                .json()
                .toString()
                .contains("JOB"));
  }

  @Test
  void missed_ticks_are_skipped_or_caught_up_as_the_schedule_says() throws Exception {
    start();
    deploySchedule("skipper", "cron: '0 * * * *'", 0);
    deploySchedule("catcher", "cron: '0 * * * *', missed: catchUp", 0);
    slipway.deploy("{}");
    // no instance ran for the last 30 hours: 31 hourly ticks passed
    database.execute(
        "update slipway.schedules set next_run_at = date_trunc('hour', now()) - interval '30 hours'");
    await("the catch-up", () -> ticks("catcher") >= 31);
    Thread.sleep(1_000);
    assertThat(ticks("catcher")).isEqualTo(31);
    // one run an hour, oldest first (the handler runs one at a time: runs may not overlap)
    List<Instant> caught = new ArrayList<>();
    for (String at :
        database
            .scalar(
                "select string_agg(scheduled_at, ',' order by id) from app.ticks"
                    + " where schedule = 'catcher'")
            .toString()
            .split(",")) caught.add(Instant.parse(at));
    for (int i = 1; i < caught.size(); i++)
      assertThat(Duration.between(caught.get(i - 1), caught.get(i))).isEqualTo(Duration.ofHours(1));
    // the skipper ran none of them (but the last, when it is under a minute late): all skipped
    JsonNode skipper = slipway.control("GET", "/api/schedules/skipper").json().path("schedule");
    assertThat(skipper.path("runs").asLong() + skipper.path("skipped").asLong()).isEqualTo(31);
    assertThat(skipper.path("runs").asLong()).isLessThanOrEqualTo(1).isEqualTo(ticks("skipper"));
    assertThat(Instant.parse(skipper.path("nextRuns").get(0).asText())).isAfter(Instant.now());
  }

  /** How many of the schedule's runs are running now. */
  private long running(String name) {
    return (Long)
        database.scalar(
            "select count(*) from slipway.jobs where status = 'running' and handler = '"
                + name
                + "'");
  }

  @Test
  void a_tick_while_the_last_run_is_running_is_skipped_unless_overlap_is_allowed()
      throws Exception {
    start();
    deploySchedule("single", "cron: '0 0 1 1 *'", 4);
    deploySchedule("several", "cron: '0 0 1 1 *', overlap: allow", 4);
    slipway.deploy("{}");
    due("single", Duration.ZERO);
    due("several", Duration.ZERO);
    await("both running", () -> running("single") == 1 && running("several") == 1);
    due("single", Duration.ZERO);
    due("several", Duration.ZERO);
    await("the second run beside the first", () -> running("several") == 2);
    assertThat(running("single")).isEqualTo(1);
    await("the runs done", () -> ticks("several") == 2 && ticks("single") == 1);
    JsonNode single = slipway.control("GET", "/api/schedules/single").json().path("schedule");
    assertThat(single.path("skipped").asLong()).isEqualTo(1);
    assertThat(single.path("runs").asLong()).isEqualTo(1);
    assertThat(ticks("single")).isEqualTo(1);
  }

  @Test
  void a_paused_schedule_does_not_run_until_resumed_and_survives_a_deploy() throws Exception {
    start();
    deploySchedule("nightly", "cron: '0 3 * * *', timezone: America/New_York", 0);
    slipway.save(
        """
        name: ping
        method: GET
        path: /ping
        response: { body: { ok: true } }
        """);
    slipway.deploy("{}");
    var paused = slipway.control("POST", "/api/schedules/nightly/pause", "{}", "application/json");
    assertThat(paused.status()).as(paused.toString()).isEqualTo(200);
    assertThat(paused.json().path("paused").asBoolean()).isTrue();
    assertThat(paused.json().path("nextRuns")).isEmpty();
    due("nightly", Duration.ZERO);
    // a deploy of a new version keeps it paused
    deploySchedule("nightly", "cron: '0 4 * * *', timezone: America/New_York", 0);
    slipway.deploy("{}");
    awaitNone("a paused run", () -> ticks("nightly") > 0, Duration.ofSeconds(3));
    var resumed =
        slipway.control("POST", "/api/schedules/nightly/resume", "{}", "application/json");
    assertThat(resumed.json().path("paused").asBoolean()).isFalse();
    ZonedDateTime next =
        Instant.parse(resumed.json().path("nextRuns").get(0).asText())
            .atZone(ZoneId.of("America/New_York"));
    assertThat(next.toLocalTime()).isEqualTo(LocalTime.of(4, 0));
    assertThat(next.toInstant()).isAfter(Instant.now());
    assertThat(ticks("nightly")).isZero();
    assertThat(
            database.scalar(
                "select count(*) from slipway.audit_log where action in"
                    + " ('schedule.pause', 'schedule.resume')"))
        .isEqualTo(2L);
    // a schedule taken out of the release is no longer listed, and does not tick
    slipway.deploy("{\"remove\":[\"nightly\"]}");
    assertThat(slipway.control("GET", "/api/schedules").json().path("schedules")).isEmpty();
    assertThat(slipway.control("GET", "/api/schedules/nightly").status()).isEqualTo(404);
    due("nightly", Duration.ZERO);
    awaitNone("a run of a schedule not live", () -> ticks("nightly") > 0, Duration.ofSeconds(2));
  }

  @Test
  void a_schedule_with_a_bad_expression_or_time_zone_is_refused_with_where() throws Exception {
    start();
    var reply =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
            name: broken
            trigger: { schedule: { cron: '61 * * * *', timezone: Mars/Olympus } }
            steps:
              - { id: x, sql: select 1 }
            """,
            "application/yaml");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(422);
    assertThat(reply.errorPaths()).contains("/trigger/schedule/cron", "/trigger/schedule/timezone");
    var withRoute =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
            name: routed
            method: GET
            path: /routed
            trigger: { schedule: { cron: '0 * * * *' } }
            steps:
              - { id: x, sql: select 1 }
            """,
            "application/yaml");
    assertThat(withRoute.status()).isEqualTo(422);
    assertThat(withRoute.errorPaths()).contains("/method", "/path");
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what + " within 20 s").isLessThan(until);
      Thread.sleep(100);
    }
  }

  /** Watches for {@code for} that {@code happened} stays false. */
  private static void awaitNone(String what, BooleanSupplier happened, Duration watch)
      throws InterruptedException {
    long until = System.nanoTime() + watch.toNanos();
    while (System.nanoTime() < until) {
      assertThat(happened.getAsBoolean()).as(what).isFalse();
      Thread.sleep(100);
    }
  }
}
