package dev.slipway.generate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.testing.FakeModelServer;
import dev.slipway.testing.FakeModelServer.Status;
import dev.slipway.testing.FakeModelServer.Text;
import dev.slipway.testing.FakeModelServer.ToolCall;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Generation with a model: a real Slipway configured for Anthropic's Messages API and another for
 * an OpenAI-compatible API, both pointed at a fake provider on loopback that speaks their wire
 * protocols and answers from a script: good proposals, a table that does not exist, SQL built from
 * strings, failing tests, answers that are no proposal, a rate limit and an outage. Every check and
 * the repair loop run end to end; nothing leaves the machine.
 */
class ModelGenerationTest {
  private static FakeModelServer model;
  private static TestDatabase database;
  private static TestSlipway anthropic;
  private static TestSlipway openAi;

  @BeforeAll
  static void start() throws Exception {
    model = new FakeModelServer();
    database = new TestDatabase();
    anthropic =
        TestSlipway.start(
            database.url(),
            null,
            Map.of(
                "SLIPWAY_AI_PROVIDER", "anthropic",
                "SLIPWAY_AI_BASE_URL", model.anthropicUrl(),
                "SLIPWAY_AI_API_KEY", "test-key",
                "SLIPWAY_AI_MAX_RETRIES", "1",
                "SLIPWAY_AI_INPUT_PRICE", "3",
                "SLIPWAY_AI_OUTPUT_PRICE", "15",
                "SLIPWAY_SANDBOX", "in-process"));
    openAi =
        TestSlipway.start(
            database.url(),
            null,
            Map.of(
                "SLIPWAY_AI_PROVIDER", "openai",
                "SLIPWAY_AI_BASE_URL", model.openAiUrl(),
                "SLIPWAY_AI_MODEL", "local-model",
                "SLIPWAY_AI_MAX_RETRIES", "0",
                "SLIPWAY_SANDBOX", "in-process"));
  }

  @AfterAll
  static void stop() {
    openAi.close();
    anthropic.close();
    database.close();
    model.close();
  }

  private static final String PROPOSAL = FakeModelServer.PROJECTS_BY_STATUS;

  private static JsonNode proposal(String from, String to) {
    return Json.parse(PROPOSAL.replace(from, to));
  }

  /** The proposal with its one step a script that builds its SQL from strings. */
  private static JsonNode stringBuiltSql() {
    ObjectNode proposal = (ObjectNode) Json.parse(PROPOSAL);
    ObjectNode spec = (ObjectNode) proposal.path("specs").get(0);
    spec.putArray("steps")
        .addObject()
        .put("id", "rows")
        .put(
            "script",
            "const r = await ctx.db.query(\"select id, name, status from app.projects where status = '\" +"
                + " (ctx.input.query.status ?? 'active') + \"' limit 20\"); return r.rows;");
    spec.remove("response");
    return proposal;
  }

  private static Reply generate(TestSlipway slipway, String body) {
    return slipway.control("POST", "/api/generate-endpoint", body, "application/json");
  }

  private static final String ASK = "{\"description\": \"projects filtered by status\"}";

  @Test
  void a_good_proposal_is_saved_tested_and_its_tokens_counted() {
    model.script(new ToolCall(Json.parse(PROPOSAL)));
    Reply reply = generate(anthropic, ASK);
    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    JsonNode answer = reply.json();
    assertThat(answer.path("rounds").size()).isEqualTo(1);
    assertThat(answer.path("testResults").findValues("passed")).allMatch(JsonNode::asBoolean);
    assertThat(answer.path("checks").findValues("passed")).allMatch(JsonNode::asBoolean);
    assertThat(answer.path("usage").path("model").asText()).isEqualTo("claude-fake");
    assertThat(answer.path("usage").path("inputTokens").asLong()).isEqualTo(1200);
    // 1,200 tokens in at $3 and 300 out at $15 a million
    assertThat(answer.path("usage").path("costUsd").decimalValue()).isEqualByComparingTo("0.0081");
    assertThat(model.keys()).containsExactly("test-key");
    assertThat(answer.path("explanation").asText())
        .isEqualTo("Lists projects, filtered by status.");
    assertThat(
            database.scalar("select count(*) from slipway.model_usage where model = 'claude-fake'"))
        .isNotEqualTo(0L);
    JsonNode sent = model.requests().getFirst();
    assertThat(sent.path("tool_choice").path("name").asText()).isEqualTo("propose_endpoints");
    assertThat(sent.path("tools").get(0).path("input_schema").path("properties").has("specs"))
        .isTrue();
    String prompt = sent.path("messages").toString();
    assertThat(prompt).contains("app.projects").contains("status");
    // metadata only: no row of the demo data reaches the model
    assertThat(prompt).doesNotContain("Project 1").doesNotContain("member1@example.com");
  }

  @Test
  void failed_checks_go_back_to_the_model_until_a_proposal_passes() {
    model.script(
        new ToolCall(proposal("from app.projects", "from app.projectz")),
        new ToolCall(stringBuiltSql()),
        new Text("I am not sure what you want."),
        new ToolCall(Json.parse(PROPOSAL)));
    Reply reply =
        generate(
            anthropic,
            "{\"description\": \"projects filtered by status\"}"
                .replace("}", ", \"context\": {}}"));
    // three rounds by default: the third (a text answer) fails too, so the best saved one is kept
    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    JsonNode rounds = reply.json().path("rounds");
    assertThat(rounds.size()).isEqualTo(3);
    assertThat(rounds.get(0).path("checks").toString()).contains("projectz");
    assertThat(rounds.get(1).path("checks").toString()).contains("builds SQL from strings");
    assertThat(rounds.get(2).path("checks").toString()).contains("did not call propose_endpoints");
    var requests = model.requests();
    assertThat(requests).hasSize(3);
    assertThat(requests.get(1).path("messages").toString()).contains("projectz");
    assertThat(requests.get(2).path("messages").toString()).contains("builds SQL from strings");
    // the best proposal that saved is what the answer shows; its finding keeps a deploy away
    assertThat(reply.json().path("checks").toString()).contains("builds SQL from strings");
    model.script(new ToolCall(stringBuiltSql()), new ToolCall(Json.parse(PROPOSAL)));
    Reply repaired = generate(anthropic, ASK.replace("}", ", \"deploy\": true}"));
    assertThat(repaired.status()).as(repaired.toString()).isEqualTo(201);
    assertThat(repaired.json().path("rounds").size()).isEqualTo(2);
    assertThat(repaired.json().path("release").path("live").asBoolean()).isTrue();
  }

  @Test
  void failing_tests_block_a_deploy_and_a_proposal_that_never_saves_is_a_422() {
    JsonNode wrongTest = proposal("\"status\": 401}", "\"status\": 201}");
    model.script(new ToolCall(wrongTest), new ToolCall(wrongTest), new ToolCall(wrongTest));
    Reply reply = generate(anthropic, ASK.replace("}", ", \"deploy\": true}"));
    assertThat(reply.status()).isEqualTo(422);
    assertThat(reply.json().path("code").asText()).isEqualTo("tests_failed");
    JsonNode missing = proposal("from app.projects", "from app.projectz");
    model.script(new ToolCall(missing), new ToolCall(missing), new ToolCall(missing));
    Reply never = generate(anthropic, ASK);
    assertThat(never.status()).isEqualTo(422);
    assertThat(never.json().path("code").asText()).isEqualTo("generation_failed");
    assertThat(never.errorPaths()).contains("/rounds/0", "/rounds/2");
  }

  @Test
  void a_rate_limit_is_retried_and_an_outage_is_a_502() {
    model.script(
        new Status(
            429,
            "{\"type\": \"error\", \"error\": {\"type\": \"rate_limit_error\", \"message\": \"slow down\"}}"),
        new ToolCall(Json.parse(PROPOSAL)));
    assertThat(generate(anthropic, ASK).status()).isEqualTo(201);
    assertThat(model.requests()).hasSize(2);
    model.script(
        new Status(
            500,
            "{\"type\": \"error\", \"error\": {\"type\": \"api_error\", \"message\": \"down\"}}"),
        new Status(
            500,
            "{\"type\": \"error\", \"error\": {\"type\": \"api_error\", \"message\": \"down\"}}"));
    Reply down = generate(anthropic, ASK);
    assertThat(down.status()).isEqualTo(502);
    assertThat(down.contentType()).startsWith("application/problem+json");
    assertThat(down.json().path("code").asText()).isEqualTo("model_unavailable");
  }

  @Test
  void a_script_that_fetches_what_the_egress_allow_list_refuses_is_a_finding() {
    ObjectNode proposal = (ObjectNode) Json.parse(PROPOSAL);
    ObjectNode spec = (ObjectNode) proposal.path("specs").get(0);
    spec.putArray("steps")
        .addObject()
        .put("id", "rows")
        .put(
            "script",
            "const r = await ctx.fetch('http://169.254.169.254/latest/meta-data/'); return [];");
    spec.remove("response");
    model.script(new ToolCall(proposal), new ToolCall(proposal), new ToolCall(proposal));
    Reply reply = generate(anthropic, ASK);
    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    assertThat(reply.json().path("checks").toString())
        .contains("fetches http://169.254.169.254/latest/meta-data/")
        .contains("egress allow-list refuses");
  }

  @Test
  void a_proposal_more_open_than_asked_or_unscoped_is_a_finding_and_the_model_sees_no_row() {
    JsonNode open = proposal("\"auth\": {\"mode\": \"apiKey\"}", "\"auth\": \"public\"");
    JsonNode failing = proposal("\"status\": 401}", "\"status\": 201}");
    model.script(new ToolCall(open), new ToolCall(failing), new ToolCall(Json.parse(PROPOSAL)));
    Reply reply =
        generate(
            anthropic,
            "{\"description\": \"projects filtered by status\", \"context\": {\"orgId\": \"active organization\"}}");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    JsonNode rounds = reply.json().path("rounds");
    assertThat(rounds.get(0).path("checks").toString())
        .contains("/auth is public, but the request asked for apiKey")
        .contains("never read auth.claims.org_id");
    // a failed test goes back as its statuses only, never its detail (which may quote a row)
    String second = model.requests().get(2).path("messages").toString();
    assertThat(second).contains("test 'needs a key': expected status 201, got 401");
    assertThat(second).doesNotContain("Project 1");
  }

  @Test
  void an_org_that_keeps_its_own_key_as_a_secret_is_asked_with_it() {
    Reply put =
        anthropic.control(
            "PUT", "/api/secrets/AI_API_KEY", "{\"value\": \"org-own-key\"}", "application/json");
    assertThat(put.status()).as(put.toString()).isIn(200, 201);
    try {
      model.script(new ToolCall(Json.parse(PROPOSAL)));
      assertThat(generate(anthropic, ASK).status()).isEqualTo(201);
      assertThat(model.keys()).containsExactly("org-own-key");
    } finally {
      anthropic.control("DELETE", "/api/secrets/AI_API_KEY");
    }
  }

  @Test
  void an_openai_compatible_server_is_asked_the_same_way() {
    model.script(
        new ToolCall(proposal("from app.projects", "from app.projectz")),
        new ToolCall(Json.parse(PROPOSAL)));
    Reply reply = generate(openAi, ASK);
    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    assertThat(reply.json().path("rounds").size()).isEqualTo(2);
    assertThat(reply.json().path("usage").path("inputTokens").asLong()).isEqualTo(1800);
    JsonNode sent = model.requests().getFirst();
    assertThat(sent.path("model").asText()).isEqualTo("local-model");
    assertThat(sent.path("tool_choice").path("function").path("name").asText())
        .isEqualTo("propose_endpoints");
    assertThat(
            sent.path("tools")
                .get(0)
                .path("function")
                .path("parameters")
                .path("properties")
                .has("tests"))
        .isTrue();
  }
}
