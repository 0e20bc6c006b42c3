package dev.slipway.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.deploy.DraftTests;
import dev.slipway.generate.DatabaseSchema;
import dev.slipway.generate.GenerationRequest;
import dev.slipway.generate.Generator;
import dev.slipway.generate.JoinPaths.Join;
import dev.slipway.generate.Plan;
import dev.slipway.generate.QueryAnalysis;
import dev.slipway.generate.Relevance;
import dev.slipway.generate.SchemaAnalyzer;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.runtime.EndpointResponse;
import dev.slipway.runtime.LiveRouting;
import dev.slipway.runtime.SecretAccessDenied;
import dev.slipway.security.Action;
import dev.slipway.security.Actor;
import dev.slipway.spec.Fixture;
import dev.slipway.spec.TestCase;
import dev.slipway.store.ChatStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Generation from plain language ({@code POST /api/generate-endpoint}), and the schema it reads
 * ({@code GET /api/schema}).
 */
public final class GenerateRoutes implements Routes {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(GenerateRoutes.class);

  /** How many tables {@code ?for=} keeps at most, unless {@code limit} says otherwise. */
  private static final int MATCHED_TABLES = 8;

  private final SchemaAnalyzer analyzer;
  private final Generator generator;
  private final ControlPlaneServer.Gate gate;
  private final LiveRouting live;
  private final ChatStore chats;

  public GenerateRoutes(
      SchemaAnalyzer analyzer,
      Generator generator,
      ControlPlaneServer.Gate gate,
      LiveRouting live,
      ChatStore chats) {
    this.analyzer = analyzer;
    this.generator = generator;
    this.gate = gate;
    this.live = live;
    this.chats = chats;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/api/schema", this::schema, Action.READ);
    // saving drafts and running their tests; deploy: true also takes what deploying takes
    routes.addHttpHandler(HandlerType.POST, "/api/generate-endpoint", this::generate, Action.EDIT);
    routes.addHttpHandler(HandlerType.POST, "/api/chat", this::chat, Action.EDIT);
    routes.addHttpHandler(HandlerType.GET, "/api/chat", this::chats, Action.READ);
    routes.addHttpHandler(HandlerType.GET, "/api/chat/{id}", this::conversation, Action.READ);
  }

  /**
   * What a generation made: the founding contract ({@code code}, {@code tests}, {@code sql}, {@code
   * explanation}) and the drafts, their test results, every check, index suggestions and usage.
   */
  record Generated(
      String code,
      List<ObjectNode> tests,
      String sql,
      String explanation,
      String shape,
      List<String> tables,
      List<String> notes,
      List<ObjectNode> specs,
      List<ObjectNode> fixtures,
      List<Bodies.Version> versions,
      List<DraftTests.Outcome> testResults,
      List<Generator.Check> checks,
      List<QueryAnalysis.Statement> queryPlans,
      List<String> indexSuggestions,
      List<Generator.Round> rounds,
      Generator.Usage usage,
      @JsonInclude(JsonInclude.Include.NON_NULL) Bodies.ReleaseBody release) {}

  private void generate(Context ctx) throws SQLException, JsonProcessingException {
    Actor actor = Api.actor(ctx);
    var request = GenerationRequest.of(Api.jsonBody(ctx));
    if (request.deploy()) gate.require(actor, Action.DEPLOY, "POST /api/generate-endpoint deploy");
    Api.json(ctx, 201, answer(generator.generate(actor, request)));
  }

  /** The answer to a generation, as the route and a chat's result give it. */
  private Generated answer(Generator.Generated generated) throws JsonProcessingException {
    Plan plan = generated.plan();
    var code = new StringBuilder();
    var sql = new ArrayList<String>();
    for (ObjectNode spec : plan.specs()) {
      code.append(Json.YAML.writeValueAsString(spec));
      spec.path("steps")
          .forEach(
              step -> {
                if (step.has("sql")) sql.add(step.get("sql").asText());
              });
    }
    return new Generated(
        code.toString(),
        plan.tests().stream().map(TestCase::json).toList(),
        String.join(";\n\n", sql),
        plan.explanation(),
        plan.shape(),
        plan.tables(),
        plan.notes(),
        plan.specs(),
        plan.fixtures().stream().map(Fixture::json).toList(),
        generated.saved().stream().map(s -> Bodies.Version.of(s.version(), s.created())).toList(),
        generated.results(),
        generated.checks(),
        generated.queryPlans(),
        generated.indexSuggestions(),
        generated.rounds(),
        generated.usage(),
        generated.release().map(release -> Bodies.ReleaseBody.of(release, live)).orElse(null));
  }

  /** Words that open a refinement and say nothing of the endpoint ("add pagination"). */
  private static final java.util.regex.Pattern REFINEMENT =
      java.util.regex.Pattern.compile(
          "^\\s*(please\\s+)?(also|and|now|then|add|make it|let it|with|but)\\s+",
          java.util.regex.Pattern.CASE_INSENSITIVE);

  /** {@code POST /api/chat}: {@code {message, chatId?, context?, deploy?}}. */
  record ChatTurn(String message, Optional<Long> chatId, JsonNode context, boolean deploy) {
    static ChatTurn of(JsonNode body) {
      var violations = new ArrayList<Violation>();
      JsonNode message = body.path("message");
      if (!message.isTextual() || message.asText().isBlank())
        violations.add(new Violation("/message", "must be a non-empty string"));
      JsonNode chat = body.path("chatId");
      if (!chat.isMissingNode() && !chat.canConvertToLong())
        violations.add(new Violation("/chatId", "must be the id of one of your conversations"));
      JsonNode deploy = body.path("deploy");
      if (!deploy.isMissingNode() && !deploy.isBoolean())
        violations.add(new Violation("/deploy", "must be true or false"));
      if (!violations.isEmpty())
        throw ProblemException.unprocessable(
            "invalid_chat_message", "The chat message is not valid.", violations);
      return new ChatTurn(
          message.asText(),
          chat.isMissingNode() ? Optional.empty() : Optional.of(chat.asLong()),
          body.path("context"),
          deploy.asBoolean(false));
    }
  }

  /**
   * {@code POST /api/chat}: one turn of a conversation that creates and refines drafts. The
   * endpoint described so far (the first message, then each refinement) is generated again, and the
   * answer streams as server-sent events: {@code chat} (its id), {@code progress} (each stage),
   * {@code text} (the model's words and the explanation), {@code result} (what {@code POST
   * /api/generate-endpoint} answers) or {@code error} (a problem), then {@code done}. Both turns
   * are kept, so the conversation can be resumed.
   */
  private void chat(Context ctx) throws Exception {
    Actor actor = Api.actor(ctx);
    long org = actor.orgId();
    var owner = owner(actor);
    var turn = ChatTurn.of(Api.jsonBody(ctx));
    if (turn.deploy()) gate.require(actor, Action.DEPLOY, "POST /api/chat deploy");
    long chat;
    var described = new ArrayList<String>();
    JsonNode context = turn.context();
    if (turn.chatId().isPresent()) {
      chat =
          chats
              .find(org, owner, turn.chatId().get())
              .orElseThrow(
                  () ->
                      ProblemException.notFound(
                          "chat_not_found",
                          "You have no conversation " + turn.chatId().get() + "."))
              .id();
      for (var earlier : chats.turns(org, chat)) {
        if (!earlier.role().equals("user")) continue;
        described.add(REFINEMENT.matcher(earlier.content()).replaceFirst(""));
        if (context.isMissingNode() && earlier.generation() != null)
          context = earlier.generation().path("context");
      }
    } else {
      chat = 0;
    }
    described.add(
        described.isEmpty() ? turn.message() : REFINEMENT.matcher(turn.message()).replaceFirst(""));
    ObjectNode body =
        Json.MAPPER.createObjectNode().put("description", String.join(", ", described));
    if (!context.isMissingNode()) body.set("context", context);
    body.put("deploy", turn.deploy());
    GenerationRequest request = GenerationRequest.of(body);
    if (chat == 0) {
      String title =
          turn.message().length() > 80 ? turn.message().substring(0, 79) + "…" : turn.message();
      chat = chats.create(org, owner, title);
    }
    chats.add(
        org,
        chat,
        "user",
        turn.message(),
        context.isMissingNode() ? null : Json.MAPPER.createObjectNode().set("context", context));

    // the client going away does not stop the generation: it goes on and is kept
    var events = EventStream.open(ctx);
    events.send("chat", Json.MAPPER.createObjectNode().put("chatId", chat));
    try {
      var generated =
          generator.generate(
              actor,
              request,
              (stage, detail) -> {
                if (stage.equals("text"))
                  events.send("text", Json.MAPPER.createObjectNode().put("text", detail));
                else
                  events.send(
                      "progress",
                      Json.MAPPER.createObjectNode().put("stage", stage).put("detail", detail));
              });
      Generated answer = answer(generated);
      events.send("text", Json.MAPPER.createObjectNode().put("text", answer.explanation()));
      JsonNode result = Json.MAPPER.valueToTree(answer);
      events.send("result", result);
      chats.add(org, chat, "assistant", answer.explanation(), result);
    } catch (Exception e) {
      // the stream has begun: a failure is its last event, never a second answer
      ProblemException problem;
      if (e instanceof ProblemException known) {
        problem = known;
        if (e instanceof SecretAccessDenied refusal)
          gate.auditSecretRefusal(actor, refusal, ctx.method() + " " + ctx.path());
      } else {
        LOG.error("chat {} failed (request id {})", chat, Api.requestId(ctx), e);
        problem =
            new ProblemException(
                500,
                "internal_error",
                "Internal Server Error",
                "The generation failed; the log has the details under request id "
                    + Api.requestId(ctx)
                    + ".");
      }
      JsonNode body2 =
          Json.MAPPER.readTree(
              EndpointResponse.problem(problem, ctx.path(), Api.requestId(ctx)).body());
      events.send("error", body2);
      try {
        chats.add(org, chat, "assistant", problem.getMessage(), body2);
      } catch (SQLException | RuntimeException f) {
        LOG.warn("chat {}: the failed turn could not be kept", chat, f);
      }
    } finally {
      events.send("done", Json.MAPPER.createObjectNode());
    }
  }

  /** Whose conversations a caller sees: a signed-in user's, or its API key's own. */
  private static ChatStore.Owner owner(Actor actor) {
    var principal = actor.principal();
    return new ChatStore.Owner(principal.userId(), principal.keyId());
  }

  /** A conversation and its turns, to resume it. */
  record Conversation(
      long id,
      String title,
      java.time.Instant createdAt,
      java.time.Instant updatedAt,
      List<ChatStore.Turn> messages) {}

  private void chats(Context ctx) throws SQLException {
    Actor actor = Api.actor(ctx);
    Api.json(ctx, 200, chats.list(actor.orgId(), owner(actor)));
  }

  private void conversation(Context ctx) throws SQLException {
    Actor actor = Api.actor(ctx);
    long id;
    try {
      id = Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      id = -1;
    }
    long wanted = id;
    var chat =
        chats
            .find(actor.orgId(), owner(actor), id)
            .orElseThrow(
                () ->
                    ProblemException.notFound(
                        "chat_not_found", "You have no conversation " + ctx.pathParam("id") + "."));
    Api.json(
        ctx,
        200,
        new Conversation(
            chat.id(),
            chat.title(),
            chat.createdAt(),
            chat.updatedAt(),
            chats.turns(actor.orgId(), wanted)));
  }

  /**
   * The schema with {@code for}: the tables a description is about and the tables joining them,
   * with how they matched and how to join them.
   */
  record Matched(
      String description,
      List<Relevance.Scored> matched,
      List<Join> joins,
      List<DatabaseSchema.Table> tables,
      List<DatabaseSchema.EnumType> enums) {}

  /**
   * {@code GET /api/schema}: what the caller's org's SQL can reach; {@code ?for=description} keeps
   * only the tables that description is about (at most {@code limit} matched, 1 to 50) and those
   * joining them.
   */
  private void schema(Context ctx) throws SQLException {
    DatabaseSchema schema = analyzer.analyze(Api.actor(ctx).orgId());
    String description = ctx.queryParam("for");
    if (description == null) {
      Api.json(ctx, 200, schema);
      return;
    }
    int limit =
        Math.clamp(
            ctx.queryParamAsClass("limit", Integer.class).getOrDefault(MATCHED_TABLES), 1, 50);
    var relevant = Relevance.of(schema, description, limit);
    var subset = Relevance.subset(schema, relevant);
    Api.json(
        ctx,
        200,
        new Matched(
            description, relevant.matched(), relevant.joins(), subset.tables(), subset.enums()));
  }
}
