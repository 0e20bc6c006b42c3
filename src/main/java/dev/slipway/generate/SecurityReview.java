package dev.slipway.generate;

import dev.slipway.generate.DatabaseSchema.Table;
import dev.slipway.spec.Auth;
import dev.slipway.spec.EndpointSpec;
import dev.slipway.spec.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads generated specs for what a reviewer would refuse: writes anyone may call when nobody asked
 * for that, secrets answered or logged, credential-like columns read, lists with no bound, SQL
 * built from strings in scripts, and tables under row-level security read with no caller for their
 * policies to see, and URLs fetched that the org's egress allow-list refuses. Each finding names
 * the endpoint and where in it.
 */
public final class SecurityReview {
  private static final Pattern CREDENTIAL =
      Pattern.compile("(password|passwd|secret|token|api_?key|private_?key|hash|salt|credential)");
  private static final Pattern SELECT_STAR = Pattern.compile("(?i)select\\s+(\\w+\\.)?\\*");
  private static final Pattern STRING_SQL =
      Pattern.compile(
          "(?s)\\.query\\(\\s*(`[^`]*\\$\\{|'[^']*'\\s*\\+|\"[^\"]*\"\\s*\\+|[A-Za-z_]+\\s*\\+)");
  private static final Pattern SECRET_LOGGED =
      Pattern.compile("(?s)(console\\.log|ctx\\.log)\\([^)]*secrets");
  private static final Pattern FETCHED =
      Pattern.compile("ctx\\.fetch\\(\\s*[\"'`](https?://[^\"'`$]+)");
  private static final Pattern FROM_TABLE =
      Pattern.compile(
          "(?i)\\b(from|join|into|update)\\s+([a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*|[a-z_][a-z0-9_]*)");

  private SecurityReview() {}

  /** What an org's egress allow-list says of a URL a script fetches: why not, or empty. */
  @FunctionalInterface
  public interface Outbound {
    Outbound ANY = url -> Optional.empty();

    Optional<String> refusal(String url);
  }

  public static List<String> findings(
      List<EndpointSpec> specs, DatabaseSchema schema, boolean publicAsked) {
    return findings(specs, schema, publicAsked, Outbound.ANY);
  }

  /**
   * @param publicAsked whether the request asked for a public endpoint
   * @param outbound the org's egress allow-list, for the URLs scripts fetch
   */
  public static List<String> findings(
      List<EndpointSpec> specs, DatabaseSchema schema, boolean publicAsked, Outbound outbound) {
    var findings = new ArrayList<String>();
    for (EndpointSpec spec : specs) {
      boolean open = spec.auth().mode() == Auth.Mode.PUBLIC;
      String name = spec.name();
      if (open && !spec.method().equals("GET") && !spec.method().equals("HEAD") && !publicAsked)
        findings.add(
            name + ": " + spec.method() + " changes data and anyone may call it (auth: public)");
      spec.response()
          .body()
          .filter(body -> body.toString().contains("secrets."))
          .ifPresent(body -> findings.add(name + ": /response/body answers a secret's value"));
      for (int i = 0; i < spec.steps().size(); i++) {
        String at = name + ": /steps/" + i;
        switch (spec.steps().get(i)) {
          case Step.SqlStep step -> {
            String sql = step.sql();
            String lower = sql.toLowerCase(Locale.ROOT);
            for (Table table : tables(sql, schema)) {
              boolean reads = lower.startsWith("select") || lower.startsWith("with");
              if (reads && SELECT_STAR.matcher(sql).find())
                table.columns().stream()
                    .filter(c -> CREDENTIAL.matcher(c.name()).find())
                    .forEach(
                        c ->
                            findings.add(
                                at
                                    + "/sql selects * from "
                                    + table.qualifiedName()
                                    + ", which has the credential-like column "
                                    + c.name()));
              if (table.rowLevelSecurity() && spec.auth().mode() == Auth.Mode.PUBLIC)
                findings.add(
                    at
                        + "/sql reads "
                        + table.qualifiedName()
                        + ", whose row-level security policies see no caller on a public endpoint");
            }
            for (Table table : schema.tables())
              for (var column : table.columns())
                if (CREDENTIAL.matcher(column.name()).find()
                    && lower.matches(
                        "(?s)select\\b.*\\b" + Pattern.quote(column.name()) + "\\b.*\\bfrom\\b.*")
                    && mentions(lower, table))
                  findings.add(
                      at
                          + "/sql reads the credential-like column "
                          + table.qualifiedName()
                          + "."
                          + column.name());
            if (step.expect() == Step.Expect.MANY
                && (lower.startsWith("select") || lower.startsWith("with"))
                && !lower.matches("(?s).*\\blimit\\b.*")
                && !lower.matches("(?s).*\\b(count|sum|avg|min|max)\\s*\\(.*"))
              findings.add(at + "/sql lists rows with no LIMIT");
          }
          case Step.ScriptStep step -> {
            if (STRING_SQL.matcher(step.code()).find())
              findings.add(
                  at
                      + "/code builds SQL from strings; pass values as parameters: ctx.db.query(sql, {name: value}) for :name");
            if (SECRET_LOGGED.matcher(step.code()).find()) findings.add(at + "/code logs a secret");
            Matcher fetched = FETCHED.matcher(step.code());
            while (fetched.find()) {
              String url = fetched.group(1);
              outbound
                  .refusal(url)
                  .ifPresent(
                      why ->
                          findings.add(
                              at
                                  + "/code fetches "
                                  + url
                                  + ", which this org's egress allow-list refuses: "
                                  + why));
            }
          }
          case Step.RespondStep step ->
              step.response()
                  .body()
                  .filter(body -> body.toString().contains("secrets."))
                  .ifPresent(body -> findings.add(at + "/respond answers a secret's value"));
          default -> {}
        }
      }
    }
    return findings;
  }

  /**
   * What a model's proposal must keep of the request: endpoints no more open than the auth asked
   * ({@code apiKey} unless {@code public} was asked), and rows scoped to each claim the context
   * names (the spec reads {@code auth.sub} for a user, {@code auth.claims.<claim>} otherwise).
   */
  public static List<String> againstRequest(List<EndpointSpec> specs, GenerationRequest request) {
    var findings = new ArrayList<String>();
    for (EndpointSpec spec : specs) {
      if (!request.auth().equals("public") && spec.auth().mode() == Auth.Mode.PUBLIC)
        findings.add(
            spec.name() + ": /auth is public, but the request asked for " + request.auth());
      String text = dev.slipway.spec.SpecBuilder.json(spec).path("steps").toString();
      for (String key : request.scope().keySet()) {
        String claim = request.claim(key);
        String needed = claim.equals("sub") ? "auth.sub" : "auth.claims." + claim;
        if (!text.contains(needed))
          findings.add(
              spec.name()
                  + ": its steps never read "
                  + needed
                  + ", so its rows are not scoped to the "
                  + request.scope().get(key)
                  + " ("
                  + key
                  + ")");
      }
    }
    return findings;
  }

  private static boolean mentions(String sql, Table table) {
    return sql.contains(table.qualifiedName())
        || sql.matches("(?s).*\\b" + Pattern.quote(table.name()) + "\\b.*");
  }

  /** The tables of the schema an SQL text names after from, join, into or update. */
  private static List<Table> tables(String sql, DatabaseSchema schema) {
    var found = new ArrayList<Table>();
    Matcher m = FROM_TABLE.matcher(sql);
    while (m.find()) {
      Optional<Table> table = schema.table(m.group(2).toLowerCase(Locale.ROOT));
      if (table.isPresent() && !found.contains(table.get())) found.add(table.get());
    }
    return found;
  }
}
