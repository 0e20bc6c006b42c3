package dev.slipway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.ops.CallLog;
import dev.slipway.ops.CallQuery;
import dev.slipway.ops.CallRecord;
import dev.slipway.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kept call log drops whole hourly partitions past the time or the size it keeps, and its
 * recorder loses nothing it has summed and never blocks a caller when the database fails or stalls.
 */
class CallStoreTest {
  private final TestDatabase database = new TestDatabase();
  private PlatformTransactions platform;
  private final Instant now =
      Instant.now().truncatedTo(ChronoUnit.HOURS).plus(30, ChronoUnit.MINUTES);

  @BeforeEach
  void migrate() throws SQLException {
    Flyway.configure()
        .dataSource(database.dataSource())
        .schemas("slipway")
        .createSchemas(true)
        .locations("classpath:db/migration")
        .load()
        .migrate();
    platform = new PlatformTransactions(database.dataSource());
  }

  @AfterEach
  void drop() {
    database.close();
  }

  private CallStore store(Duration keepFor, long keepBytes) {
    return new CallStore(
        platform,
        new CallStore.Retention(keepFor, 1_000_000, keepBytes, Duration.ofDays(400)),
        org -> true,
        Clock.fixed(now, ZoneOffset.UTC));
  }

  private static CallRecord call(String id, Instant at, int status) {
    return new CallRecord(at, id, "GET", "/x", "x", 1, 1, 1, status, 1_500, null);
  }

  private long scalar(String sql) {
    return ((Number) database.scalar(sql)).longValue();
  }

  private List<String> partitions() throws SQLException {
    return platform.system(
        c ->
            Sql.list(
                c,
                """
                select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
                where i.inhparent = 'slipway.calls'::regclass order by 1""",
                rs -> rs.getString(1)));
  }

  @Test
  void partitions_past_the_days_kept_are_dropped_whole() throws Exception {
    var store = store(Duration.ofDays(1), Long.MAX_VALUE);
    var calls = new ArrayList<CallRecord>();
    for (int days : new int[] {3, 2, 0})
      for (int i = 0; i < 10; i++)
        calls.add(call("d" + days + "-" + i, now.minus(days, ChronoUnit.DAYS), 200));
    store.write(calls);
    assertThat(partitions()).hasSize(6); // each hour and the next
    store.prune();
    assertThat(partitions()).hasSize(2).allMatch(name -> name.compareTo(partitionOf(now)) >= 0);
    assertThat(scalar("select count(*) from slipway.calls")).isEqualTo(10);
    assertThat(store.search(1, CallQuery.ALL, 100))
        .extracting(CallRecord::requestId)
        .allMatch(id -> id.startsWith("d0-"));
  }

  @Test
  void past_partitions_go_oldest_first_while_the_log_is_over_its_size() throws Exception {
    var calls = new ArrayList<CallRecord>();
    for (int hours : new int[] {3, 2, 1, 0})
      for (int i = 0; i < 50; i++)
        calls.add(call("h" + hours + "-" + i, now.minus(hours, ChronoUnit.HOURS), 200));
    store(Duration.ofDays(7), Long.MAX_VALUE).write(calls);
    long perPartition =
        scalar(
            "select pg_total_relation_size('slipway.calls_" + partitionOf(now).substring(6) + "')");
    // room for about two partitions: the two oldest go
    store(Duration.ofDays(7), perPartition * 2 + perPartition / 2).prune();
    assertThat(scalar("select count(*) from slipway.calls where request_id ~ '^h[32]-'")).isZero();
    assertThat(scalar("select count(*) from slipway.calls where request_id like 'h1-%'"))
        .isEqualTo(50);
    assertThat(scalar("select count(*) from slipway.calls where request_id like 'h0-%'"))
        .isEqualTo(50);
    // however small the cap, the current hour stays
    store(Duration.ofDays(7), 1).prune();
    assertThat(scalar("select count(*) from slipway.calls")).isEqualTo(50);
  }

  @Test
  void two_instances_pruning_at_once_delete_the_calls_over_the_cap_once() throws Exception {
    var calls = new ArrayList<CallRecord>();
    for (int i = 0; i < 1_500; i++) calls.add(call("c-" + i, now.minusMillis(1_500 - i), 200));
    store(Duration.ofDays(7), Long.MAX_VALUE).write(calls);
    var cap =
        new CallStore.Retention(Duration.ofDays(7), 1_000, Long.MAX_VALUE, Duration.ofDays(400));
    // two instances' stores, each pruning on a thread of its own at the same moment
    var start = new java.util.concurrent.CountDownLatch(1);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      var prunes = new ArrayList<java.util.concurrent.Future<Object>>();
      for (int instance = 0; instance < 2; instance++) {
        var store = new CallStore(platform, cap, org -> true, Clock.fixed(now, ZoneOffset.UTC));
        prunes.add(
            pool.submit(
                () -> {
                  start.await();
                  store.prune();
                  return null;
                }));
      }
      start.countDown();
      for (var prune : prunes) prune.get();
    } finally {
      pool.shutdown();
    }
    assertThat(scalar("select count(*) from slipway.calls")).isEqualTo(1_000);
    assertThat(scalar("select count(*) from slipway.calls where request_id = 'c-499'")).isZero();
    assertThat(scalar("select count(*) from slipway.calls where request_id = 'c-500'")).isOne();
  }

  @Test
  void a_prune_that_kept_the_calls_cap_says_so_and_the_next_has_nothing_to_drop() throws Exception {
    var cap =
        new CallStore.Retention(Duration.ofDays(7), 1_000, Long.MAX_VALUE, Duration.ofDays(400));
    var store = new CallStore(platform, cap, org -> true, Clock.fixed(now, ZoneOffset.UTC));
    var calls = new ArrayList<CallRecord>();
    for (int i = 0; i < 1_200; i++) calls.add(call("p-" + i, now.minusMillis(1_200 - i), 200));
    store.write(calls.subList(0, 900));
    assertThat(store.prune()).isFalse();
    store.write(calls.subList(900, 1_200));
    assertThat(store.prune()).isTrue();
    assertThat(scalar("select count(*) from slipway.calls")).isEqualTo(1_000);
    assertThat(scalar("select count(*) from slipway.calls where request_id = 'p-199'")).isZero();
    assertThat(scalar("select count(*) from slipway.calls where request_id = 'p-200'")).isOne();
    assertThat(store.prune()).isFalse();
    assertThat(scalar("select count(*) from slipway.calls")).isEqualTo(1_000);
  }

  @Test
  void the_recorder_keeps_serving_and_counts_what_a_failed_database_did_not_take()
      throws Exception {
    var store = store(Duration.ofDays(7), Long.MAX_VALUE);
    var out = new ByteArrayOutputStream();
    try (var log = new CallLog(64, CallLog.Level.NONE, out, store)) {
      log.record(call("before", now, 200));
      awaitStats(log, stats -> stats.kept() == 1);
      database.execute("alter table slipway.calls rename to calls_away");
      for (int i = 0; i < 20; i++) log.record(call("down-" + i, now, 500));
      awaitStats(log, stats -> stats.notKept() >= 20);
      database.execute("alter table slipway.calls_away rename to calls");
      log.record(call("after", now, 200));
      awaitStats(log, stats -> stats.kept() == 2);
      assertThat(log.stats().notKept()).isEqualTo(20);
    }
    // the calls not kept were still summed: the rollups count every call
    assertThat(
            scalar(
                "select sum(calls) from slipway.call_rollups where grain = 'hour' and endpoint = 'x'"))
        .isEqualTo(22);
    assertThat(scalar("select sum(status_5xx) from slipway.call_rollups where grain = 'minute'"))
        .isEqualTo(20);
    assertThat(scalar("select count(*) from slipway.calls")).isEqualTo(2);
  }

  @Test
  void a_stalled_database_never_holds_a_caller_and_the_calls_it_missed_are_counted()
      throws Exception {
    var store = store(Duration.ofDays(7), Long.MAX_VALUE);
    try (var log = new CallLog(256, CallLog.Level.NONE, new ByteArrayOutputStream(), store);
        var lock = keptOneThenLocked(log)) {
      long started = System.nanoTime();
      for (int i = 0; i < 10_000; i++) log.record(call("stalled-" + i, now, 200));
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
      lock.rollback();
      awaitStats(log, stats -> stats.backlog() == 0);
      // the ring overflowed (10,000 calls at once into 256), and every call is accounted for
      var stats = log.stats();
      assertThat(stats.fellBehind()).isGreaterThan(9_000);
      assertThat(stats.kept() + stats.notKept() + stats.fellBehind()).isEqualTo(10_001);
    }
  }

  @Test
  void calls_wait_for_a_slow_database_beside_the_ring_and_are_all_kept_once_it_answers()
      throws Exception {
    var store = store(Duration.ofDays(7), Long.MAX_VALUE);
    int ring = 64;
    try (var log = new CallLog(ring, CallLog.Level.NONE, new ByteArrayOutputStream(), store);
        var lock = keptOneThenLocked(log)) {
      // for 1.5 s the database answers nothing, while six rings of calls come, a quarter of a
      // ring at a time
      int slow = ring * 6;
      for (int i = 0; i < slow; i++) {
        log.record(call("slow-" + i, now, 200));
        if (i % (ring / 4) == ring / 4 - 1) Thread.sleep(60);
      }
      assertThat(log.stats().backlog()).isGreaterThan(ring);
      lock.rollback();
      awaitStats(log, stats -> stats.backlog() == 0);
      assertThat(log.stats().fellBehind()).isZero();
      assertThat(log.stats().notKept()).isZero();
      assertThat(log.stats().kept()).isEqualTo(1 + slow);
    }
    assertThat(scalar("select count(*) from slipway.calls")).isEqualTo(1 + 6 * 64);
  }

  @Test
  void calls_past_the_backlog_a_stalled_database_leaves_are_counted_not_kept() throws Exception {
    var store = store(Duration.ofDays(7), Long.MAX_VALUE);
    int ring = 32;
    long backlog = (long) ring * CallLog.BACKLOG_RINGS;
    try (var log = new CallLog(ring, CallLog.Level.NONE, new ByteArrayOutputStream(), store);
        var lock = keptOneThenLocked(log)) {
      int calls = (int) backlog * 2;
      for (int i = 0; i < calls; i++) {
        log.record(call("stalled-" + i, now, 200));
        if (i % (ring / 4) == ring / 4 - 1) Thread.sleep(25);
      }
      // every call handed over (or turned away) before the database answers again: the backlog
      // also counts the calls the writer has not taken from the ring yet
      awaitStats(log, stats -> stats.notKept() == calls - backlog);
      lock.rollback();
      awaitStats(log, stats -> stats.backlog() == 0);
      var stats = log.stats();
      assertThat(stats.fellBehind()).isZero();
      assertThat(stats.notKept()).isEqualTo(calls - backlog);
      // the batch the keeper was writing while the lock held, and the batches behind it
      assertThat(stats.kept()).isEqualTo(1 + backlog);
    }
  }

  @Test
  void a_partition_that_is_missing_is_made_and_a_query_by_a_bad_org_sees_nothing()
      throws Exception {
    var store = store(Duration.ofDays(7), Long.MAX_VALUE);
    store.write(List.of(call("later", now.plus(5, ChronoUnit.HOURS), 200)));
    assertThat(store.search(1, CallQuery.ALL, 10)).hasSize(1);
    assertThat(store.search(2, CallQuery.ALL, 10)).isEmpty();
    assertThatThrownBy(
            () ->
                database.execute(
                    "insert into slipway.calls (org_id, at, request_id, method, path, endpoint, version, release_id, status, duration_us) values (1, now() - interval '30 days', 'x', 'GET', '/', 'x', 1, 1, 200, 1)"))
        .as("no partition holds a month ago")
        .rootCause()
        .hasMessageContaining("no partition");
  }

  /**
   * Has {@code log} keep one call, then locks the call log's table until the returned connection
   * rolls back: the database answers nothing meanwhile.
   */
  private java.sql.Connection keptOneThenLocked(CallLog log) throws Exception {
    log.record(call("warm", now, 200));
    awaitStats(log, stats -> stats.kept() == 1);
    var lock = database.connect();
    lock.setAutoCommit(false);
    lock.createStatement().execute("lock table slipway.calls in access exclusive mode");
    return lock;
  }

  private static String partitionOf(Instant at) {
    return "calls_"
        + java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHH")
            .withZone(ZoneOffset.UTC)
            .format(at);
  }

  private static void awaitStats(CallLog log, java.util.function.Predicate<CallLog.Stats> done)
      throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!done.test(log.stats())) {
      assertThat(System.nanoTime()).as("within 20 s: " + log.stats()).isLessThan(until);
      Thread.sleep(20);
    }
  }
}
