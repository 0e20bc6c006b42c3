package dev.slipway.generate;

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
import dev.slipway.store.EndpointStore;
import dev.slipway.store.Release;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * {@code POST /api/generate-endpoint}: reads the org's schema, plans endpoints from the description
 * (the offline planner: no model is configured), saves them as drafts (each checked as any saved
 * spec is: its schema, its expressions, its SQL prepared by PostgreSQL as the org's login), runs
 * the plan's tests against the drafts (rolled back), and deploys only when asked and every check
 * and test passed. Each check's outcome is reported.
 */
public final class Generator {
  /** A check of the generated endpoints and what it found; no findings when it passed. */
  public record Check(String name, boolean passed, List<String> findings) {}

  /** What the generation took: the model, its tokens, and the time of each part. */
  public record Usage(
      String model,
      long inputTokens,
      long outputTokens,
      long analysisMillis,
      long planMillis,
      long checkMillis,
      long totalMillis) {}

  /** What a generation made. */
  public record Generated(
      Plan plan,
      List<EndpointStore.Saved> saved,
      List<DraftTests.Outcome> results,
      List<Check> checks,
      List<QueryAnalysis.Statement> queryPlans,
      List<String> indexSuggestions,
      Usage usage,
      Optional<Release> release) {}

  private final SchemaAnalyzer analyzer;
  private final QueryAnalysis queries;
  private final SpecCodec codec;
  private final Drafts drafts;
  private final DraftTests tests;
  private final Deployer deployer;

  public Generator(
      SchemaAnalyzer analyzer,
      QueryAnalysis queries,
      SpecCodec codec,
      Drafts drafts,
      DraftTests tests,
      Deployer deployer) {
    this.analyzer = analyzer;
    this.queries = queries;
    this.codec = codec;
    this.drafts = drafts;
    this.tests = tests;
    this.deployer = deployer;
  }

  public Generated generate(Actor actor, GenerationRequest request) throws SQLException {
    long start = System.nanoTime();
    DatabaseSchema schema = analyzer.analyze(actor.orgId());
    long analyzed = System.nanoTime();
    Plan plan = OfflinePlanner.plan(schema, request);
    long planned = System.nanoTime();
    var checks = new ArrayList<Check>();
    var saved = new ArrayList<EndpointStore.Saved>();
    for (ObjectNode spec : plan.specs()) {
      try {
        saved.add(drafts.save(actor, spec.toString(), Optional.empty()));
      } catch (ProblemException e) {
        // the planner made a spec that does not check: report it whole, save nothing more
        throw ProblemException.unprocessable(
            "generation_failed",
            "The generated endpoint "
                + spec.path("name").asText()
                + " did not pass the checks every saved spec passes, so it was not saved: "
                + e.getMessage(),
            e.errors().isEmpty()
                ? List.of(new Violation("/specs/" + plan.specs().indexOf(spec), e.getMessage()))
                : e.errors());
      }
    }
    checks.add(new Check("spec schema and expressions", true, List.of()));
    checks.add(new Check("SQL prepared by PostgreSQL as the org's login", true, List.of()));
    var specs = new ArrayList<EndpointSpec>();
    for (ObjectNode spec : plan.specs()) {
      try {
        specs.add(codec.decode(spec));
      } catch (InvalidSpecException e) {
        throw new IllegalStateException("a saved spec does not decode: " + e.violations(), e);
      }
    }
    QueryAnalysis.Result analysis = queries.analyze(actor.orgId(), specs, schema);
    checks.add(
        new Check("query analysis (EXPLAIN)", analysis.findings().isEmpty(), analysis.findings()));
    var suggestions = new LinkedHashSet<>(analysis.indexSuggestions());
    suggestions.addAll(QueryAnalysis.joinIndexes(schema, plan.tables()));
    List<String> security = SecurityReview.findings(specs, schema, request.auth().equals("public"));
    checks.add(new Check("security review", security.isEmpty(), security));
    List<String> names = saved.stream().map(s -> s.version().name()).toList();
    List<DraftTests.Outcome> results = tests.run(actor, names, plan.fixtures(), plan.tests());
    var failed =
        results.stream().filter(r -> !r.passed()).map(r -> r.name() + ": " + r.detail()).toList();
    checks.add(new Check("generated tests against the drafts", failed.isEmpty(), failed));
    long checked = System.nanoTime();
    Optional<Release> release = Optional.empty();
    if (request.deploy()) {
      DraftTests.requirePassed(results);
      requirePassed(checks);
      release =
          Optional.of(
              deployer.deploy(
                  actor,
                  new Deployer.DeployRequest(
                      saved.stream()
                          .map(
                              s ->
                                  new Deployer.Target(
                                      s.version().name(), Optional.of(s.version().version())))
                          .toList(),
                      List.of(),
                      Optional.of("generated: " + abbreviated(request.description())))));
    }
    long end = System.nanoTime();
    var usage =
        new Usage(
            OfflinePlanner.MODEL,
            0,
            0,
            millis(analyzed - start),
            millis(planned - analyzed),
            millis(checked - planned),
            millis(end - start));
    return new Generated(
        plan,
        saved,
        results,
        checks,
        analysis.statements(),
        List.copyOf(suggestions),
        usage,
        release);
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
          "A check of the generated endpoints found problems, so nothing was deployed; the drafts are saved.",
          failed);
  }

  private static String abbreviated(String text) {
    return text.length() <= 200 ? text : text.substring(0, 199) + "…";
  }

  private static long millis(long nanos) {
    return Math.round(nanos / 1e6);
  }
}
