package dev.slipway.templates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.NamedThreads;
import dev.slipway.deploy.Deployer;
import dev.slipway.deploy.DraftTests;
import dev.slipway.deploy.Drafts;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.runtime.OrgConnections;
import dev.slipway.security.Actor;
import dev.slipway.spec.AsyncApi;
import dev.slipway.spec.CompiledSchema;
import dev.slipway.spec.EndpointSpec;
import dev.slipway.spec.InvalidSpecException;
import dev.slipway.spec.OpenApi;
import dev.slipway.spec.SpecCodec;
import dev.slipway.store.AuditStore;
import dev.slipway.store.EndpointStore;
import dev.slipway.store.PlatformTransactions;
import dev.slipway.store.Release;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/create-endpoint}: checks the config against the template's schema, reads the
 * named table's columns, generates the bundle, applies its migration, saves its specs as drafts
 * (each checked like any saved spec, SQL included), runs the bundle's tests against the drafts
 * (rolled back), and deploys them only when asked and only when every test passed.
 */
public final class TemplateService {

  private static final Logger LOG = LoggerFactory.getLogger(TemplateService.class);

  private final AtomicBoolean warmedUp = new AtomicBoolean();
  private final Map<String, Template> templates = new LinkedHashMap<>();
  private final Map<String, CompiledSchema> schemas = new LinkedHashMap<>();
  private final PlatformTransactions platform;
  private final Drafts versions;
  private final Deployer deployer;
  private final AuditStore audit;
  private final DraftTests drafts;
  private final SpecCodec codec;
  private final OrgConnections connections;

  public TemplateService(
      List<Template> templates,
      PlatformTransactions platform,
      OrgConnections connections,
      SpecCodec codec,
      Drafts versions,
      Deployer deployer,
      DraftTests drafts,
      AuditStore audit) {
    this.connections = connections;
    this.codec = codec;
    this.drafts = drafts;
    for (Template template : templates) {
      this.templates.put(template.name(), template);
      this.schemas.put(template.name(), CompiledSchema.of(template.configSchema()));
    }
    this.platform = platform;
    this.versions = versions;
    this.deployer = deployer;
    this.audit = audit;
  }

  /** Whether a template may not make or use a table in {@code schema}: Slipway's, the system's. */
  private static boolean reserved(String schema) {
    String name = schema.replace("\"", "").toLowerCase(java.util.Locale.ROOT);
    return name.startsWith("slipway")
        || name.startsWith("pg_")
        || name.equals("information_schema");
  }

  /**
   * Generates each template's example once (nothing saved), so the classes and code a generation
   * runs (jOOQ's among them) are loaded and compiled before the first generation asks. It runs when
   * the catalogue is first read, not at start-up: a server that never generates does not load them.
   */
  private void warmUp() {
    for (Template template : templates.values()) {
      try {
        openApi(template.generate(template.example(), Optional.empty(), "example_login"))
            .toString();
      } catch (InvalidSpecException | RuntimeException e) {
        LOG.warn("template {}: its example does not generate: {}", template.name(), e.getMessage());
      }
    }
  }

  /** The catalogue; its first read warms the generators in the background. */
  public List<Template> templates() {
    if (warmedUp.compareAndSet(false, true))
      NamedThreads.startVirtual("template-warm-up", this::warmUp);
    return List.copyOf(templates.values());
  }

  public Optional<Template> template(String name) {
    return Optional.ofNullable(templates.get(name));
  }

  /**
   * What a call made: the bundle, its OpenAPI 3.1 document, the saved drafts, whether the migration
   * ran, and the release if deployed.
   */
  public record Created(
      Bundle bundle,
      ObjectNode openApi,
      Optional<ObjectNode> asyncApi,
      List<EndpointStore.Saved> saved,
      boolean migrated,
      List<DraftTests.Outcome> results,
      Optional<Release> release) {}

  /**
   * Runs {@code {template, config, deploy?, dryRun?}} for {@code actor}; a bad request is a 422
   * naming every path. A dry run answers the bundle only: no migration runs, nothing is saved.
   */
  public Created create(Actor actor, JsonNode request) throws SQLException {
    String name = request.path("template").asText("");
    Template template = templates.get(name);
    if (template == null) {
      throw ProblemException.unprocessable(
          "unknown_template",
          "There is no template '" + name + "'.",
          List.of(
              new Violation(
                  "/template", "must be one of " + String.join(", ", templates.keySet()))));
    }
    JsonNode config = request.path("config");
    List<Violation> violations =
        config.isObject()
            ? schemas.get(name).violations(config, "/config")
            : List.of(new Violation("/config", "must be an object"));
    if (!violations.isEmpty()) {
      throw ProblemException.unprocessable(
          "invalid_config", "The config does not fit the template '" + name + "'.", violations);
    }
    template
        .table(config)
        .map(table -> table.contains(".") ? table.substring(0, table.indexOf('.')) : table)
        .filter(TemplateService::reserved)
        .ifPresent(
            schema -> {
              throw ProblemException.unprocessable(
                  "invalid_config",
                  "A template's table may not be in schema " + schema + ".",
                  List.of(
                      new Violation(
                          "/config/table",
                          "schema "
                              + schema
                              + " is Slipway's or PostgreSQL's: use a schema of your own")));
            });
    Seen seen = seen(actor.orgId(), template, config);
    Bundle bundle;
    try {
      bundle = template.generate(config, seen.columns(), seen.login());
    } catch (InvalidSpecException e) {
      throw ProblemException.unprocessable(
          "invalid_config", "The config cannot be generated from.", e.violations());
    }
    if (request.path("dryRun").asBoolean(false)) {
      if (request.path("deploy").asBoolean(false))
        throw ProblemException.unprocessable(
            "invalid_request",
            "A dry run saves and deploys nothing.",
            List.of(new Violation("/deploy", "must be left out of a dry run")));
      return new Created(
          bundle, openApi(bundle), asyncApi(bundle), List.of(), false, List.of(), Optional.empty());
    }
    boolean migrated = !bundle.migration().isEmpty();
    if (migrated) {
      platform.system(
          c -> {
            try (var statement = c.createStatement()) {
              statement.execute(bundle.migration());
            }
            audit.record(
                c,
                actor.success("template.migrate", name + ":" + template.table(config).orElse("")));
            return null;
          });
    }
    ObjectNode openApi = openApi(bundle);
    var saved = new ArrayList<EndpointStore.Saved>();
    for (ObjectNode spec : bundle.specs()) {
      saved.add(versions.save(actor, spec.toString(), Optional.empty()));
    }
    List<String> names = saved.stream().map(s -> s.version().name()).toList();
    List<DraftTests.Outcome> results = drafts.run(actor, names, bundle.fixtures(), bundle.tests());
    Optional<Release> release = Optional.empty();
    if (request.path("deploy").asBoolean(false)) {
      DraftTests.requirePassed(results);
      var targets =
          saved.stream()
              .map(s -> new Deployer.Target(s.version().name(), Optional.of(s.version().version())))
              .toList();
      release =
          Optional.of(
              deployer.deploy(
                  actor,
                  new Deployer.DeployRequest(
                      targets, List.of(), Optional.of(name + " " + bundle.endpointUrl()))));
    }
    return new Created(bundle, openApi, asyncApi(bundle), saved, migrated, results, release);
  }

  private ObjectNode openApi(Bundle bundle) {
    return OpenApi.document(bundle.endpointUrl(), "draft", decoded(bundle));
  }

  /** The bundle's channels as AsyncAPI 3.0; empty when it has none. */
  private Optional<ObjectNode> asyncApi(Bundle bundle) {
    return AsyncApi.document(bundle.endpointUrl(), decoded(bundle));
  }

  private List<EndpointSpec> decoded(Bundle bundle) {
    var specs = new ArrayList<EndpointSpec>();
    for (ObjectNode spec : bundle.specs()) {
      try {
        specs.add(codec.decode(spec));
      } catch (InvalidSpecException e) {
        throw new IllegalStateException(
            "a template generated a spec that does not decode: " + e.violations(), e);
      }
    }
    return specs;
  }

  /**
   * What the org's own login sees of the tables a config names: the columns of its table (empty
   * when there is no such table), and the login's name. A table that exists but that the login may
   * not use (another org's, Slipway's) is a 422 naming it, whether it is the config's table or one
   * it refers to, and nothing is generated over it.
   */
  private record Seen(String login, Optional<Map<String, String>> columns) {}

  private Seen seen(long org, Template template, JsonNode config) throws SQLException {
    var violations = new ArrayList<Violation>();
    Seen seen;
    try (Connection c = connections.clean(org)) {
      try {
        String login;
        try (var rs = c.createStatement().executeQuery("select session_user")) {
          rs.next();
          login = rs.getString(1);
        }
        Optional<Map<String, String>> columns = Optional.empty();
        Optional<String> table = template.table(config);
        if (table.isPresent()) {
          Map<String, String> found = columns(c, table.get());
          if (!found.isEmpty()) columns = Optional.of(found);
          else if (exists(table.get()))
            violations.add(notUsable("/config/table", table.get(), login));
        }
        for (var reference : template.references(config).entrySet()) {
          if (columns(c, reference.getValue()).isEmpty()) {
            violations.add(
                exists(reference.getValue())
                    ? notUsable(reference.getKey(), reference.getValue(), login)
                    : new Violation(
                        reference.getKey(), "there is no table " + reference.getValue()));
          }
        }
        seen = new Seen(login, columns);
      } finally {
        c.rollback();
      }
    }
    if (!violations.isEmpty()) {
      throw ProblemException.unprocessable(
          "table_not_usable", "The config names a table this org may not use.", violations);
    }
    return seen;
  }

  private static Violation notUsable(String pointer, String table, String login) {
    return new Violation(
        pointer,
        "the table "
            + table
            + " exists, but this org's database login "
            + login
            + " may not use it (another org's table, or one not granted to this org); name another table");
  }

  /**
   * The table's columns that {@code c}'s login may use, by name with their information_schema type.
   */
  private static Map<String, String> columns(Connection c, String qualified) throws SQLException {
    int dot = qualified.indexOf('.');
    try (var ps =
        c.prepareStatement(
            "select column_name, data_type from information_schema.columns "
                + "where table_schema = ? and table_name = ? order by ordinal_position")) {
      ps.setString(1, qualified.substring(0, dot));
      ps.setString(2, qualified.substring(dot + 1));
      var columns = new LinkedHashMap<String, String>();
      try (var rs = ps.executeQuery()) {
        while (rs.next()) columns.put(rs.getString(1), rs.getString(2));
      }
      return columns;
    }
  }

  /** Whether the table exists at all, whoever may use it (Slipway's own user sees every table). */
  private boolean exists(String qualified) throws SQLException {
    int dot = qualified.indexOf('.');
    return platform.system(
        c -> {
          try (var ps =
              c.prepareStatement(
                  "select from pg_class t join pg_namespace n on n.oid = t.relnamespace "
                      + "where n.nspname = ? and t.relname = ?")) {
            ps.setString(1, qualified.substring(0, dot));
            ps.setString(2, qualified.substring(dot + 1));
            try (var rs = ps.executeQuery()) {
              return rs.next();
            }
          }
        });
  }
}
