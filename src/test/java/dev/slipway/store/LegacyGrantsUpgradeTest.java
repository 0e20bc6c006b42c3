package dev.slipway.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestOrg;
import dev.slipway.testing.TestSlipway;
import org.junit.jupiter.api.Test;

/**
 * A database from before per-org logins, where every org's SQL ran as the shared role {@code
 * slipway_caller}, is upgraded in place when Slipway starts: what that role was granted goes to the
 * org whose it is, and nothing is lost.
 */
class LegacyGrantsUpgradeTest {

  @Test
  void the_legacy_roles_grants_move_to_the_orgs_that_own_them_and_the_data_stays()
      throws Exception {
    try (var database = new TestDatabase()) {
      long other;
      try (var slipway = TestSlipway.start(database)) {
        other = TestOrg.create(slipway, database, "other").id();
      }
      // as an earlier Slipway left it: create-endpoint made work.tasks for the other org (the audit
      // log says so) and granted it to slipway_caller, with a policy naming that role
      database.execute(
          """
          create schema work;
          create table work.tasks (id int primary key, title text, owner text);
          insert into work.tasks values (1, 'kept', 'alice'), (2, 'kept too', 'bob');
          alter table work.tasks enable row level security;
          create policy own_tasks on work.tasks to slipway_caller
            using (owner = current_setting('request.jwt.claims', true)::json ->> 'sub');
          grant usage on schema work to slipway_caller;
          grant select, insert, update, delete on work.tasks to slipway_caller;
          create schema legacy;
          create table legacy.notes (id int primary key, body text);
          grant usage on schema legacy to slipway_caller;
          grant select on legacy.notes to slipway_caller;
          insert into slipway.audit_log (org_id, actor, action, target, outcome)
            values (%d, 'key:1 (ci)', 'template.migrate', 'crud-endpoint:work.tasks', 'success');
          """
              .formatted(other));

      try (var slipway = TestSlipway.start(database)) {
        String defaultLogin = slipway.orgLogin();
        String otherLogin = defaultLogin.substring(0, defaultLogin.lastIndexOf('_') + 1) + other;
        assertThat(privileges(database, "work.tasks", otherLogin))
            .isEqualTo("DELETE,INSERT,SELECT,UPDATE");
        assertThat(privileges(database, "work.tasks", defaultLogin))
            .as("another org's table")
            .isEmpty();
        assertThat(privileges(database, "legacy.notes", defaultLogin))
            .as("the rest goes to the default org")
            .isEqualTo("SELECT");
        assertThat(privileges(database, "app.projects", defaultLogin))
            .as("the demo schema")
            .contains("SELECT");
        assertThat(
                database.scalar(
                    "select count(*) from pg_class, aclexplode(relacl) a where a.grantee = 'slipway_caller'::regrole"))
            .as("no table left granted to the legacy role")
            .isEqualTo(0L);
        assertThat(
                database.scalar(
                    "select array_to_string(array(select r::regrole::text from pg_policy, unnest(polroles) r "
                        + "where polname = 'own_tasks'), ',')"))
            .isEqualTo(otherLogin);
        assertThat(database.scalar("select string_agg(title, ',' order by id) from work.tasks"))
            .isEqualTo("kept,kept too");
        assertThat(
                database.scalar(
                    "select count(*) from pg_namespace, aclexplode(nspacl) a "
                        + "where a.grantee = 'slipway_caller'::regrole"))
            .isEqualTo(0L);
      }
      // a second start finds nothing more to move, and the grants stay where they went
      try (var again = TestSlipway.start(database)) {
        assertThat(
                privileges(
                    database, "work.tasks", again.orgLogin().replaceFirst("_1$", "_" + other)))
            .isEqualTo("DELETE,INSERT,SELECT,UPDATE");
      }
    }
  }

  /** What {@code login} was granted on {@code table}, sorted and comma-separated. */
  private static String privileges(TestDatabase database, String table, String login) {
    return (String)
        database.scalar(
            "select coalesce(string_agg(a.privilege_type, ',' order by a.privilege_type), '') "
                + "from pg_class t, aclexplode(t.relacl) a where t.oid = '"
                + table
                + "'::regclass and a.grantee = '"
                + login
                + "'::regrole");
  }
}
