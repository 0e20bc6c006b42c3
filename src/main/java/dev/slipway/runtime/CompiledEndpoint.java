package dev.slipway.runtime;

import dev.slipway.http.ProblemException;
import dev.slipway.http.Problems;
import dev.slipway.ops.RateLimiter;
import dev.slipway.spec.Cors;
import dev.slipway.spec.EndpointSpec;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * One endpoint version compiled for execution: its input contract, steps and response. Immutable
 * and shared by every request that routes to it; {@link #handle} runs one request.
 */
public final class CompiledEndpoint {
  private final EndpointIdentity identity;
  private final InputContract input;
  private final List<CompiledStep> steps;
  /** Whether a step shares its id with an earlier one, so it is skipped when that one ran. */
  private final boolean[] alternative;
  private final ResponseTemplate response;
  private final DataSource dataSource;
  private final SecretSource secrets;
  private final EndpointAuth auth;
  private final Optional<String> callerRole;
  private final Optional<Cors> cors;
  private final Limits limits;
  private final boolean transactional;
  private final EndpointSpec spec;

  /** Which endpoint version this is, for routing and logs. */
  public record EndpointIdentity(long orgId, String name, long versionId, int version, String method, String path) {}

  /** A handled request: the response, and for the log the internal reason of a failure. */
  public record Result(EndpointResponse response, Optional<String> error, List<String> logs) {}

  CompiledEndpoint(EndpointIdentity identity, InputContract input, List<CompiledStep> steps,
      ResponseTemplate response, DataSource dataSource, SecretSource secrets, EndpointAuth auth, Optional<String> callerRole,
      Optional<Cors> cors, Limits limits, EndpointSpec spec) {
    this.spec = spec;
    this.limits = limits;
    this.secrets = secrets;
    this.auth = auth;
    this.callerRole = callerRole;
    this.cors = cors;
    this.identity = identity;
    this.input = input;
    this.steps = steps;
    this.response = response;
    this.dataSource = dataSource;
    // alternatives (steps sharing an id) run one at most
    long databaseSteps = steps.stream()
        .filter(s -> s instanceof CompiledStep.Sql || s instanceof CompiledStep.Script).map(CompiledStep::id).distinct().count();
    boolean anyScript = steps.stream().anyMatch(s -> s instanceof CompiledStep.Script);
    this.transactional = databaseSteps > 1 || anyScript;
    this.alternative = new boolean[steps.size()];
    var ids = new java.util.HashSet<String>();
    for (int i = 0; i < steps.size(); i++) alternative[i] = !ids.add(steps.get(i).id());
  }

  public EndpointIdentity identity() {
    return identity;
  }

  /** The spec it was compiled from. */
  public EndpointSpec spec() {
    return spec;
  }

  /** Which browser origins may call the endpoint, if any. */
  public Optional<Cors> cors() {
    return cors;
  }

  /**
   * Runs the request through the pipeline. Never throws: every failure becomes a problem
   * response. A preview rolls back its database work and tells the author why a step failed.
   */
  public Result handle(EndpointRequest request, boolean preview) {
    StepContext context = null;
    try {
      Caller caller = auth.authenticate(request);
      RateLimiter.Decision limit = limits.take(caller, request);
      Scope scope = new Scope(input.bind(request), secrets.values(identity.orgId()), caller);
      var callerIdentity = caller == null ? null : new Transaction.Identity(caller.claimsJson(), callerRole);
      try (Transaction transaction = new Transaction(dataSource, transactional, preview, callerIdentity)) {
        context = new StepContext(scope, transaction, request, preview, identity.orgId());
        Object last = null;
        for (int i = 0; i < steps.size(); i++) {
          CompiledStep step = steps.get(i);
          if (alternative[i] && scope.steps().containsKey(step.id())) continue;
          if (step.when().isPresent() && !Boolean.TRUE.equals(step.when().get().evaluate(scope))) continue;
          switch (step.run(context)) {
            case CompiledStep.StepResult.Respond(EndpointResponse early) -> {
              transaction.succeed();
              return new Result(Limits.headers(early, limit), Optional.empty(), redacted(context.logs));
            }
            case CompiledStep.StepResult.Output(Object value) -> {
              scope.putStep(step.id(), value);
              last = value;
            }
          }
        }
        EndpointResponse rendered = response.render(scope, last);
        transaction.succeed();
        return new Result(Limits.headers(rendered, limit), Optional.empty(), redacted(context.logs));
      }
    } catch (Throwable failure) {
      if (failure instanceof VirtualMachineError fatal && !(failure instanceof StackOverflowError)) throw fatal;
      ProblemException problem = Failures.toProblem(failure, request.requestId(), preview);
      Optional<String> reason = failure instanceof ProblemException && problem.status() < 500
          ? Optional.empty() : Optional.of(describe(failure));
      EndpointResponse answer = Problems.response(problem, request.path(), request.requestId());
      String body = new String(answer.body(), StandardCharsets.UTF_8);
      String safe = secrets.redact(identity.orgId(), body);
      if (!safe.equals(body)) answer = new EndpointResponse(answer.status(), answer.headers(), safe.getBytes(StandardCharsets.UTF_8));
      return new Result(answer, reason.map(r -> secrets.redact(identity.orgId(), r)), context == null ? List.of() : redacted(context.logs));
    }
  }

  /** Log lines with the org's secret values taken out. */
  private List<String> redacted(List<String> logs) {
    if (logs.isEmpty()) return logs;
    return logs.stream().map(line -> secrets.redact(identity.orgId(), line)).toList();
  }

  private static String describe(Throwable failure) {
    String message = failure instanceof SQLException sql
        ? "SQLSTATE " + sql.getSQLState() + ": " + sql.getMessage()
        : failure.getClass().getSimpleName() + ": " + failure.getMessage();
    return message.replace('\n', ' ');
  }

  @Override
  public String toString() {
    return identity.name() + " v" + identity.version() + " " + identity.method() + " " + identity.path();
  }
}
