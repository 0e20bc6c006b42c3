package dev.slipway.runtime;

import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.realtime.Message;
import dev.slipway.realtime.Subscription;
import dev.slipway.spec.Trigger;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A channel's subscription rules, compiled when its spec is: the topic (a value or {@code ${...}}
 * over the request's input and {@code auth}) and the filter, a CEL expression over {@code message},
 * {@code event}, {@code input} and {@code auth}, checked for each message a subscriber is offered.
 */
final class CompiledChannel {
  /**
   * What a topic may be (as {@code slipway.publish} checks it): dot-separated parts, none empty, so
   * that a caller without the claim a topic is made of ({@code tenant.${auth.claims.tenant}}) is
   * refused instead of sharing {@code tenant.} with every other such caller.
   */
  static final Pattern TOPIC = Pattern.compile("(?=.{1,200}$)[A-Za-z0-9_:-]+(\\.[A-Za-z0-9_:-]+)*");

  private static final CelCompiler FILTERS =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("message", SimpleType.DYN)
          .addVar("event", SimpleType.STRING)
          .addVar("input", SimpleType.DYN)
          .addVar("auth", SimpleType.DYN)
          .setResultType(SimpleType.BOOL)
          .build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  private final SpecValue topic;
  private final CelRuntime.Program filter;
  private final Trigger.Channel settings;

  private CompiledChannel(SpecValue topic, CelRuntime.Program filter, Trigger.Channel settings) {
    this.topic = topic;
    this.filter = filter;
    this.settings = settings;
  }

  /** Compiles a channel's topic and filter; their mistakes are added to {@code violations}. */
  static CompiledChannel compile(
      Trigger.Channel channel, String specName, ValueCompiler values, List<Violation> violations) {
    SpecValue topic =
        channel.topic().isMissingNode()
            ? new SpecValue.Literal(specName)
            : values.compile(channel.topic(), "/trigger/channel/topic", Set.of(), violations);
    if (topic instanceof SpecValue.Literal(Object text)
        && !(text instanceof String name && TOPIC.matcher(name).matches()))
      violations.add(
          new Violation(
              "/trigger/channel/topic",
              "a topic is parts of letters, digits, _ : - joined by dots (at most 200), or ${...} that"
                  + " makes one"));
    CelRuntime.Program program = null;
    if (channel.filter().isPresent()) {
      try {
        program = RUNTIME.createProgram(FILTERS.compile(channel.filter().get()).getAst());
      } catch (CelValidationException | CelEvaluationException e) {
        violations.add(
            new Violation(
                "/trigger/channel/filter",
                "not a CEL expression that is true or false over message, event, input and auth: "
                    + e.getMessage()));
      }
    }
    return new CompiledChannel(topic, program, channel);
  }

  /**
   * What a caller that the channel's auth let in subscribes to; 400 when its topic, worked out from
   * the request, is not one.
   */
  Subscription subscription(
      CompiledEndpoint.EndpointIdentity identity, Scope scope, Caller caller) {
    Object name = topic.evaluate(scope);
    if (!(name instanceof String text) || !TOPIC.matcher(text).matches())
      throw ProblemException.badRequest(
          "invalid_topic",
          "This channel's topic, worked out from the request, is not a topic: "
              + name
              + " (parts of letters, digits, _ : - joined by dots, none empty; at most 200): does"
              + " the caller lack a claim it is made of?",
          List.of());
    return new Subscription(
        identity.orgId(),
        identity.name(),
        text,
        caller == null ? null : caller.name(),
        filter == null ? Subscription.Filter.ALL : filter(scope),
        caller == null ? Long.MAX_VALUE : caller.expiresAtMillis(),
        settings.history(),
        settings.buffer());
  }

  /**
   * The filter for one subscriber: its input and caller converted once; each message's data once
   * for every subscriber. A message the expression fails on (a field it lacks) is not sent.
   */
  private Subscription.Filter filter(Scope scope) {
    Map<String, Object> variables = scope.celVariables();
    Object input = variables.get("input");
    Object auth = variables.get("auth");
    return (Message message) -> {
      try {
        return Boolean.TRUE.equals(
            filter.eval(
                Map.of(
                    "message",
                    message.converted(CelValues::toCel),
                    "event",
                    message.event() == null ? "" : message.event(),
                    "input",
                    input,
                    "auth",
                    auth)));
      } catch (CelEvaluationException | RuntimeException e) {
        return false;
      }
    };
  }
}
