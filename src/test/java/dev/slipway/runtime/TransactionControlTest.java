package dev.slipway.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import org.junit.jupiter.api.Test;

/**
 * SQL that would end Slipway's own transaction, and so keep what a preview or {@code /api/execute}
 * promises to roll back, is refused: at save for a step, and when a script sends it to {@code
 * ctx.db.query}.
 */
@ServerTest
class TransactionControlTest {
  private static TestDatabase database;
  private static TestSlipway slipway;

  @Test
  void a_step_that_commits_is_not_saved() {
    Reply reply =
        slipway.control(
            "POST",
            "/api/endpoints",
            "{\"name\": \"sneaky\", \"method\": \"POST\", \"path\": \"/api/sneaky\", \"steps\": [{\"id\":"
                + " \"s\", \"sql\": \"insert into app.teams (name) values ('kept'); commit\","
                + " \"expect\": \"none\"}]}",
            "application/json");
    assertThat(reply.status()).isEqualTo(422);
    assertThat(reply.errorPaths()).contains("/steps/0/sql");
  }

  @Test
  void a_script_that_commits_the_rolled_back_transaction_keeps_nothing() {
    slipway.awaitSandboxWorkers();
    Reply reply =
        slipway.control(
            "POST",
            "/api/execute",
            "{\"code\": \"await ctx.db.query(\\\"insert into app.teams (name) values ('kept-by-commit')"
                + " returning id\\\"); await ctx.db.query('commit'); return 1;\"}",
            "application/json");
    assertThat(reply.body()).contains("controls the transaction");
    assertThat(database.scalar("select count(*) from app.teams where name = 'kept-by-commit'"))
        .isEqualTo(0L);
  }
}
