package dev.slipway.store;

import dev.slipway.ops.CallKeeper;
import dev.slipway.ops.CallRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The kept call log ({@code slipway.calls}, migration V10): batches of calls written in one
 * statement each, read back newest first, and pruned to what the settings keep.
 */
public final class CallStore implements CallKeeper {
  private final PlatformTransactions platform;
  private final Duration keepFor;
  private final long keepCalls;

  /** Keeps calls for {@code keepFor}, and at most the newest {@code keepCalls} of them. */
  public CallStore(PlatformTransactions platform, Duration keepFor, long keepCalls) {
    this.platform = platform;
    this.keepFor = keepFor;
    this.keepCalls = keepCalls;
  }

  /** Writes the calls of orgs' endpoints among {@code calls}, in one statement. */
  @Override
  public void write(List<CallRecord> calls) throws SQLException {
    var kept = calls.stream().filter(call -> call.orgId() != 0 && call.endpoint() != null).toList();
    if (kept.isEmpty()) return;
    int n = kept.size();
    var orgs = new Long[n];
    var at = new Timestamp[n];
    var requestIds = new String[n];
    var methods = new String[n];
    var paths = new String[n];
    var endpoints = new String[n];
    var versions = new Integer[n];
    var releases = new Long[n];
    var statuses = new Integer[n];
    var durations = new Long[n];
    var errors = new String[n];
    for (int i = 0; i < n; i++) {
      CallRecord call = kept.get(i);
      orgs[i] = call.orgId();
      at[i] = Timestamp.from(call.at());
      requestIds[i] = call.requestId();
      methods[i] = call.method();
      paths[i] = call.path();
      endpoints[i] = call.endpoint();
      versions[i] = call.version();
      releases[i] = call.releaseId();
      statuses[i] = call.status();
      durations[i] = call.durationMicros();
      errors[i] = call.error();
    }
    platform.system(
        c -> {
          try (var ps =
              c.prepareStatement(
                  """
          insert into slipway.calls (org_id, at, request_id, method, path, endpoint, version, release_id, status, duration_us, error)
          select * from unnest(?::bigint[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::bigint[],
                               ?::smallint[], ?::bigint[], ?::text[])""")) {
            ps.setArray(1, c.createArrayOf("bigint", orgs));
            ps.setArray(2, c.createArrayOf("timestamptz", at));
            ps.setArray(3, c.createArrayOf("text", requestIds));
            ps.setArray(4, c.createArrayOf("text", methods));
            ps.setArray(5, c.createArrayOf("text", paths));
            ps.setArray(6, c.createArrayOf("text", endpoints));
            ps.setArray(7, c.createArrayOf("int4", versions));
            ps.setArray(8, c.createArrayOf("bigint", releases));
            ps.setArray(9, c.createArrayOf("int4", statuses));
            ps.setArray(10, c.createArrayOf("bigint", durations));
            ps.setArray(11, c.createArrayOf("text", errors));
            return ps.executeUpdate();
          }
        });
  }

  @Override
  public List<CallRecord> recent(long org, int limit) throws SQLException {
    return platform.inOrg(org, c -> recent(c, org, limit));
  }

  private static List<CallRecord> recent(Connection c, long org, int limit) throws SQLException {
    try (var ps =
        c.prepareStatement(
            """
        select at, request_id, method, path, endpoint, version, release_id, status, duration_us, error
        from slipway.calls where org_id = ? order by id desc limit ?""")) {
      ps.setLong(1, org);
      ps.setInt(2, limit);
      try (var rs = ps.executeQuery()) {
        var calls = new ArrayList<CallRecord>();
        while (rs.next()) {
          calls.add(
              new CallRecord(
                  rs.getTimestamp(1).toInstant(),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getInt(6),
                  org,
                  rs.getLong(7),
                  rs.getInt(8),
                  rs.getLong(9),
                  rs.getString(10)));
        }
        return calls;
      }
    }
  }

  /** Deletes the calls older than kept, and all but the newest that many. */
  @Override
  public void prune() throws SQLException {
    platform.system(
        c -> {
          try (var ps =
              c.prepareStatement(
                  """
          delete from slipway.calls
          where at < now() - ? * interval '1 second'
             or id <= (select max(id) from slipway.calls) - ?""")) {
            ps.setLong(1, keepFor.toSeconds());
            ps.setLong(2, keepCalls);
            return ps.executeUpdate();
          }
        });
  }
}
