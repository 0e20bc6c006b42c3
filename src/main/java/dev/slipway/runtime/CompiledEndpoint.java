package dev.slipway.runtime;

import dev.slipway.common.Json;
import dev.slipway.common.NamedThreads;
import dev.slipway.ops.CallRecord;
import dev.slipway.ops.RateLimiter;
import dev.slipway.problem.ProblemException;
import dev.slipway.realtime.Subscription;
import dev.slipway.sandbox.ScriptOutcome;
import dev.slipway.spec.Cors;
import dev.slipway.spec.EndpointSpec;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

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

  /**
   * Whether a step from this index on may block (database work or a script); one more than the
   * steps.
   */
  private final boolean[] blockingFrom;

  /**
   * Whether nothing before the first script can block (see {@link #startsWithoutBlocking}): a
   * public endpoint without rate limits whose steps before it run no SQL.
   */
  private final boolean quickStart;

  /** The first script, when {@link #quickStart}; null when there is none. */
  private final CompiledStep.Script firstScript;

  /** Whether a step runs SQL or a script that may call {@code ctx.db}. */
  private final boolean usesDatabase;

  private final CompiledResponse response;
  private final OrgConnections connections;
  private final SecretSource secrets;
  private final EndpointAuth auth;
  private final Optional<Cors> cors;
  private final RateLimits limits;
  private final boolean transactional;
  private final EndpointSpec spec;

  /** A webhook receiver's signature check (the spec's {@code verify}); null for other endpoints. */
  private final WebhookCheck webhook;

  /** A channel's topic and filter; null for other endpoints. */
  private final CompiledChannel channel;

  /** Which endpoint version this is, for routing and logs. */
  public record EndpointIdentity(
      long orgId, String name, long versionId, int version, String method, String path) {}

  /**
   * A handled request: the response, and for the log the internal reason of a failure, the script
   * logs and what the call was and cost.
   */
  public record Result(
      EndpointResponse response, Optional<String> error, List<String> logs, Facts facts) {}

  /**
   * What the call log keeps of a handled request beyond its answer.
   *
   * @param caller the caller's name ({@link Caller#name}), null for a public endpoint or when the
   *     caller was not known
   * @param errorCode the problem's code, null on success
   */
  public record Facts(
      String caller, String errorCode, List<CallRecord.StepTime> steps, CallRecord.Cost cost) {}

  CompiledEndpoint(
      EndpointIdentity identity,
      InputContract input,
      List<CompiledStep> steps,
      CompiledResponse response,
      OrgConnections connections,
      SecretSource secrets,
      EndpointAuth auth,
      Optional<Cors> cors,
      RateLimits limits,
      EndpointSpec spec,
      CompiledChannel channel) {
    this.spec = spec;
    this.channel = channel;
    this.webhook = spec.verify().map(WebhookCheck::compile).orElse(null);
    // a receiver that recognises replays claims each event id in the request's transaction
    boolean claims = webhook != null && webhook.dedupes();
    this.limits = limits;
    this.secrets = secrets;
    this.auth = auth;
    this.cors = cors;
    this.identity = identity;
    this.input = input;
    this.steps = steps;
    this.response = response;
    this.connections = connections;
    // alternatives (steps sharing an id) run one at most
    long databaseSteps =
        steps.stream().filter(CompiledStep::mayBlock).map(CompiledStep::id).distinct().count();
    boolean anyScript = steps.stream().anyMatch(s -> s instanceof CompiledStep.Script);
    this.transactional = databaseSteps > 1 || anyScript || claims;
    this.blockingFrom = new boolean[steps.size() + 1];
    for (int i = steps.size() - 1; i >= 0; i--) {
      blockingFrom[i] = blockingFrom[i + 1] || steps.get(i).mayBlock();
    }
    CompiledStep.Script first = null;
    boolean quick = auth instanceof EndpointAuth.Public && limits.none() && webhook == null;
    for (CompiledStep step : steps) {
      if (step instanceof CompiledStep.Script script) {
        quick &= !script.usesDatabase();
        first = script;
        break;
      }
      quick &= !step.mayBlock();
    }
    this.quickStart = quick;
    this.usesDatabase = claims || steps.stream().anyMatch(CompiledStep::usesDatabase);
    this.firstScript = quick ? first : null;
    this.alternative = new boolean[steps.size()];
    var ids = new java.util.HashSet<String>();
    for (int i = 0; i < steps.size(); i++) alternative[i] = !ids.add(steps.get(i).id());
  }

  /**
   * Readies the endpoint's scripts where they will run, before it is served (see {@link
   * dev.slipway.sandbox.Sandbox#prepare}).
   */
  public void prepareScripts() {
    for (CompiledStep step : steps) {
      if (step instanceof CompiledStep.Script script) script.sandbox().prepare(script.script());
    }
  }

  public EndpointIdentity identity() {
    return identity;
  }

  /** The spec it was compiled from. */
  public EndpointSpec spec() {
    return spec;
  }

  /**
   * Whether {@link #handleAsync} returns without blocking: no caller lookup, rate limit or SQL
   * comes before the first script, and the sandbox starts scripts without waiting on its caller.
   * Such a request can be handled on the thread that read it, even one that must never block (an
   * HTTP selector); any other is handed to a thread that may.
   */
  public boolean startsWithoutBlocking() {
    return quickStart && (firstScript == null || firstScript.sandbox().startsAtOnce());
  }

  /**
   * Whether a request may take a database connection: a step runs SQL, or a script may call {@code
   * ctx.db}.
   */
  public boolean usesDatabase() {
    return usesDatabase;
  }

  /** Which browser origins may call the endpoint, if any. */
  public Optional<Cors> cors() {
    return cors;
  }

  /**
   * Runs the request through the pipeline and waits for its result. Never throws: every failure
   * becomes a problem response. A preview rolls back its database work and tells the author why a
   * step failed.
   */
  public Result handle(EndpointRequest request, boolean preview) {
    return handle(request, preview, secrets);
  }

  /**
   * As {@link #handle(EndpointRequest, boolean)}, reading the org's secrets through {@code
   * secrets}: a draft run on a caller's behalf, who may not be allowed their values.
   */
  public Result handle(EndpointRequest request, boolean preview, SecretSource secrets) {
    return start(request, preview, secrets).join();
  }

  /** Whether a GET here subscribes to a realtime channel instead of running steps. */
  public boolean isChannel() {
    return channel != null;
  }

  /**
   * For a channel: checks the caller as the spec's auth says (a browser's {@code EventSource} or
   * {@code WebSocket} cannot send headers, so a token may come as the query's {@code
   * access_token}), takes its rate limits, and works out what it subscribes to. May block (a key
   * lookup, a JWKS fetch, Redis); a {@link ProblemException} when the caller may not subscribe.
   */
  public Subscription subscribe(EndpointRequest request) {
    if (channel == null) throw new IllegalStateException(identity.name() + " is no channel");
    List<String> token = request.query().getOrDefault("access_token", List.of());
    if (!token.isEmpty() && !request.headers().containsKey("authorization")) {
      var headers = new java.util.HashMap<>(request.headers());
      headers.put("authorization", "Bearer " + token.getFirst());
      request =
          new EndpointRequest(
              request.method(),
              request.path(),
              request.pathValues(),
              request.query(),
              headers,
              request.body(),
              request.requestId(),
              request.clientAddress(),
              request.traceparent());
    }
    Map<String, String> secretValues = secrets.values(identity.orgId());
    Caller caller = auth.authenticate(request, secretValues);
    limits.take(caller, request);
    var scope = new Scope(input.bind(request), secretValues, caller);
    return channel.subscription(identity, scope, caller);
  }

  /**
   * Runs the request through the pipeline, as {@link #handle} does, without waiting for scripts:
   * the calling thread runs the steps up to the first script that runs elsewhere and returns. When
   * the script ends, the rest runs on the sandbox's thread if it is quick (rendering, checks) or
   * else on a thread of its own (database steps, more scripts, a commit), and the result is
   * completed there.
   */
  public CompletableFuture<Result> handleAsync(EndpointRequest request, boolean preview) {
    return start(request, preview, secrets);
  }

  private CompletableFuture<Result> start(
      EndpointRequest request, boolean preview, SecretSource secrets) {
    var call = new Call(request, preview, secrets);
    call.begin();
    return call.result;
  }

  /** Runs the rest of a pipeline when it would block a sandbox's thread. */
  private static final Executor BLOCKING_REST =
      Executors.newThreadPerTaskExecutor(NamedThreads.virtual("slipway-pipeline-"));

  /**
   * One request's way through the pipeline. Its state passes from thread to thread only through the
   * completion of a script's outcome or an executor, so one thread at a time touches it.
   */
  private final class Call {
    final EndpointRequest request;
    final boolean preview;
    final SecretSource secrets;
    final CompletableFuture<Result> result = new CompletableFuture<>();
    private final CallMeter meter = new CallMeter();
    private RateLimiter.Decision limit;

    /** When the step running now started. */
    private long stepStarted;

    private Scope scope;
    private Transaction transaction;
    private StepContext context;

    /** The webhook event id this request claimed; null when it claimed none. */
    private String claimed;

    /** The index of the next step to consider. */
    private int next;

    private Object last;

    Call(EndpointRequest request, boolean preview, SecretSource secrets) {
      this.request = request;
      this.preview = preview;
      this.secrets = secrets;
    }

    void begin() {
      try {
        Map<String, String> secretValues = secrets.values(identity.orgId());
        Optional<String> event =
            webhook == null ? Optional.empty() : webhook.check(request, secretValues);
        Caller caller = auth.authenticate(request, secretValues);
        if (caller != null) meter.caller(caller.name());
        limit = limits.take(caller, request);
        Map<String, Object> bound = input.bind(request);
        if (webhook != null) webhook.describe(bound, event);
        scope = new Scope(bound, secretValues, caller);
        transaction =
            new Transaction(
                connections,
                identity.orgId(),
                transactional,
                preview,
                caller == null ? "" : caller.claimsJson(),
                spec.statementTimeout());
        context = new StepContext(scope, transaction, request, preview, identity.orgId(), meter);
        Optional<String> key =
            webhook == null || !webhook.dedupes()
                ? Optional.empty()
                : webhook.claimKey(request, event);
        if (key.isPresent()) {
          if (!transaction.claimDelivery(identity.name(), key.get())) {
            succeed(duplicate(event.orElse(key.get())));
            return;
          }
          claimed = key.get();
        }
      } catch (Throwable failure) {
        fail(failure);
        return;
      }
      proceed();
    }

    /** The answer to a replayed delivery: received, and not run again. */
    private EndpointResponse duplicate(String eventId) {
      var body = new LinkedHashMap<String, Object>();
      body.put("received", true);
      body.put("duplicate", true);
      body.put("eventId", eventId);
      try {
        return new EndpointResponse(
            200, Map.of("Content-Type", "application/json"), Json.MAPPER.writeValueAsBytes(body));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    /**
     * Runs steps from {@link #next} until the pipeline ends, a step responds, or a script runs
     * elsewhere.
     */
    private void proceed() {
      try {
        while (next < steps.size()) {
          int i = next++;
          CompiledStep step = steps.get(i);
          if (alternative[i] && scope.steps().containsKey(step.id())) continue;
          if (step.when().isPresent() && !Boolean.TRUE.equals(step.when().get().evaluate(scope)))
            continue;
          CompiledStep.StepResult stepResult;
          stepStarted = System.nanoTime();
          if (step instanceof CompiledStep.Script script) {
            CompletableFuture<ScriptOutcome> running = script.start(context);
            if (!running.isDone()) {
              running.whenComplete((outcome, failure) -> resume(script, outcome, failure));
              return;
            }
            stepResult = script.finish(context, running.join());
          } else {
            stepResult = step.run(context);
          }
          if (!take(step, stepResult)) return;
        }
        succeed(response.render(scope, last));
      } catch (Throwable failure) {
        fail(failure);
      }
    }

    /** Takes a step's result; false when it ended the pipeline with a response. */
    private boolean take(CompiledStep step, CompiledStep.StepResult stepResult)
        throws SQLException {
      long took = System.nanoTime() - stepStarted;
      meter.step(step.id(), stepStarted, took);
      if (step instanceof CompiledStep.Sql) meter.database(took);
      switch (stepResult) {
        case CompiledStep.StepResult.Respond(EndpointResponse early) -> {
          succeed(early);
          return false;
        }
        case CompiledStep.StepResult.Output(Object value) -> {
          scope.putStep(step.id(), value);
          last = value;
          return true;
        }
      }
    }

    /**
     * A script that ran elsewhere ended: the rest runs here if it is quick, else on a thread of its
     * own.
     */
    private void resume(CompiledStep.Script script, ScriptOutcome outcome, Throwable failure) {
      try {
        if (failure != null) throw failure;
        if (!take(script, script.finish(context, outcome))) return;
      } catch (Throwable thrown) {
        fail(thrown);
        return;
      }
      if (blockingFrom[next] || transaction.holdsConnection()) {
        BLOCKING_REST.execute(this::proceed);
      } else {
        proceed();
      }
    }

    private void succeed(EndpointResponse response) throws SQLException {
      // a receiver that answered a failure gives the event back, so that the sender's retry runs
      if (claimed != null && response.status() >= 400)
        transaction.releaseDelivery(identity.name(), claimed);
      transaction.succeed();
      transaction.close();
      result.complete(
          new Result(
              RateLimits.headers(response, limit),
              Optional.empty(),
              redacted(context.logs),
              facts(null)));
    }

    /** Log lines with the org's secret values taken out. */
    private List<String> redacted(List<String> logs) {
      if (logs.isEmpty()) return logs;
      return logs.stream().map(line -> secrets.redact(identity.orgId(), line)).toList();
    }

    private void fail(Throwable failure) {
      if (transaction != null) transaction.close();
      if (failure instanceof VirtualMachineError fatal
          && !(failure instanceof StackOverflowError)) {
        result.completeExceptionally(fatal);
        return;
      }
      ProblemException problem = Failures.toProblem(failure, request.requestId(), preview);
      Optional<String> reason =
          failure instanceof ProblemException && problem.status() < 500
              ? problem.reason()
              : Optional.of(describe(failure));
      EndpointResponse answer =
          EndpointResponse.problem(problem, request.path(), request.requestId());
      String body = new String(answer.body(), StandardCharsets.UTF_8);
      String safe = secrets.redact(identity.orgId(), body);
      if (!safe.equals(body))
        answer =
            new EndpointResponse(
                answer.status(), answer.headers(), safe.getBytes(StandardCharsets.UTF_8));
      result.complete(
          new Result(
              answer,
              reason.map(r -> secrets.redact(identity.orgId(), r)),
              context == null ? List.of() : redacted(context.logs),
              facts(problem.code())));
    }

    private Facts facts(String errorCode) {
      return new Facts(meter.caller(), errorCode, meter.steps(), meter.cost());
    }
  }

  private static String describe(Throwable failure) {
    String message =
        failure instanceof SQLException sql
            ? "SQLSTATE " + sql.getSQLState() + ": " + sql.getMessage()
            : failure.getClass().getSimpleName() + ": " + failure.getMessage();
    return message.replace('\n', ' ');
  }

  @Override
  public String toString() {
    return identity.name()
        + " v"
        + identity.version()
        + " "
        + identity.method()
        + " "
        + identity.path();
  }
}
