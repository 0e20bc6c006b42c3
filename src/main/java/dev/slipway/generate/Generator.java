package dev.slipway.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.deploy.Deployer;
import dev.slipway.deploy.DraftTests;
import dev.slipway.deploy.Drafts;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.security.Actor;
import dev.slipway.spec.EndpointSpec;
import dev.slipway.spec.InvalidSpecException;
import dev.slipway.spec.SpecCodec;
import dev.slipway.spec.Step;
import dev.slipway.store.EndpointStore;
import dev.slipway.store.ModelUsageStore;
import dev.slipway.store.Release;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * {@code POST /api/generate-endpoint}: reads the org's schema, plans endpoints from the description
 * (the configured model, or the offline planner when none is), saves them as drafts (each checked
 * as any saved spec is: its schema, its expressions, its SQL prepared by PostgreSQL as the org's
 * login), runs the plan's tests against the drafts (rolled back), explains its SQL ({@link
 * QueryAnalysis}) and reviews it ({@link SecurityReview}). A model's proposal that fails a check or
 * a test goes back to it with the findings, up to the settings' number of rounds. It deploys only
 * when asked and every check and test of the last round passed.
 */
public final class Generator implements AutoCloseable {
  /** Hears how a generation goes, stage by stage (a chat streams it). */
  @FunctionalInterface
  public interface Progress {
    Progress NONE = (stage, detail) -> {};

    /**
     * @param stage {@code schema}, {@code planning}, {@code round}, {@code text} (the model's own
     *     words), {@code drafts}, {@code tests}, {@code checks} or {@code deploy}
     */
    void report(String stage, String detail);
  }

  /** A check of the generated endpoints and what it found; no findings when it passed. */
  public record Check(String name, boolean passed, List<String> findings) {}

  /** One proposal and how its checks and tests went. */
  public record Round(
      int round,
      String model,
      List<Check> checks,
      List<DraftTests.Outcome> testResults,
      long inputTokens,
      long outputTokens) {}

  /** What the generation took: the model, its tokens, and the time of each part. */
  public record Usage(
      String model,
      long inputTokens,
      long outputTokens,
      java.math.BigDecimal costUsd,
      long analysisMillis,
      long planMillis,
      long checkMillis,
      long totalMillis) {}

  /** What a generation made: its last round's plan, drafts, tests and checks, and every round. */
  public record Generated(
      Plan plan,
      List<EndpointStore.Saved> saved,
      List<DraftTests.Outcome> results,
      List<Check> checks,
      List<QueryAnalysis.Statement> queryPlans,
      List<String> indexSuggestions,
      List<Round> rounds,
      Usage usage,
      Optional<Release> release) {}

  /** One plan tried: what was saved of it and how its checks went. */
  private record Attempt(
      Plan plan,
      List<EndpointStore.Saved> saved,
      boolean savedAll,
      List<DraftTests.Outcome> results,
      List<Check> checks,
      QueryAnalysis.Result analysis,
      List<String> suggestions) {

    boolean clean() {
      return savedAll
          && checks.stream().allMatch(Check::passed)
          && results.stream().allMatch(DraftTests.Outcome::passed);
    }

    /** What failed, a line each, for the model to correct. */
    List<String> failures() {
      var lines = new ArrayList<String>();
      for (Check check : checks) check.findings().forEach(f -> lines.add(check.name() + ": " + f));
      for (var result : results)
        if (!result.passed()) lines.add("test '" + result.name() + "': " + result.detail());
      return lines;
    }

    /**
     * What failed, for the model: as {@link #failures}, but a failed test says only the status it
     * expected and the one it got. Its detail may quote a row (a fixture's value in a path, a
     * database error naming a value), and no row goes to the model.
     */
    List<String> failuresForTheModel() {
      var lines = new ArrayList<String>();
      for (Check check : checks) {
        if (check.name().startsWith("generated tests")) continue;
        check.findings().forEach(f -> lines.add(check.name() + ": " + f));
      }
      for (var result : results) {
        if (result.passed()) continue;
        int expected =
            plan.tests().stream()
                .filter(t -> t.name().equals(result.name()))
                .map(dev.slipway.spec.TestCase::status)
                .findFirst()
                .orElse(0);
        lines.add(
            "test '"
                + result.name()
                + "': expected status "
                + expected
                + ", got "
                + (result.status() == 0
                    ? "no answer (its path or a fixture did not resolve)"
                    : result.status()));
      }
      return lines;
    }
  }

  private final SchemaAnalyzer analyzer;
  private final QueryAnalysis queries;
  private final SpecCodec codec;
  private final Drafts drafts;
  private final DraftTests tests;
  private final Deployer deployer;
  private final ModelSettings settings;
  private final ModelUsageStore usage;
  private final java.util.function.LongFunction<java.util.Map<String, String>> orgSecrets;
  private final OrgOutbound outbound;

  /** What an org's egress allow-list says of a URL: why it is refused, or empty. */
  @FunctionalInterface
  public interface OrgOutbound {
    Optional<String> refusal(long org, String url);
  }

  private final java.util.Map<ModelSettings, ModelClient> clients =
      new java.util.concurrent.ConcurrentHashMap<>();

  public Generator(
      SchemaAnalyzer analyzer,
      QueryAnalysis queries,
      SpecCodec codec,
      Drafts drafts,
      DraftTests tests,
      Deployer deployer,
      ModelSettings settings,
      ModelUsageStore usage,
      java.util.function.LongFunction<java.util.Map<String, String>> orgSecrets,
      OrgOutbound outbound) {
    this.analyzer = analyzer;
    this.queries = queries;
    this.codec = codec;
    this.drafts = drafts;
    this.tests = tests;
    this.deployer = deployer;
    this.settings = settings;
    this.usage = usage;
    this.orgSecrets = orgSecrets;
    this.outbound = outbound;
  }

  /**
   * The model an org's generations ask: the operator's ({@code SLIPWAY_AI_*}), unless the org keeps
   * its own key as the secret {@code AI_API_KEY} (with {@code AI_PROVIDER} and {@code AI_MODEL}
   * when it chooses them). An org's key goes to the operator's base URL for the same provider, else
   * to the provider's own API: an org cannot point the server at an address of its choosing.
   */
  ModelSettings settingsFor(long org) {
    var secrets = orgSecrets.apply(org);
    String key = secrets.get("AI_API_KEY");
    if (key == null || key.isBlank()) return settings;
    String provider =
        secrets.getOrDefault(
            "AI_PROVIDER", settings.configured() ? settings.provider() : "anthropic");
    if (!java.util.List.of("anthropic", "openai").contains(provider))
      throw ProblemException.unprocessable(
          "invalid_model_settings",
          "The org's secret AI_PROVIDER must be anthropic or openai.",
          List.of(new Violation("/secrets/AI_PROVIDER", "must be anthropic or openai")));
    boolean sameProvider = provider.equals(settings.provider());
    return new ModelSettings(
        provider,
        sameProvider ? settings.baseUrl() : Optional.empty(),
        secrets.getOrDefault(
            "AI_MODEL", sameProvider ? settings.model() : ModelSettings.defaultModel(provider)),
        Optional.of(key),
        settings.timeout(),
        settings.maxRetries(),
        settings.maxRounds(),
        settings.inputPrice(),
        settings.outputPrice());
  }

  public Generated generate(Actor actor, GenerationRequest request) throws SQLException {
    return generate(actor, request, Progress.NONE);
  }

  public Generated generate(Actor actor, GenerationRequest request, Progress progress)
      throws SQLException {
    long start = System.nanoTime();
    ModelSettings settings = settingsFor(actor.orgId());
    Optional<ModelClient> client =
        settings.configured() ? Optional.of(client(settings)) : Optional.empty();
    DatabaseSchema schema = analyzer.analyze(actor.orgId());
    long analyzed = System.nanoTime();
    progress.report("schema", schema.tables().size() + " table(s) this org's SQL can reach");
    progress.report(
        "planning",
        client.isEmpty() ? "the offline planner (no model is configured)" : settings.model());
    var rounds = new ArrayList<Round>();
    Attempt attempt;
    String model;
    long planNanos;
    long in = 0;
    long out = 0;
    if (client.isEmpty()) {
      Plan plan = OfflinePlanner.plan(schema, request);
      planNanos = System.nanoTime() - analyzed;
      progress.report("round", "1: " + plan.shape() + " over " + String.join(", ", plan.tables()));
      attempt = attempt(actor, request, schema, plan, progress);
      if (!attempt.savedAll())
        throw ProblemException.unprocessable(
            "generation_failed",
            "The generated endpoints did not pass the checks every saved spec passes, so they were not"
                + " saved.",
            attempt.failures().stream().map(f -> new Violation("", f)).toList());
      model = OfflinePlanner.MODEL;
      rounds.add(new Round(1, model, attempt.checks(), attempt.results(), 0, 0));
    } else {
      var conversation = new ArrayList<ModelClient.Message>();
      var relevant = Relevance.of(schema, request.description(), 12);
      DatabaseSchema tables =
          request.tables().isEmpty()
              ? Relevance.subset(schema, relevant)
              : schema.only(
                  request.tables().stream().map(schema::table).flatMap(Optional::stream).toList());
      conversation.add(
          new ModelClient.Message("user", ModelPlanner.request(request, tables, relevant.joins())));
      Attempt best = null;
      model = settings.model();
      planNanos = 0;
      var failed = new ArrayList<Violation>();
      for (int round = 1; round <= settings.maxRounds(); round++) {
        long asked = System.nanoTime();
        ModelClient.Reply reply =
            client
                .get()
                .ask(
                    new ModelClient.Request(
                        ModelPlanner.SYSTEM,
                        List.copyOf(conversation),
                        ModelPlanner.TOOL,
                        ModelPlanner.TOOL_DESCRIPTION,
                        ModelPlanner.SCHEMA));
        planNanos += System.nanoTime() - asked;
        model = reply.model();
        progress.report("round", round + ": a proposal from " + reply.model());
        if (!reply.text().isBlank()) progress.report("text", reply.text());
        in += reply.inputTokens();
        out += reply.outputTokens();
        usage.record(
            actor.orgId(),
            actor.requestId(),
            settings.provider(),
            reply.model(),
            reply.inputTokens(),
            reply.outputTokens(),
            settings.cost(reply.inputTokens(), reply.outputTokens()));
        var mistakes = new ArrayList<Violation>();
        Optional<Plan> plan =
            reply
                .toolInput()
                .map(
                    input ->
                        ModelPlanner.parse(
                            input,
                            tables.tables().stream()
                                .map(DatabaseSchema.Table::qualifiedName)
                                .toList(),
                            reply.model(),
                            mistakes));
        if (plan.isEmpty())
          mistakes.add(
              new Violation(
                  "",
                  "your answer did not call "
                      + ModelPlanner.TOOL
                      + " with a JSON object; call it with the whole proposal"));
        List<String> feedback;
        if (!mistakes.isEmpty()) {
          feedback =
              mistakes.stream()
                  .map(v -> v.path().isEmpty() ? v.message() : v.path() + ": " + v.message())
                  .toList();
          rounds.add(
              new Round(
                  round,
                  model,
                  List.of(new Check("answer is a proposal", false, feedback)),
                  List.of(),
                  reply.inputTokens(),
                  reply.outputTokens()));
        } else {
          Attempt tried = attempt(actor, request, schema, plan.get(), progress);
          rounds.add(
              new Round(
                  round,
                  model,
                  tried.checks(),
                  tried.results(),
                  reply.inputTokens(),
                  reply.outputTokens()));
          if (tried.savedAll()) best = tried;
          if (tried.clean()) break;
          feedback = tried.failuresForTheModel();
        }
        for (String line : feedback) failed.add(new Violation("/rounds/" + (round - 1), line));
        conversation.add(
            new ModelClient.Message(
                "assistant", reply.toolInput().map(JsonNode::toString).orElse(reply.text())));
        conversation.add(
            new ModelClient.Message(
                "user",
                "These checks of your proposal failed:\n- "
                    + String.join("\n- ", feedback)
                    + "\nCall "
                    + ModelPlanner.TOOL
                    + " again with the whole corrected proposal."));
      }
      if (best == null)
        throw new ProblemException(
            422,
            "generation_failed",
            "Unprocessable Content",
            "No proposal of the model in "
                + rounds.size()
                + " round(s) passed the checks every saved spec passes; nothing was saved.",
            failed,
            java.util.Map.of());
      attempt = best;
    }
    long checked = System.nanoTime();
    Optional<Release> release = Optional.empty();
    if (request.deploy()) {
      DraftTests.requirePassed(attempt.results());
      requirePassed(attempt.checks());
      release =
          Optional.of(
              deployer.deploy(
                  actor,
                  new Deployer.DeployRequest(
                      attempt.saved().stream()
                          .map(
                              s ->
                                  new Deployer.Target(
                                      s.version().name(), Optional.of(s.version().version())))
                          .toList(),
                      List.of(),
                      Optional.of("generated: " + abbreviated(request.description())))));
      progress.report("deploy", "release " + release.get().id() + " is live");
    }
    long end = System.nanoTime();
    return new Generated(
        attempt.plan(),
        attempt.saved(),
        attempt.results(),
        attempt.checks(),
        attempt.analysis().statements(),
        attempt.suggestions(),
        List.copyOf(rounds),
        new Usage(
            model,
            in,
            out,
            settings.cost(in, out),
            millis(analyzed - start),
            millis(planNanos),
            millis(checked - analyzed - planNanos),
            millis(end - start)),
        release);
  }

  /**
   * Saves the plan's specs as drafts and, when all saved, runs its tests and the query analysis and
   * security review over them.
   */
  private Attempt attempt(
      Actor actor, GenerationRequest request, DatabaseSchema schema, Plan plan, Progress progress)
      throws SQLException {
    var checks = new ArrayList<Check>();
    var saved = new ArrayList<EndpointStore.Saved>();
    var refused = new ArrayList<String>();
    for (int i = 0; i < plan.specs().size(); i++) {
      ObjectNode spec = plan.specs().get(i);
      try {
        saved.add(drafts.save(actor, spec.toString(), Optional.empty()));
      } catch (ProblemException e) {
        if (e.errors().isEmpty()) refused.add("/specs/" + i + ": " + e.getMessage());
        else
          e.errors()
              .forEach(
                  v ->
                      refused.add(
                          "/specs/" + plan.specs().indexOf(spec) + v.path() + ": " + v.message()));
      }
    }
    checks.add(
        new Check(
            "spec schema, expressions and SQL prepared by PostgreSQL as the org's login",
            refused.isEmpty(),
            refused));
    progress.report(
        "drafts",
        refused.isEmpty()
            ? saved.size()
                + " draft(s) saved: "
                + String.join(
                    ", ",
                    saved.stream()
                        .map(v -> v.version().name() + " v" + v.version().version())
                        .toList())
            : refused.size() + " problem(s): " + String.join("; ", refused));
    var none = new QueryAnalysis.Result(List.of(), List.of());
    if (!refused.isEmpty())
      return new Attempt(plan, saved, false, List.of(), checks, none, List.of());
    var specs = new ArrayList<EndpointSpec>();
    for (ObjectNode spec : plan.specs()) {
      try {
        specs.add(codec.decode(spec));
      } catch (InvalidSpecException e) {
        throw new IllegalStateException("a saved spec does not decode: " + e.violations(), e);
      }
    }
    List<String> names = saved.stream().map(s -> s.version().name()).toList();
    List<DraftTests.Outcome> results = tests.run(actor, names, plan.fixtures(), plan.tests());
    var failed =
        results.stream().filter(r -> !r.passed()).map(r -> r.name() + ": " + r.detail()).toList();
    checks.add(new Check("generated tests against the drafts", failed.isEmpty(), failed));
    progress.report(
        "tests",
        (results.size() - failed.size()) + " of " + results.size() + " generated test(s) passed");
    QueryAnalysis.Result analysis = queries.analyze(actor.orgId(), specs, schema);
    checks.add(
        new Check("query analysis (EXPLAIN)", analysis.findings().isEmpty(), analysis.findings()));
    var suggestions = new LinkedHashSet<>(analysis.indexSuggestions());
    suggestions.addAll(QueryAnalysis.joinIndexes(schema, plan.tables()));
    if (specs.stream()
        .anyMatch(spec -> spec.steps().stream().anyMatch(Step.ScriptStep.class::isInstance))) {
      List<String> lint = ScriptLint.findings(specs);
      checks.add(new Check("scripts against slipway.d.ts", lint.isEmpty(), lint));
    }
    List<String> security =
        new ArrayList<>(
            SecurityReview.findings(
                specs,
                schema,
                request.auth().equals("public"),
                url -> outbound.refusal(actor.orgId(), url)));
    if (plan.shape().equals("model"))
      security.addAll(SecurityReview.againstRequest(specs, request));
    checks.add(new Check("security review", security.isEmpty(), security));
    progress.report(
        "checks",
        String.join(
            "; ",
            checks.stream()
                .map(
                    c ->
                        c.name()
                            + (c.passed()
                                ? ": passed"
                                : ": " + c.findings().size() + " finding(s)"))
                .toList()));
    return new Attempt(plan, saved, true, results, checks, analysis, List.copyOf(suggestions));
  }

  /**
   * Refuses to deploy (422 {@code checks_failed}, each finding named) unless every check passed.
   */
  private static void requirePassed(List<Check> checks) {
    var failed = new ArrayList<Violation>();
    for (int i = 0; i < checks.size(); i++)
      for (String finding : checks.get(i).findings())
        failed.add(new Violation("/checks/" + i, checks.get(i).name() + ": " + finding));
    if (!failed.isEmpty())
      throw ProblemException.unprocessable(
          "checks_failed",
          "A check of the generated endpoints found problems, so nothing was deployed; the drafts"
              + " are saved.",
          failed);
  }

  private static String abbreviated(String text) {
    return text.length() <= 200 ? text : text.substring(0, 199) + "…";
  }

  private static long millis(long nanos) {
    return Math.round(nanos / 1e6);
  }

  /**
   * The client for these settings, made once; at most 16 are kept (the operator's and orgs' own
   * keys), the rest closed, so an org that keeps changing its model cannot make clients without
   * end.
   */
  private synchronized ModelClient client(ModelSettings settings) {
    ModelClient client = clients.get(settings);
    if (client != null) return client;
    if (clients.size() >= 16) {
      clients.values().forEach(ModelClient::close);
      clients.clear();
    }
    client = settings.client();
    clients.put(settings, client);
    return client;
  }

  @Override
  public void close() {
    clients.values().forEach(ModelClient::close);
  }
}
