package dev.slipway.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which SQL may leave something on its session for the next request: never missed, plain statements
 * let through.
 */
class SessionEffectsTest {

  @Test
  void plain_queries_and_writes_leave_nothing() {
    for (String sql :
        List.of(
            "select id, name from app.projects where id = ?",
            "  -- a comment\n/* another */ (select 1) union (select 2)",
            "with recent as (select * from app.activity order by created_at desc limit 10) select count(*) from recent",
            "insert into app.projects (org_id, name, status) values (?, ?, 'active') returning id",
            "insert into t values (1) on conflict (id) do update set n = t.n + 1",
            "update app.projects set name = ? where id = ? returning *",
            "delete from app.projects where id = ?",
            "values (1), (2)",
            "table app.projects",
            "merge into t using s on t.id = s.id when matched then update set n = s.n",
            "select current_setting('request.jwt.claims', true)",
            "select nextval('app.activity_id_seq')")) {
      assertThat(SessionEffects.mayChange(sql)).as(sql).isFalse();
    }
  }

  @Test
  void anything_that_may_change_the_session_is_caught() {
    for (String sql :
        List.of(
            "set search_path = nowhere",
            "SET LOCAL statement_timeout = 0",
            "reset all",
            "select set_config('request.jwt.claims', '{}', false)",
            "select pg_catalog.\"set_config\"('x.y', 'z', false)",
            "select U&\"set\\005fconfig\"('x.y', 'z', false)",
            "select 1; set app.flag = 'x'",
            "select 1 /* ; */ ; /* leading */ set app.flag = 'x'",
            "select 1;\n-- a comment\nset role none",
            "/* a /* nested */ comment */ set app.flag = 'x'",
            "do $$ begin perform set_config('a.b', 'c', false); end $$",
            "do $$ begin execute 'se' || 't a.b = ''c'''; end $$",
            "call app.proc()",
            "create temp table t (id int)",
            "create temporary table t as select 1",
            "select * into temp t from app.projects",
            "with x as (select 1) select * into t2 from x",
            "select pg_advisory_lock(1)",
            "select pg_try_advisory_lock_shared(1)",
            "prepare p as select 1",
            "declare c cursor with hold for select 1",
            "listen channel",
            "discard all",
            "load 'plugin'",
            "copy app.projects to stdout",
            "explain analyze select 1",
            "alter role current_user set statement_timeout = 0",
            "select * from pg_temp.t",
            "select ';'; set app.flag = 'x'",
            "$$x$$")) {
      assertThat(SessionEffects.mayChange(sql)).as(sql).isTrue();
    }
  }
}
