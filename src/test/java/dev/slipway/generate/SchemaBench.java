package dev.slipway.generate;

import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How long {@code GET /api/schema} takes on a database of many tables, through a real Slipway:
 * {@code tables} tables in ten schemas, each with a key, a foreign key to the table before it in
 * its schema, a unique and a check constraint, an index and eight columns, all granted to the
 * default org's login; then the whole schema and the tables a description is about, each {@code
 * runs} times. Run by {@code bench/ai/schema.sh}; not a test.
 */
public final class SchemaBench {

  public static void main(String[] args) throws Exception {
    int tables = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    try (var database = new TestDatabase();
        var slipway = TestSlipway.start(database)) {
      String login = slipway.orgLogin();
      var ddl = new StringBuilder();
      for (int s = 0; s < 10; s++) ddl.append("create schema wide").append(s).append(";\n");
      for (int t = 0; t < tables; t++) {
        String schema = "wide" + (t % 10);
        String name = schema + ".entity_" + t;
        ddl.append("create table ")
            .append(name)
            .append(" (id bigint primary key, code text not null unique, name text not null,")
            .append(
                " status text not null check (status in ('new', 'done')), amount numeric(12,2),")
            .append(" created_at timestamptz not null default now(), note text, parent_id bigint");
        if (t >= 10) ddl.append(" references ").append(schema).append(".entity_").append(t - 10);
        ddl.append(");\ncreate index on ").append(name).append(" (status, created_at);\n");
      }
      for (int s = 0; s < 10; s++) {
        ddl.append("grant usage on schema wide")
            .append(s)
            .append(" to ")
            .append(login)
            .append("; grant select, insert, update, delete on all tables in schema wide")
            .append(s)
            .append(" to ")
            .append(login)
            .append(";\n");
      }
      database.execute(ddl.toString());
      database.execute("analyze");
      String description =
          "list entity 42 rows with their parent entities and the amount by status";
      String matched = "/api/schema?for=" + URLEncoder.encode(description, StandardCharsets.UTF_8);
      report(slipway, "/api/schema", runs, tables);
      report(slipway, matched, runs, tables);
    }
  }

  private static void report(TestSlipway slipway, String path, int runs, int tables) {
    long firstStart = System.nanoTime();
    Reply first = slipway.control("GET", path);
    long firstNanos = System.nanoTime() - firstStart;
    if (first.status() != 200) throw new IllegalStateException(first.toString());
    long[] nanos = new long[runs];
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      Reply reply = slipway.control("GET", path);
      nanos[i] = System.nanoTime() - start;
      if (reply.status() != 200) throw new IllegalStateException(reply.toString());
    }
    Arrays.sort(nanos);
    System.out.printf(
        "GET %s on %d tables (%,d bytes): first %.1f ms; then %d runs: p50 %.1f ms, p95 %.1f ms, max %.1f ms%n",
        path.length() > 40 ? path.substring(0, 40) + "..." : path,
        tables,
        first.body().length(),
        firstNanos / 1e6,
        runs,
        nanos[runs / 2] / 1e6,
        nanos[(int) (runs * 0.95)] / 1e6,
        nanos[runs - 1] / 1e6);
  }
}
