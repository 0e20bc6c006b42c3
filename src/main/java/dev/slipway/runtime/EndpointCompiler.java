package dev.slipway.runtime;

import dev.slipway.egress.EgressException;
import dev.slipway.ops.RateLimiter;
import dev.slipway.problem.Violation;
import dev.slipway.sandbox.CompiledScript;
import dev.slipway.sandbox.Sandbox;
import dev.slipway.sandbox.ScriptCompileException;
import dev.slipway.spec.Auth;
import dev.slipway.spec.CompiledSchema;
import dev.slipway.spec.EndpointSpec;
import dev.slipway.spec.InvalidSpecException;
import dev.slipway.spec.NamedSql;
import dev.slipway.spec.Step;
import dev.slipway.spec.Trigger;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Compiles specs into {@link CompiledEndpoint}s: expressions, schemas and scripts are compiled and
 * SQL is checked against the database, so a spec that would fail on every call is rejected when it
 * is saved, with every problem and its JSON pointer.
 */
public final class EndpointCompiler {
  private final OrgConnections connections;
  private final Sandbox sandbox;
  private final ScriptHosts hosts;
  private final SecretSource secrets;
  private final ConsumerKeyLookup consumerKeys;
  private final RateLimiter limiter;
  private final ValueCompiler valueCompiler = new ValueCompiler();

  /**
   * @param connections where each org's SQL runs, with that org's rights alone
   * @param hosts what scripts' {@code ctx} calls reach; its {@link dev.slipway.egress.Egress} also
   *     fetches jwt endpoints' JWK sets, under the same org policy
   */
  public EndpointCompiler(
      OrgConnections connections,
      Sandbox sandbox,
      SecretSource secrets,
      ConsumerKeyLookup consumerKeys,
      RateLimiter limiter,
      ScriptHosts hosts) {
    this.hosts = hosts;
    this.limiter = limiter;
    this.secrets = secrets;
    this.consumerKeys = consumerKeys;
    this.connections = connections;
    this.sandbox = sandbox;
  }

  /**
   * This compiler with endpoints that take their connections from {@code dataSource} and find
   * consumer keys with {@code keys}: how draft tests run every case on one rolled-back connection,
   * as callers holding the roles a case names.
   */
  public EndpointCompiler sharing(javax.sql.DataSource dataSource, ConsumerKeyLookup keys) {
    return new EndpointCompiler(org -> dataSource, sandbox, secrets, keys, limiter, hosts);
  }

  /** Compiles without touching the database. */
  public CompiledEndpoint compile(EndpointSpec spec, long orgId, long versionId, int version)
      throws InvalidSpecException {
    var violations = new ArrayList<Violation>();
    var steps = new ArrayList<CompiledStep>();
    Set<String> before = new LinkedHashSet<>();
    for (int i = 0; i < spec.steps().size(); i++) {
      Step step = spec.steps().get(i);
      String at = "/steps/" + i;
      // an alternative to an earlier step with its id cannot read that step: it ran instead of it
      Set<String> earlier = new LinkedHashSet<>(before);
      earlier.remove(step.id());
      Optional<SpecValue> when =
          step.when().map(w -> valueCompiler.expression(w, at + "/when", earlier, violations));
      CompiledStep compiled =
          switch (step) {
            case Step.ValidateStep v ->
                new CompiledStep.Validate(
                    v.id(),
                    when,
                    valueCompiler.compile(v.value(), at + "/validate", earlier, violations),
                    CompiledSchema.of(v.schema()));
            case Step.SqlStep s -> {
              var sql = new SqlVariants(s.sql());
              var values = new ArrayList<SpecValue>();
              for (String name : sql.names()) {
                values.add(
                    valueCompiler.compile(
                        s.params().get(name), at + "/params/" + name, earlier, violations));
              }
              yield new CompiledStep.Sql(s.id(), when, sql, List.copyOf(values), s.expect());
            }
            case Step.ScriptStep s ->
                new CompiledStep.Script(
                    s.id(), when, script(spec, s, at, violations), sandbox, hosts);
            case Step.RespondStep r ->
                new CompiledStep.Respond(
                    r.id(), when, response(r.response(), at + "/respond", earlier, violations));
            case Step.EnqueueStep e ->
                new CompiledStep.Enqueue(
                    e.id(),
                    when,
                    e.handler(),
                    valueCompiler.compile(e.payload(), at + "/payload", earlier, violations),
                    e.delay().toMillis(),
                    e.idempotencyKey()
                        .map(
                            key ->
                                valueCompiler.compile(
                                    key, at + "/idempotencyKey", earlier, violations)),
                    e.attempts());
            case Step.EmitStep e ->
                new CompiledStep.Emit(
                    e.id(),
                    when,
                    valueCompiler.compile(e.topic(), at + "/emit", earlier, violations),
                    valueCompiler.compile(e.event(), at + "/event", earlier, violations),
                    valueCompiler.compile(e.payload(), at + "/payload", earlier, violations));
            case Step.WebhookStep w -> {
              requireSecret(orgId, w.secretName(), at + "/secret", violations);
              yield new CompiledStep.Webhook(
                  w.id(),
                  when,
                  valueCompiler.compile(w.url(), at + "/webhook", earlier, violations),
                  valueCompiler.compile(w.event(), at + "/event", earlier, violations),
                  valueCompiler.compile(w.payload(), at + "/payload", earlier, violations),
                  w.secretName(),
                  w.retryFor().toMillis());
            }
          };
      steps.add(compiled);
      before.add(step.id());
    }
    CompiledResponse response = response(spec.response(), "/response", before, violations);
    EndpointAuth auth =
        EndpointAuth.compile(spec.auth(), orgId, consumerKeys, hosts.egress(), violations);
    spec.auth()
        .jwt()
        .flatMap(jwt -> jwt.secretName())
        .filter(name -> orgId != 0)
        .ifPresent(
            name -> {
              String value = secrets.values(orgId).get(name);
              if (value == null) {
                requireSecret(orgId, name, "/auth/jwt/secret", violations);
              } else if (value.getBytes(StandardCharsets.UTF_8).length
                  < EndpointAuth.HS256_MIN_KEY_BYTES) {
                // checked again on every call (the secret may change); here it is found before
                // serving
                violations.add(
                    new Violation(
                        "/auth/jwt/secret",
                        "the secret '"
                            + name
                            + "' is "
                            + value.getBytes(StandardCharsets.UTF_8).length
                            + " bytes long; an HS256 key needs at least "
                            + EndpointAuth.HS256_MIN_KEY_BYTES
                            + " (256 bits)"));
              }
            });
    spec.verify()
        .ifPresent(
            verify -> requireSecret(orgId, verify.secretName(), "/verify/secret", violations));
    CompiledChannel channel =
        spec.trigger() instanceof Trigger.Channel settings
            ? CompiledChannel.compile(settings, spec.name(), valueCompiler, violations)
            : null;
    if (!violations.isEmpty()) throw new InvalidSpecException(violations);
    var identity =
        new CompiledEndpoint.EndpointIdentity(
            orgId, spec.name(), versionId, version, spec.method(), spec.path());
    var limits = new RateLimits(limiter, spec.rateLimits(), orgId + ":" + spec.name());
    return new CompiledEndpoint(
        identity,
        new InputContract(spec),
        List.copyOf(steps),
        response,
        connections,
        secrets,
        auth,
        spec.cors(),
        limits,
        spec,
        channel);
  }

  /** A violation at {@code at} when the org has no secret {@code name} (org 0: none is read). */
  private void requireSecret(long orgId, String name, String at, List<Violation> violations) {
    if (orgId != 0 && !secrets.values(orgId).containsKey(name))
      violations.add(
          new Violation(
              at, "the org has no secret '" + name + "' (PUT /api/secrets/" + name + ")"));
  }

  /**
   * Asks PostgreSQL to plan every SQL step (parse and describe, in a transaction that is rolled
   * back) with the rights the org's SQL runs with, so a syntax error, a missing table or column, or
   * a table the org may not use (Slipway's own, another org's) is reported with the database's
   * message.
   */
  public void checkSql(EndpointSpec spec, long orgId) throws InvalidSpecException {
    var violations = new ArrayList<Violation>();
    try (Connection connection = connections.clean(orgId)) {
      try {
        for (int i = 0; i < spec.steps().size(); i++) {
          if (!(spec.steps().get(i) instanceof Step.SqlStep step)) continue;
          // every optional part kept, then none: each must plan
          var parts = NamedSql.Parts.split(step.sql());
          var savepoint = connection.setSavepoint();
          try (PreparedStatement all = connection.prepareStatement(parts.keep(part -> true).sql());
              PreparedStatement bare =
                  connection.prepareStatement(parts.keep(part -> false).sql())) {
            all.getParameterMetaData();
            bare.getParameterMetaData();
            connection.releaseSavepoint(savepoint);
          } catch (SQLException e) {
            connection.rollback(savepoint);
            String hint =
                "42501".equals(e.getSQLState())
                    ? " (this org's SQL runs as the database login "
                        + login(connection)
                        + ": it may use only what that login was granted)"
                    : "";
            violations.add(
                new Violation("/steps/" + i + "/sql", e.getMessage().replace('\n', ' ') + hint));
          }
        }
      } finally {
        connection.rollback();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot reach the database to check the spec's SQL", e);
    }
    if (!violations.isEmpty()) throw new InvalidSpecException(violations);
  }

  private static String login(Connection connection) throws SQLException {
    try (var rs = connection.createStatement().executeQuery("select session_user")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /**
   * Refuses, when a spec is saved, a JWKS URL that the org's egress policy refuses as written: a
   * host that is no valid host, an address in a blocked range, a host off a host-only allow-list.
   * Never asks DNS; every fetch checks again, after resolution.
   */
  public void checkOutbound(EndpointSpec spec, long orgId) throws InvalidSpecException {
    Optional<String> url = spec.auth().jwt().flatMap(Auth.Jwt::jwksUrl);
    if (url.isEmpty() || hosts.egress() == null) return;
    try {
      hosts.egress().checkWithoutResolving(orgId, url.get());
    } catch (EgressException e) {
      throw new InvalidSpecException(
          "/auth/jwt/jwksUrl", "the JWK set would not be fetched: " + e.getMessage());
    }
  }

  private CompiledScript script(
      EndpointSpec spec, Step.ScriptStep step, String at, List<Violation> violations) {
    try {
      return sandbox.compile(spec.name() + "/" + step.id(), step.code(), step.language());
    } catch (ScriptCompileException e) {
      violations.add(new Violation(at + "/script", e.getMessage()));
      return null;
    }
  }

  /**
   * Headers that frame the message, which the server writes: an endpoint setting one would corrupt
   * its answers.
   */
  private static final Set<String> FRAMING_HEADERS =
      Set.of("content-length", "transfer-encoding", "connection");

  private CompiledResponse response(
      EndpointSpec.Response response, String at, Set<String> earlier, List<Violation> violations) {
    Map<String, SpecValue> headers = new LinkedHashMap<>();
    response
        .headers()
        .forEach(
            (name, value) -> {
              if (FRAMING_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                violations.add(
                    new Violation(
                        at + "/headers/" + name,
                        "the server sets "
                            + name
                            + " itself; an endpoint's would break the answer"));
              } else if (value.isTextual()
                  && value.asText().chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
                violations.add(
                    new Violation(
                        at + "/headers/" + name,
                        "a header value may not hold a line break or NUL"));
              }
              headers.put(
                  name, valueCompiler.compile(value, at + "/headers/" + name, earlier, violations));
            });
    return new CompiledResponse(
        valueCompiler.compile(response.status(), at + "/status", earlier, violations),
        headers,
        response
            .body()
            .map(body -> valueCompiler.compile(body, at + "/body", earlier, violations)));
  }
}
