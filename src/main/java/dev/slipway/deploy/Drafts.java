package dev.slipway.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.runtime.CompiledEndpoint;
import dev.slipway.runtime.EndpointCompiler;
import dev.slipway.security.Actor;
import dev.slipway.spec.EndpointSpec;
import dev.slipway.spec.InvalidSpecException;
import dev.slipway.spec.SpecCodec;
import dev.slipway.store.AuditStore;
import dev.slipway.store.EndpointStore;
import dev.slipway.store.EndpointVersion;
import dev.slipway.store.PlatformTransactions;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Saving specs as versions, and compiling versions for preview. A spec is saved only when it passes
 * every check (schema, expressions, scripts, SQL against the database); an unchanged spec makes no
 * new version.
 */
public final class Drafts {
  private final SpecCodec codec;
  private final EndpointCompiler compiler;
  private final EndpointStore store;
  private final AuditStore audit;
  private final PlatformTransactions platform;
  private final Map<Long, CompiledEndpoint> previews = new ConcurrentHashMap<>();

  public Drafts(
      SpecCodec codec,
      EndpointCompiler compiler,
      EndpointStore store,
      AuditStore audit,
      PlatformTransactions platform,
      NewEndpointCheck newEndpoints) {
    this.newEndpoints = newEndpoints;
    this.codec = codec;
    this.compiler = compiler;
    this.store = store;
    this.audit = audit;
    this.platform = platform;
  }

  /** What may refuse a new endpoint of an org, in the transaction that would save it. */
  @FunctionalInterface
  public interface NewEndpointCheck {
    void check(java.sql.Connection c, long org, String name) throws SQLException;

    NewEndpointCheck NONE = (c, org, name) -> {};
  }

  private final NewEndpointCheck newEndpoints;

  /**
   * Checks and saves a spec. {@code name}, when present, is the endpoint the caller addressed; the
   * spec may omit its name then, but may not name another. A new version is audited in its own
   * transaction.
   */
  public EndpointStore.Saved save(Actor actor, String text, Optional<String> name)
      throws SQLException {
    try {
      JsonNode node = codec.parse(text);
      if (name.isPresent()) {
        JsonNode given = node.get("name");
        if (given != null && !given.asText().equals(name.get())) {
          throw new InvalidSpecException(
              "/name",
              "the spec is named '" + given.asText() + "' but was sent to '" + name.get() + "'");
        }
        ((ObjectNode) node).put("name", name.get());
      }
      EndpointSpec spec = check(codec.decodeAll(node), actor.orgId());
      String canonical = Json.canonical(node);
      return platform.inOrg(
          actor.orgId(),
          c -> {
            newEndpoints.check(c, actor.orgId(), spec.name());
            var saved =
                store.save(
                    c,
                    actor.orgId(),
                    spec.name(),
                    Json.sha256(canonical),
                    spec.method(),
                    spec.path(),
                    canonical,
                    text);
            if (saved.created()) {
              audit.record(
                  c,
                  actor.success(
                      "endpoint.save",
                      "endpoint:" + spec.name() + " v" + saved.version().version()));
            }
            return saved;
          });
    } catch (InvalidSpecException e) {
      throw ProblemException.unprocessable(
          "invalid_spec", "The spec has " + e.violations().size() + " problem(s).", e.violations());
    }
  }

  /**
   * Runs every check on what of the spec reads, whatever the checks before found: the spec's schema
   * and rules, its expressions and scripts, its SQL against the database, its outbound URLs; one
   * exception with every problem, so that an author fixes them in one round.
   */
  private EndpointSpec check(SpecCodec.Decoded decoded, long orgId) throws InvalidSpecException {
    var violations = new ArrayList<Violation>(decoded.violations());
    EndpointSpec spec = decoded.spec();
    List<SpecCheck> checks =
        List.of(
            () -> compiler.compile(spec, orgId, 0, 0),
            () -> compiler.checkSql(spec, orgId),
            () -> compiler.checkOutbound(spec, orgId));
    for (SpecCheck check : checks) {
      try {
        check.run();
      } catch (InvalidSpecException e) {
        e.violations().stream().filter(v -> !violations.contains(v)).forEach(violations::add);
      }
    }
    if (!violations.isEmpty()) throw new InvalidSpecException(violations);
    return spec;
  }

  /** One of the checks a spec passes before it is saved. */
  @FunctionalInterface
  private interface SpecCheck {
    void run() throws InvalidSpecException;
  }

  /** The version compiled for preview; compiled once per version. */
  public CompiledEndpoint preview(EndpointVersion version) {
    if (previews.size() > 256) previews.clear();
    return previews.computeIfAbsent(version.id(), id -> compile(version));
  }

  /** Compiles a saved version; a version that no longer compiles is a 422 naming it. */
  CompiledEndpoint compile(EndpointVersion version) {
    try {
      return compiler.compile(
          codec.read(version.spec()), version.orgId(), version.id(), version.version());
    } catch (InvalidSpecException e) {
      throw ProblemException.unprocessable(
          "version_invalid",
          "Endpoint '" + version.name() + "' version " + version.version() + " no longer compiles.",
          e.violations());
    }
  }
}
