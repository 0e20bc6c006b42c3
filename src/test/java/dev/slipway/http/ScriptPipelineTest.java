package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.problem.Problems;
import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pipelines whose scripts run in the sandbox workers: the request's thread hands off at the first
 * script and the rest goes on elsewhere, yet every step works in the one transaction of the
 * request, committed only when all of it succeeds.
 */
@ServerTest
class ScriptPipelineTest {
  private static TestDatabase database;
  private static TestSlipway slipway;

  private static final String ENDPOINT =
      """
      name: log-twice
      method: POST
      path: /api/log-twice
      input:
        body:
          type: object
          required: [actor]
          properties: { actor: { type: string }, fail: { type: boolean } }
      steps:
        - id: first
          script: |
            await ctx.db.query("insert into app.activity (actor, action) values (:actor, 'first')", { actor: ctx.input.body.actor });
            return { logged: 'first' };
        - id: second
          sql: insert into app.activity (actor, action) values (:actor, 'second') returning action
          params: { actor: "${input.body.actor}" }
          expect: one
        - id: count
          script: |
            const rows = await ctx.db.query('select count(*)::int as n from app.activity where actor = :actor', { actor: ctx.input.body.actor });
            if (ctx.input.body.fail) throw new Error('asked to fail after ' + rows[0].n + ' rows');
            return { seen: rows[0].n, first: ctx.steps.first.logged, second: ctx.steps.second.row.action };
      response:
        body: "${steps.count}"
      """;

  @BeforeAll
  static void start() throws Exception {
    slipway.save(ENDPOINT);
    slipway.deploy("{}");
  }

  private static Reply call(String actor, boolean fail) {
    return slipway.data(
        "POST",
        "/api/log-twice",
        "{\"actor\": \"" + actor + "\", \"fail\": " + fail + "}",
        "application/json");
  }

  private static long rowsOf(String actor) {
    return (Long)
        database.scalar("select count(*) from app.activity where actor = '" + actor + "'");
  }

  @Test
  void scripts_and_a_sql_step_between_them_share_one_transaction_that_commits() {
    Reply reply = call("ada", false);
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    assertThat(reply.json().path("seen").asInt())
        .as("the last script sees both rows before the commit")
        .isEqualTo(2);
    assertThat(reply.json().path("first").asText()).isEqualTo("first");
    assertThat(reply.json().path("second").asText()).isEqualTo("second");
    assertThat(rowsOf("ada")).isEqualTo(2);
  }

  @Test
  void a_script_failing_after_the_hand_off_rolls_back_what_the_earlier_steps_wrote() {
    Reply reply = call("bob", true);
    assertThat(reply.status()).as(reply.toString()).isEqualTo(500);
    assertThat(reply.contentType()).startsWith(Problems.CONTENT_TYPE);
    assertThat(rowsOf("bob")).isZero();
  }

  @Test
  void concurrent_calls_each_see_only_their_own_transaction() throws Exception {
    try (var clients = Executors.newFixedThreadPool(16)) {
      List<Future<Reply>> replies = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        String actor = "many-" + i;
        boolean fail = i % 4 == 3;
        replies.add(clients.submit(() -> call(actor, fail)));
      }
      for (int i = 0; i < replies.size(); i++) {
        Reply reply = replies.get(i).get();
        if (i % 4 == 3) {
          assertThat(reply.status()).as(reply.toString()).isEqualTo(500);
          assertThat(rowsOf("many-" + i)).isZero();
        } else {
          assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
          assertThat(reply.json().path("seen").asInt()).isEqualTo(2);
          assertThat(rowsOf("many-" + i)).isEqualTo(2);
        }
      }
    }
  }
}
