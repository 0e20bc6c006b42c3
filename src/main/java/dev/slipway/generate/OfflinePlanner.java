package dev.slipway.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.slipway.common.Json;
import dev.slipway.generate.DatabaseSchema.Column;
import dev.slipway.generate.DatabaseSchema.Table;
import dev.slipway.generate.JoinPaths.Join;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.spec.Auth;
import dev.slipway.spec.EndpointSpec;
import dev.slipway.spec.Fixture;
import dev.slipway.spec.SpecBuilder;
import dev.slipway.spec.Step;
import dev.slipway.spec.TestCase;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plans an endpoint from a description without a model, over the schema analyzer's tables, for the
 * common shapes: a list (filtered by the columns the description names, ordered, paged), one row by
 * its key, a text search, counts and sums grouped by a column, each with the child collections
 * (along foreign keys to many) and parent objects (to one) the description names, and scoped to the
 * caller's claims the context names. What it cannot plan (writes, several endpoints at once,
 * anything else) is a 422 {@code model_required} saying so. Deterministic: the same description
 * over the same schema gives the same plan.
 */
public final class OfflinePlanner {
  /** The name usage reports for it. */
  public static final String MODEL = "offline-planner";

  private static final Pattern PREAMBLE =
      Pattern.compile(
          "^\\s*(please\\s+)?(create|build|make|write|generate|add|give me|i need|i want|we need)\\s+"
              + "(me\\s+|us\\s+)?(an?\\s+|the\\s+)?(new\\s+)?(rest\\s+|http\\s+|json\\s+)?"
              + "(api\\s+)?(endpoint|api|route|service)s?\\b\\s*(that|which|to|for|:)?\\s*");
  private static final Pattern WRITE =
      Pattern.compile(
          "\\b(create|creates|add|adds|insert|inserts|update|updates|edit|edits|delete|deletes|remove|removes|crud|manage|manages|upsert|post|put|patch)\\b");

  /** Every operation on a table: "crud", "manage", or create, update and delete named together. */
  private static final Pattern CRUD =
      Pattern.compile(
          "\\b(crud|manage|manages)\\b|(?=.*\\b(create|add)\\b)(?=.*\\b(update|edit|change)\\b)(?=.*\\b(delete|remove)\\b)");

  private static final Pattern ONLY_ROLE =
      Pattern.compile(
          "\\bonly (admins?|owners?|editors?|members?|managers?|staff)( users?)? (?:may|can) (delete|remove|update|edit|change|create|add|write|read|list|see|view|get)\\b");
  private static final Pattern ANYONE =
      Pattern.compile(
          "\\b(anyone|everyone|the public|public)( users?)? (?:may|can) (read|list|see|view|get)\\b");
  private static final Pattern AGGREGATE =
      Pattern.compile(
          "\\b(count|counts|number of|how many|total|totals|sum|average|averages|avg|statistics|stats)\\b");
  private static final Pattern SEARCH =
      Pattern.compile(
          "\\b(search|searches|find|finds|matching|containing|contains|look up|lookup)\\b");
  private static final Pattern ONE =
      Pattern.compile(
          "\\b(by (its |their |the |an |a )?(id|key|primary key)|single|one|a specific|details? of)\\b");

  /** What the offline planner cannot express: rankings, absence, comparisons, time buckets. */
  private static final Pattern BEYOND =
      Pattern.compile(
          "\\b(top \\d+|best[- ]selling|most (popular|sold|ordered|reviewed|expensive)|highest|lowest"
              + "|cheapest|never|without any|(fewer|less|more|greater|older|newer) than|below|above|between"
              + "|monthly|weekly|daily|yearly|per (month|week|day|year)|by (month|week|day|year))\\b");

  private static final Pattern ORDERED =
      Pattern.compile(
          "\\b(sorted|ordered|order|sort) by ([a-z_]+(?: (?!asc|desc)[a-z_]+)?)(?:,? ?(asc|ascending|desc|descending))?");
  private static final Pattern RECENT = Pattern.compile("\\b(recent|latest|newest|last)\\b");
  private static final Pattern GROUP =
      Pattern.compile("\\b(by|per|for each|grouped by)\\s+([a-z_ ]+)");
  private static final Pattern SUM = Pattern.compile("\\b(total|sum)( of)?\\s+([a-z_]+)");
  private static final Pattern AVERAGE = Pattern.compile("\\b(average|avg)( of)?\\s+([a-z_]+)");

  /** Values a test's caller carries for the scope's claims, by column type. */
  private static final String SCOPE_UUID = "5c0be000-0000-4000-8000-00000000000a";

  private static final int CHILD_ROWS = 50;
  private static final int RECENT_ROWS = 10;

  private final DatabaseSchema schema;
  private final GenerationRequest request;
  private final String text;

  /** The description's words ({@link Relevance#words}), read once. */
  private final List<String> words;

  private final List<String> notes = new ArrayList<>();
  private final JoinPaths paths;

  private OfflinePlanner(DatabaseSchema schema, GenerationRequest request) {
    this.schema = schema;
    this.request = request;
    this.text = PREAMBLE.matcher(request.description().toLowerCase(Locale.ROOT)).replaceFirst("");
    this.words = Relevance.words(text);
    this.paths = new JoinPaths(schema);
  }

  /** The plan for the request over the schema; 422 {@code model_required} when there is none. */
  public static Plan plan(DatabaseSchema schema, GenerationRequest request) {
    return new OfflinePlanner(schema, request).plan();
  }

  /** A table reached from the main one along foreign keys, and what it is called in the answer. */
  private record Related(Table table, List<Join> path, String key, boolean many) {}

  /** Rows limited to the caller: {@code column} equal to the claim (or the subject). */
  private record Scope(String contextKey, String claim, Column column) {
    /** The CEL expression of the caller's value. */
    String value() {
      return claim.equals("sub") ? "${auth.sub}" : "${auth.claims." + claim + "}";
    }
  }

  private Plan plan() {
    if (CRUD.matcher(text).find()) return crud();
    if (WRITE.matcher(text).find())
      throw modelRequired(
          "it plans endpoints that read (lists, one row, search, counts); one that creates, changes"
              + " or deletes rows needs a model, or the crud-endpoint template (POST /api/create-endpoint)");
    Matcher beyond = BEYOND.matcher(text);
    if (beyond.find())
      throw modelRequired(
          "it plans lists, single rows, searches and grouped counts; '"
              + beyond.group()
              + "' (a ranking, an absence, a comparison or a time bucket) needs a model");
    List<Table> tables = tables();
    Table main = tables.getFirst();
    if (!main.may("select"))
      throw modelRequired("this org's database login may not read " + main.qualifiedName());
    var related = new ArrayList<Related>();
    for (Table other : tables.subList(1, tables.size()))
      related(main, other).ifPresent(related::add);
    List<Scope> scopes = scopes(main);
    String shape =
        AGGREGATE.matcher(text).find()
            ? "aggregate"
            : SEARCH.matcher(text).find() ? "search" : ONE.matcher(text).find() ? "get" : "list";
    if (shape.equals("aggregate")) {
      Optional<Table> measured = measuredElsewhere(main);
      if (measured.isPresent()) {
        notes.add(
            "counted over "
                + measured.get().qualifiedName()
                + ", which holds what is measured, by its key to "
                + main.qualifiedName());
        main = measured.get();
        related.clear();
        scopes = scopes(main);
      }
    }
    if (shape.equals("get")
        && (main.primaryKey().size() != 1 || main.column(main.primaryKey().getFirst()).isEmpty())) {
      notes.add(
          main.qualifiedName()
              + " has no single-column primary key to get a row by; listing instead");
      shape = "list";
    }
    Auth auth =
        request.auth().equals("public")
            ? Auth.PUBLIC
            : new Auth(Auth.Mode.API_KEY, List.of(), "role", Optional.empty());
    var builder = new EndpointBuilder(main, related, scopes, auth);
    ObjectNode spec =
        switch (shape) {
          case "aggregate" -> builder.aggregate();
          case "search" -> builder.search();
          case "get" -> builder.get();
          default -> builder.list();
        };
    var tests = new Tests(main, related, scopes, spec, shape);
    var all = new ArrayList<String>();
    all.add(main.qualifiedName());
    related.forEach(
        r ->
            r.path()
                .forEach(
                    j -> {
                      if (!all.contains(j.to())) all.add(j.to());
                    }));
    return new Plan(
        shape,
        List.of(spec),
        tests.fixtures(),
        tests.cases(),
        List.copyOf(all),
        builder.explanation(),
        List.copyOf(notes));
  }

  /** The words a sum or an average names ("total price", "average rating"). */
  private List<String> measureWords() {
    var words = new ArrayList<String>();
    for (Pattern pattern : List.of(SUM, AVERAGE)) {
      Matcher m = pattern.matcher(text);
      while (m.find()) words.add(Relevance.singular(m.group(3)));
    }
    return words;
  }

  private static Optional<Column> numeric(Table table, String word) {
    return table.columns().stream()
        .filter(c -> ColumnKinds.isInteger(c) || ColumnKinds.isDecimal(c))
        .filter(c -> Relevance.words(c.name().replace('_', ' ')).contains(word))
        .findFirst();
  }

  /**
   * A table whose rows refer to {@code main} and hold the column a sum or average names, when
   * {@code main} does not ("average rating per book": reviews, by their book).
   */
  private Optional<Table> measuredElsewhere(Table main) {
    List<String> measures = measureWords();
    if (measures.isEmpty() || measures.stream().anyMatch(w -> numeric(main, w).isPresent()))
      return Optional.empty();
    for (Table table : schema.tables()) {
      boolean refers =
          table.foreignKeys().stream().anyMatch(k -> k.references().equals(main.qualifiedName()));
      if (refers
          && table.may("select")
          && measures.stream().anyMatch(w -> numeric(table, w).isPresent()))
        return Optional.of(table);
    }
    return Optional.empty();
  }

  /**
   * List, get, create, update and delete of the main table, by the crud-endpoint template over the
   * table as it is: its columns become the validated fields (optional where nullable or defaulted;
   * the key, timestamps and generated columns the database's), a required foreign key nests it
   * under the table it refers to, a nullable one is left out.
   */
  private Plan crud() {
    Table main = tables().getFirst();
    if (!request.scope().isEmpty())
      // the template scopes rows by row-level security its migration adds; over a table as it is
      // there is no migration, so its endpoints would serve every caller's rows
      throw modelRequired(
          "CRUD over "
              + main.qualifiedName()
              + " scoped to "
              + String.join(", ", request.scope().keySet())
              + " needs row-level security the table does not have; without a model, ask for the"
              + " crud-endpoint template with scope: tenant, or leave the context's scope out");
    Optional<Column> id = main.column("id");
    if (!main.primaryKey().equals(List.of("id")) || id.isEmpty() || !id.get().type().equals("uuid"))
      throw modelRequired(
          "the crud-endpoint template serves tables keyed by a uuid column id; "
              + main.qualifiedName()
              + " is not");
    for (String privilege : List.of("select", "insert", "update", "delete"))
      if (!main.may(privilege))
        throw modelRequired(
            "this org's database login may not " + privilege + " " + main.qualifiedName());
    ObjectNode config = Json.MAPPER.createObjectNode();
    config.put("resource", kebab(main.name())).put("table", main.qualifiedName());
    config.put("basePath", request.basePath());
    ObjectNode permissions = permissions();
    if (!permissions.isEmpty()) config.set("permissions", permissions);
    ObjectNode validation = config.putObject("validation");
    var columns = new LinkedHashMap<String, String>();
    for (Column column : main.columns()) {
      columns.put(column.name(), informationSchemaType(column));
      if (column.name().equals("id")
          || column.generated() != null
          || List.of("created_at", "updated_at").contains(column.name())) continue;
      var key =
          main.foreignKeys().stream()
              .filter(k -> k.columns().equals(List.of(column.name())))
              .findFirst();
      if (key.isPresent()) {
        if (column.nullable() || config.has("parent")) {
          notes.add(
              column.name()
                  + " (a key to "
                  + key.get().references()
                  + ") is left out of the fields");
          continue;
        }
        Table parent = schema.byName().get(key.get().references());
        String singular = Relevance.singular(parent.name());
        config
            .putObject("parent")
            .put("resource", kebab(parent.name()))
            .put("param", camel(singular) + "Id")
            .put("column", column.name())
            .put("table", parent.qualifiedName());
        continue;
      }
      Optional<String> type = fieldType(main, column);
      if (type.isEmpty()) {
        notes.add(column.name() + " (" + column.type() + ") is left out of the fields");
        continue;
      }
      validation.put(column.name() + (column.optionalOnInsert() ? "?" : ""), type.get());
    }
    dev.slipway.templates.Bundle bundle;
    try {
      bundle =
          new dev.slipway.templates.crud.CrudTemplate()
              .generate(config, Optional.of(columns), "unused");
    } catch (dev.slipway.spec.InvalidSpecException e) {
      throw modelRequired(
          "the crud-endpoint template cannot serve "
              + main.qualifiedName()
              + " as it is: "
              + String.join(
                  "; ", e.violations().stream().map(v -> v.path() + " " + v.message()).toList()));
    }
    return new Plan(
        "crud",
        bundle.specs(),
        bundle.fixtures(),
        bundle.tests(),
        List.of(main.qualifiedName()),
        bundle.explanation() + (notes.isEmpty() ? "" : " Note: " + String.join("; ", notes) + "."),
        List.copyOf(notes));
  }

  /**
   * Who may do what, as the description says: "only admins may delete" (a role for an operation),
   * "anyone can read" (public); operations not named admit any caller with a key.
   */
  private ObjectNode permissions() {
    ObjectNode permissions = Json.MAPPER.createObjectNode();
    Matcher only = ONLY_ROLE.matcher(text);
    while (only.find()) {
      String role = Relevance.singular(only.group(1));
      for (String operation : operations(only.group(3))) permissions.putArray(operation).add(role);
    }
    Matcher anyone = ANYONE.matcher(text);
    while (anyone.find())
      for (String operation : operations(anyone.group(3)))
        permissions.putArray(operation).add("public");
    return permissions;
  }

  private static List<String> operations(String verb) {
    return switch (verb) {
      case "delete", "remove" -> List.of("delete");
      case "update", "edit", "change" -> List.of("update");
      case "create", "add" -> List.of("create");
      case "write" -> List.of("create", "update", "delete");
      default -> List.of("read");
    };
  }

  private static String camel(String snake) {
    var out = new StringBuilder();
    boolean upper = false;
    for (char c : snake.toCharArray()) {
      if (c == '_') upper = true;
      else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }

  /** A column's type as information_schema names it, as the template checks columns by. */
  private static String informationSchemaType(Column column) {
    String type = column.type();
    if (type.endsWith("[]")) return "ARRAY";
    if (type.contains(".")) return "USER-DEFINED";
    int paren = type.indexOf('(');
    return paren < 0 ? type : type.substring(0, paren).trim();
  }

  /** The column in the templates' validation language; empty for a type it has no word for. */
  private Optional<String> fieldType(Table table, Column column) {
    List<String> allowed = ColumnKinds.allowed(table, column, schema);
    if (!allowed.isEmpty())
      return Optional.of(
          "enum("
              + String.join(
                  ", ", allowed.stream().map(v -> "'" + v.replace("'", "") + "'").toList())
              + ")");
    String type = column.type();
    if (ColumnKinds.isText(column)) {
      if (column.name().contains("email")) return Optional.of("email");
      Matcher m = Pattern.compile("\\((\\d+)\\)").matcher(type);
      return Optional.of("string(1.." + (m.find() ? m.group(1) : "1000") + ")");
    }
    if (ColumnKinds.isInteger(column)) return Optional.of("integer");
    if (ColumnKinds.isDecimal(column)) return Optional.of("number");
    return Optional.ofNullable(
        switch (type) {
          case "uuid" -> "uuid";
          case "boolean" -> "boolean";
          case "date" -> "date";
          case "timestamp with time zone", "timestamp without time zone" -> "datetime";
          case "text[]" -> "string[]";
          default -> null;
        });
  }

  private ProblemException modelRequired(String why) {
    return ProblemException.unprocessable(
        "model_required",
        "Without a model configured, this description cannot be planned: " + why + ".",
        List.of(new Violation("/description", why)));
  }

  /**
   * The tables: those {@code context.tables} names, the first being the main one; else those the
   * description is about, the one it names first being the main one, a table whose name is part of
   * another matched table's name that the description says whole (teams, for "team members") left
   * to join only.
   */
  private List<Table> tables() {
    var byName = schema.byName();
    if (!request.tables().isEmpty()) {
      var named = new ArrayList<Table>();
      var violations = new ArrayList<Violation>();
      for (int i = 0; i < request.tables().size(); i++) {
        Optional<Table> table = schema.table(request.tables().get(i));
        if (table.isPresent()) named.add(table.get());
        else
          violations.add(
              new Violation(
                  "/context/tables/" + i,
                  "this org's database login can reach no table " + request.tables().get(i)));
      }
      if (!violations.isEmpty())
        throw ProblemException.unprocessable(
            "unknown_table", "The context names a table this org cannot reach.", violations);
      return named;
    }
    var relevant = Relevance.of(schema, text, 6);
    var matched = new ArrayList<>(relevant.matched());
    matched.removeIf(
        s -> {
          List<String> name = nameWords(byName.get(s.table()));
          return matched.stream()
              .map(other -> byName.get(other.table()))
              .anyMatch(
                  other ->
                      nameWords(other).size() > name.size() && onlyWithin(name, nameWords(other)));
        });
    if (matched.isEmpty())
      throw modelRequired(
          "no table this org's database login can reach matches its words; name the tables in"
              + " context.tables");
    // the table named first is the main one; of two named at one place, the longer name ("order
    // items" rather than "orders")
    matched.sort(
        java.util.Comparator.<Relevance.Scored>comparingInt(s -> position(byName.get(s.table())))
            .thenComparing(s -> -nameWords(byName.get(s.table())).size())
            .thenComparing(s -> -s.score()));
    return matched.stream().map(s -> byName.get(s.table())).toList();
  }

  /**
   * Whether the description says {@code name} only as part of {@code whole} ("team" only in "team
   * members"), and says {@code whole} at least once.
   */
  private boolean onlyWithin(List<String> name, List<String> whole) {
    List<Integer> wholes = occurrences(words, whole);
    if (wholes.isEmpty()) return false;
    for (int at : occurrences(words, name))
      if (wholes.stream().noneMatch(w -> at >= w && at + name.size() <= w + whole.size()))
        return false;
    return true;
  }

  private static List<Integer> occurrences(List<String> words, List<String> phrase) {
    var found = new ArrayList<Integer>();
    for (int i = 0; i + phrase.size() <= words.size(); i++)
      if (words.subList(i, i + phrase.size()).equals(phrase)) found.add(i);
    return found;
  }

  private static List<String> nameWords(Table table) {
    return Relevance.words(table.name().replace('_', ' '));
  }

  /**
   * Where the description names the table: the first word at which its name's words stand in order
   * ("order items"), else (past every such place) the first of them standing alone.
   */
  private int position(Table table) {
    List<String> name = nameWords(table);
    for (int i = 0; i + name.size() <= words.size(); i++)
      if (words.subList(i, i + name.size()).equals(name)) return i;
    int first = Integer.MAX_VALUE;
    for (String word : name) if (words.contains(word)) first = Math.min(first, words.indexOf(word));
    return first == Integer.MAX_VALUE ? first : words.size() + first;
  }

  private Optional<Related> related(Table main, Table other) {
    Optional<List<Join>> path = paths.between(main.qualifiedName(), other.qualifiedName());
    if (path.isEmpty() || path.get().isEmpty()) {
      notes.add(
          other.qualifiedName()
              + " is not joined to "
              + main.qualifiedName()
              + " by foreign keys, so it was left out");
      return Optional.empty();
    }
    if (!other.may("select")) {
      notes.add("this org's database login may not read " + other.qualifiedName() + "; left out");
      return Optional.empty();
    }
    boolean many = path.get().stream().anyMatch(j -> !j.forward());
    return Optional.of(
        new Related(
            other, path.get(), many ? other.name() : Relevance.singular(other.name()), many));
  }

  /** The scopes the context names that the main table has a column for; the rest are noted. */
  private List<Scope> scopes(Table main) {
    var scopes = new ArrayList<Scope>();
    for (var entry : request.scope().entrySet()) {
      String key = entry.getKey();
      String snake = GenerationRequest.snakeCase(key);
      boolean user = request.claim(key).equals("sub");
      List<String> candidates =
          user
              ? List.of(snake, "user_id", "owner_id", "created_by", "author_id", "owner")
              : snake.matches("(org|organization|organisation|tenant|workspace|account)(_id)?")
                  ? List.of(
                      snake, "org_id", "organization_id", "tenant_id", "workspace_id", "account_id")
                  : List.of(snake);
      candidates = candidates.stream().distinct().toList();
      Optional<Column> column =
          candidates.stream().map(main::column).flatMap(Optional::stream).findFirst();
      if (column.isEmpty()) {
        notes.add(
            "no column of "
                + main.qualifiedName()
                + " holds the "
                + entry.getValue()
                + " ("
                + key
                + "; looked for "
                + String.join(", ", candidates)
                + "), so its rows are not scoped to it");
        continue;
      }
      scopes.add(new Scope(key, request.claim(key), column.get()));
    }
    return scopes;
  }

  /** The columns of the main table the description names (each of their words), for filters. */
  private List<Column> named(Table table, List<String> except) {
    return named(table, except, false);
  }

  /**
   * The columns of the table the description names: all their words, or with {@code anyWord} one of
   * them (the "name" of full_name) other than id.
   */
  private List<Column> named(Table table, List<String> except, boolean anyWord) {
    List<String> words = Relevance.words(ORDERED.matcher(text).replaceAll(" "));
    List<String> tableWords = Relevance.words(table.name().replace('_', ' '));
    var named = new ArrayList<Column>();
    for (Column column : table.columns()) {
      if (except.contains(column.name()) || !ColumnKinds.filterable(column)) continue;
      List<String> columnWords = Relevance.words(column.name().replace('_', ' '));
      boolean said =
          anyWord
              ? columnWords.stream()
                  .anyMatch(w -> !w.equals("id") && words.contains(w) && !tableWords.contains(w))
              : words.containsAll(columnWords);
      if (!columnWords.isEmpty() && said && !tableWords.containsAll(columnWords)) named.add(column);
    }
    return named;
  }

  /** The column rows are ordered by: a timestamp (newest first), else the key. */
  private static Optional<Column> timeColumn(Table table) {
    for (String name : List.of("created_at", "inserted_at", "occurred_at", "updated_at"))
      if (table.column(name).isPresent()) return table.column(name);
    return table.columns().stream().filter(ColumnKinds::isTime).findFirst();
  }

  private static String order(Table table, String alias) {
    var parts = new ArrayList<String>();
    timeColumn(table).ifPresent(c -> parts.add(alias + "." + SqlNames.quote(c.name()) + " desc"));
    table.primaryKey().forEach(k -> parts.add(alias + "." + SqlNames.quote(k)));
    if (parts.isEmpty()) parts.add("1");
    return String.join(", ", parts);
  }

  /**
   * The main table's order: the column the description orders by ("sorted by name", "ordered by
   * price descending", "cheapest first" is not read), else a timestamp newest first, the key
   * breaking ties.
   */
  private String mainOrder(Table table, String alias) {
    Matcher m = ORDERED.matcher(text);
    if (m.find()) {
      List<String> wanted = Relevance.words(m.group(2).replace('_', ' '));
      for (Column column : table.columns()) {
        if (Relevance.words(column.name().replace('_', ' ')).equals(wanted)
            || column.name().equals(m.group(2))) {
          boolean descending = m.group(3) != null && m.group(3).startsWith("desc");
          var parts = new ArrayList<String>();
          parts.add(alias + "." + SqlNames.quote(column.name()) + (descending ? " desc" : ""));
          table.primaryKey().forEach(k -> parts.add(alias + "." + SqlNames.quote(k)));
          return String.join(", ", parts);
        }
      }
      notes.add("no column of " + table.qualifiedName() + " is '" + m.group(2) + "' to order by");
    }
    return order(table, alias);
  }

  private static String columns(Table table, String alias) {
    return String.join(
        ", ", table.columns().stream().map(c -> alias + "." + SqlNames.quote(c.name())).toList());
  }

  private static String kebab(String name) {
    return name.replace('_', '-').toLowerCase(Locale.ROOT);
  }

  /** Builds the spec for one shape over the main table. */
  private final class EndpointBuilder {
    private final Table main;
    private final List<Related> related;
    private final List<Scope> scopes;
    private final Auth auth;
    private final Map<String, JsonNode> params = new LinkedHashMap<>();
    private final List<String> said = new ArrayList<>();
    private String route = "";

    EndpointBuilder(Table main, List<Related> related, List<Scope> scopes, Auth auth) {
      this.main = main;
      this.related = related;
      this.scopes = scopes;
      this.auth = auth;
    }

    private String base() {
      return request.basePath() + "/" + kebab(main.name());
    }

    private SpecBuilder endpoint(String name, String path, String description) {
      route = "GET " + path;
      var spec = SpecBuilder.endpoint(name, "GET", path).description(description).auth(auth);
      for (Scope scope : scopes) {
        if (scope.claim().equals("sub")) continue;
        spec.step(
            new Step.RespondStep(
                "scope",
                Optional.of("${!has(auth.claims." + scope.claim() + ")}"),
                new EndpointSpec.Response(
                    Json.MAPPER.getNodeFactory().numberNode(403),
                    Map.of("content-type", TextNode.valueOf("application/problem+json")),
                    Optional.of(
                        Json.MAPPER
                            .createObjectNode()
                            .put("type", "about:blank")
                            .put("title", "Forbidden")
                            .put("status", 403)
                            .put("code", "missing_claim")
                            .put(
                                "detail",
                                "This endpoint serves rows of the caller's "
                                    + scope.contextKey()
                                    + ": the caller's credentials carry no "
                                    + scope.claim()
                                    + " claim.")))));
      }
      return spec;
    }

    /** {@code and a.org_id = :org_id ...} for the scopes, their params set. */
    private String scoped(String alias) {
      var sql = new StringBuilder();
      for (Scope scope : scopes) {
        String param = "scope_" + scope.column().name();
        sql.append(" and ")
            .append(alias)
            .append('.')
            .append(SqlNames.quote(scope.column().name()))
            .append(" = :")
            .append(param);
        params.put(param, TextNode.valueOf(scope.value()));
        said.add(
            "only rows whose "
                + scope.column().name()
                + " is the caller's "
                + (scope.claim().equals("sub") ? "subject (sub)" : scope.claim() + " claim")
                + " ("
                + request.scope().get(scope.contextKey())
                + ")");
      }
      return sql.toString();
    }

    /** The related tables as columns of the main table's rows: lists to many, objects to one. */
    private String nested() {
      var sql = new StringBuilder();
      boolean recent = RECENT.matcher(text).find();
      for (Related r : related) {
        Table target = r.table();
        var from = new StringBuilder();
        String correlation = "";
        List<Join> path = r.path();
        for (int k = 0; k < path.size(); k++) {
          Join join = path.get(k);
          Table to = schema.byName().get(join.to());
          String alias = "j" + (k + 1);
          String previous = k == 0 ? "a" : "j" + k;
          var on = new ArrayList<String>();
          for (int c = 0; c < join.toColumns().size(); c++)
            on.add(
                alias
                    + "."
                    + SqlNames.quote(join.toColumns().get(c))
                    + " = "
                    + previous
                    + "."
                    + SqlNames.quote(join.fromColumns().get(c)));
          from.append(k == 0 ? " from " : " join ")
              .append(SqlNames.table(to))
              .append(' ')
              .append(alias);
          if (k == 0) correlation = " where " + String.join(" and ", on);
          else from.append(" on ").append(String.join(" and ", on));
        }
        from.append(correlation);
        String last = "j" + path.size();
        String through =
            path.size() > 1
                ? " (through "
                    + String.join(
                        ", ",
                        path.subList(0, path.size() - 1).stream()
                            .map(j -> j.to().substring(j.to().indexOf('.') + 1))
                            .toList())
                    + ")"
                : "";
        if (r.many()) {
          int rows = recent ? RECENT_ROWS : CHILD_ROWS;
          sql.append(",\n  coalesce((select json_agg(x) from (select ")
              .append(columns(target, last))
              .append(from)
              .append(" order by ")
              .append(order(target, last))
              .append(" limit ")
              .append(rows)
              .append(") x), '[]'::json) as ")
              .append(SqlNames.quote(r.key()));
          said.add(
              "each with its "
                  + (recent ? rows + " most recent " : "first " + rows + " ")
                  + target.name().replace('_', ' ')
                  + through
                  + " as "
                  + r.key()
                  + timeColumn(target).map(c -> ", newest first").orElse(""));
        } else {
          sql.append(",\n  (select row_to_json(x) from (select ")
              .append(columns(target, last))
              .append(from)
              .append(" limit 1) x) as ")
              .append(SqlNames.quote(r.key()));
          said.add("each with its " + target.name().replace('_', ' ') + through + " as " + r.key());
        }
      }
      return sql.toString();
    }

    ObjectNode list() {
      List<Column> filters = named(main, scopes.stream().map(s -> s.column().name()).toList());
      var spec =
          endpoint(
              "list-" + kebab(main.name()), base(), "Lists " + main.name().replace('_', ' ') + ".");
      var where = new StringBuilder(" where true");
      for (Column column : filters) {
        spec.query(column.name(), ColumnKinds.schema(main, column, schema));
        where
            .append(" [[and a.")
            .append(SqlNames.quote(column.name()))
            .append(" = :")
            .append(column.name())
            .append("]]");
        params.put(column.name(), TextNode.valueOf("${input.query." + column.name() + "}"));
      }
      if (!filters.isEmpty())
        said.add(
            "filtered by "
                + String.join(", ", filters.stream().map(c -> "?" + c.name() + "=").toList())
                + " when sent");
      where.append(scoped("a"));
      return page(spec, where.toString().trim());
    }

    /** The main table's rows (and what is nested in them) {@code where}, ordered and paged. */
    private ObjectNode page(SpecBuilder spec, String where) {
      String sql =
          selectFrom()
              + where
              + "\norder by "
              + mainOrder(main, "a")
              + "\nlimit :limit offset :offset";
      paging(spec);
      return spec.step(new Step.SqlStep("rows", Optional.empty(), sql, params, Step.Expect.MANY))
          .responseBody("${steps.rows.rows}")
          .json();
    }

    /** {@code select} the main table's columns and the nested ones {@code from} it as {@code a}. */
    private String selectFrom() {
      return "select " + columns(main, "a") + nested() + "\nfrom " + SqlNames.table(main) + " a\n";
    }

    private void paging(SpecBuilder spec) {
      spec.query(
          "limit",
          Json.parse("{\"type\": \"integer\", \"minimum\": 1, \"maximum\": 100, \"default\": 20}"));
      spec.query("offset", Json.parse("{\"type\": \"integer\", \"minimum\": 0, \"default\": 0}"));
      params.put("limit", TextNode.valueOf("${input.query.limit}"));
      params.put("offset", TextNode.valueOf("${input.query.offset}"));
      said.add(
          "ordered by "
              + mainOrder(main, "a").replace("a.", "")
              + ", 20 at a time (?limit= up to 100, ?offset=)");
    }

    ObjectNode get() {
      Column key = main.column(main.primaryKey().getFirst()).orElseThrow();
      var spec =
          endpoint(
                  "get-" + kebab(Relevance.singular(main.name())),
                  base() + "/:id",
                  "Gets one of "
                      + main.name().replace('_', ' ')
                      + " by its "
                      + key.name()
                      + "; 404 when there is none.")
              .param("id", ColumnKinds.schema(main, key, schema));
      params.put("id", TextNode.valueOf("${input.params.id}"));
      String sql = selectFrom() + "where a." + SqlNames.quote(key.name()) + " = :id" + scoped("a");
      said.add(0, "404 when there is no such row");
      return spec.step(new Step.SqlStep("row", Optional.empty(), sql, params, Step.Expect.ONE))
          .responseBody("${steps.row.row}")
          .json();
    }

    ObjectNode search() {
      List<Column> searched =
          named(main, List.of(), true).stream().filter(ColumnKinds::isText).toList();
      if (searched.isEmpty())
        searched =
            main.columns().stream()
                .filter(ColumnKinds::isText)
                .filter(
                    c ->
                        List.of(
                                "name",
                                "title",
                                "description",
                                "email",
                                "subject",
                                "summary",
                                "body",
                                "content")
                            .contains(c.name()))
                .toList();
      if (searched.isEmpty())
        searched = main.columns().stream().filter(ColumnKinds::isText).toList();
      if (searched.isEmpty())
        throw modelRequired(main.qualifiedName() + " has no text column to search");
      var spec =
          endpoint(
              "search-" + kebab(main.name()),
              base() + "/search",
              "Searches "
                  + main.name().replace('_', ' ')
                  + " for ?q= in "
                  + String.join(", ", searched.stream().map(Column::name).toList())
                  + ".");
      spec.query(
          "q",
          Json.parse(
              "{\"type\": \"string\", \"minLength\": 1, \"maxLength\": 200, \"required\": true}"));
      params.put("q", TextNode.valueOf("${input.query.q}"));
      var matches = new ArrayList<String>();
      for (Column column : searched)
        matches.add("strpos(lower(a." + SqlNames.quote(column.name()) + "), lower(:q)) > 0");
      said.add(
          "rows whose "
              + String.join(" or ", searched.stream().map(Column::name).toList())
              + " contains ?q= (any case; % and _ are plain characters)");
      return page(spec, "where (" + String.join(" or ", matches) + ")" + scoped("a"));
    }

    ObjectNode aggregate() {
      Optional<Column> group = groupColumn();
      var measures = new ArrayList<String>();
      measures.add("count(*) as count");
      var measured = new ArrayList<String>();
      measure(SUM, "sum", "total_", measures, measured);
      measure(AVERAGE, "avg", "average_", measures, measured);
      String name =
          "count-" + kebab(main.name()) + group.map(c -> "-by-" + kebab(c.name())).orElse("");
      String path = base() + "/" + group.map(c -> "count-by-" + kebab(c.name())).orElse("count");
      var spec =
          endpoint(
              name,
              path,
              "Counts "
                  + main.name().replace('_', ' ')
                  + group.map(c -> " by " + c.name()).orElse("")
                  + (measured.isEmpty() ? "" : ", with " + String.join(", ", measured))
                  + ".");
      String groupBy = group.map(c -> "a." + SqlNames.quote(c.name())).orElse(null);
      String sql =
          "select "
              + (groupBy == null ? "" : groupBy + ", ")
              + String.join(", ", measures)
              + "\nfrom "
              + SqlNames.table(main)
              + " a\nwhere true"
              + scoped("a")
              + (groupBy == null ? "" : "\ngroup by " + groupBy + "\norder by " + groupBy);
      said.add(
          group
              .map(c -> "one row per " + c.name() + " with its count")
              .orElse("the count of rows"));
      if (!measured.isEmpty()) said.add("and " + String.join(", ", measured));
      return spec.step(
              new Step.SqlStep(
                  "totals",
                  Optional.empty(),
                  sql,
                  params,
                  groupBy == null ? Step.Expect.ONE : Step.Expect.MANY))
          .responseBody(groupBy == null ? "${steps.totals.row}" : "${steps.totals.rows}")
          .json();
    }

    private void measure(
        Pattern pattern, String function, String prefix, List<String> measures, List<String> said) {
      Matcher m = pattern.matcher(text);
      while (m.find()) {
        String word = Relevance.singular(m.group(3));
        Optional<Column> found = numeric(main, word);
        if (found.isPresent()) {
          Column column = found.get();
          String alias = prefix + column.name();
          String expression = function + "(a." + SqlNames.quote(column.name()) + ")";
          if (function.equals("avg")) expression = "round(" + expression + ", 2)";
          measures.add(expression + " as " + SqlNames.quote(alias));
          said.add(alias);
        }
      }
    }

    /** The column after "by" or "per": one of the table's, or the foreign key to a table named. */
    private Optional<Column> groupColumn() {
      Matcher m = GROUP.matcher(text);
      while (m.find()) {
        for (String word : Relevance.words(m.group(2))) {
          for (Column column : main.columns()) {
            if (Relevance.words(column.name().replace('_', ' ')).equals(List.of(word)))
              return Optional.of(column);
          }
          for (var key : main.foreignKeys()) {
            String target = key.references().substring(key.references().indexOf('.') + 1);
            if (key.columns().size() == 1
                && Relevance.words(target.replace('_', ' ')).contains(word))
              return main.column(key.columns().getFirst());
          }
        }
      }
      return Optional.empty();
    }

    String explanation() {
      String who =
          auth.mode() == Auth.Mode.PUBLIC
              ? "Anyone may call it (public)."
              : "Callers present one of the org's consumer keys (X-API-Key or Authorization: Bearer)"
                  + (scopes.stream().anyMatch(s -> !s.claim().equals("sub"))
                      ? " carrying "
                          + String.join(
                              ", ",
                              scopes.stream()
                                  .filter(s -> !s.claim().equals("sub"))
                                  .map(s -> "the claim " + s.claim())
                                  .toList())
                          + "; a key without it gets 403"
                      : "")
                  + ".";
      return route
          + " answers "
          + main.name().replace('_', ' ')
          + " from "
          + main.qualifiedName()
          + ": "
          + String.join("; ", said)
          + ". "
          + who
          + (notes.isEmpty() ? "" : " Note: " + String.join("; ", notes) + ".");
    }
  }

  /** The generated test cases and the fixture rows they read. */
  private final class Tests {
    private final Table main;
    private final List<Related> related;
    private final List<Scope> scopes;
    private final ObjectNode spec;
    private final String shape;
    private final List<Fixture> fixtures = new ArrayList<>();
    private final List<TestCase> cases = new ArrayList<>();

    Tests(Table main, List<Related> related, List<Scope> scopes, ObjectNode spec, String shape) {
      this.main = main;
      this.related = related;
      this.scopes = scopes;
      this.spec = spec;
      this.shape = shape;
      build();
    }

    List<Fixture> fixtures() {
      return List.copyOf(fixtures);
    }

    List<TestCase> cases() {
      return List.copyOf(cases);
    }

    private Map<String, String> claims() {
      var claims = new LinkedHashMap<String, String>();
      for (Scope scope : scopes)
        if (!scope.claim().equals("sub")) claims.put(scope.claim(), scopeValue(scope.column()));
      return claims;
    }

    private String scopeValue(Column column) {
      return column.type().equals("uuid")
          ? SCOPE_UUID
          : ColumnKinds.isInteger(column) ? "424242" : "sample-" + column.name();
    }

    private void build() {
      String path = spec.path("path").asText();
      Optional<String> role = publicEndpoint() ? Optional.empty() : Optional.of("member");
      boolean scopedBySubject = scopes.stream().anyMatch(s -> s.claim().equals("sub"));
      // a row of its own, inserted and rolled back, when the login may; else one already there
      Optional<String> row = scopedBySubject ? Optional.empty() : insert();
      if (row.isPresent()) fixtures.add(new Fixture("row", row.get()));
      var fields = new ArrayList<String>();
      main.columns().forEach(c -> fields.add(c.name()));
      related.forEach(r -> fields.add(r.key()));
      switch (shape) {
        case "get" -> {
          if (row.isPresent())
            cases.add(
                testCase(
                    "gets the fixture row",
                    path.replace(":id", "{{row." + main.primaryKey().getFirst() + "}}"),
                    role,
                    claims(),
                    200,
                    fields));
          Column key = main.column(main.primaryKey().getFirst()).orElseThrow();
          String absent =
              key.type().equals("uuid")
                  ? "00000000-0000-4000-8000-0000000d0e5e"
                  : ColumnKinds.isInteger(key) ? "2147483000" : "no-such-row";
          cases.add(
              testCase(
                  "answers 404 for a row that is not there",
                  path.replace(":id", absent),
                  role,
                  claims(),
                  404,
                  List.of()));
          if (key.type().equals("uuid") || ColumnKinds.isInteger(key))
            cases.add(
                testCase(
                    "answers 400 for an id of the wrong form",
                    path.replace(":id", "not-an-id"),
                    role,
                    claims(),
                    400,
                    List.of()));
        }
        case "search" -> {
          cases.add(
              testCase(
                  "finds rows containing the fixture's text",
                  path + "?q=sample",
                  role,
                  claims(),
                  200,
                  row.isPresent() ? fields : List.of()));
          cases.add(testCase("answers 400 without ?q=", path, role, claims(), 400, List.of()));
        }
        case "aggregate" -> {
          var totals = new ArrayList<String>();
          totals.add("count");
          cases.add(testCase("answers the counts", path, role, claims(), 200, totals));
        }
        default -> {
          cases.add(
              testCase(
                  "lists rows with what the description asked for",
                  path + "?limit=5",
                  role,
                  claims(),
                  200,
                  row.isPresent() ? fields : List.of()));
          cases.add(
              testCase(
                  "answers 400 for a limit over 100",
                  path + "?limit=1000",
                  role,
                  claims(),
                  400,
                  List.of()));
        }
      }
      if (role.isPresent()) {
        cases.add(
            testCase(
                "answers 401 without credentials",
                shape.equals("get") ? path.replace(":id", "1") : path,
                Optional.empty(),
                Map.of(),
                401,
                List.of()));
        if (!claims().isEmpty())
          cases.add(
              testCase(
                  "answers 403 to a key without the scope's claims",
                  shape.equals("search") ? path + "?q=sample" : path.replace(":id", "1"),
                  Optional.of("member#unscoped"),
                  Map.of(),
                  403,
                  List.of()));
      }
    }

    private boolean publicEndpoint() {
      return request.auth().equals("public");
    }

    private TestCase testCase(
        String name,
        String path,
        Optional<String> role,
        Map<String, String> claims,
        int status,
        List<String> fields) {
      return new TestCase(
          name,
          "GET",
          path,
          Optional.empty(),
          role,
          Map.copyOf(claims),
          status,
          List.copyOf(fields));
    }

    /**
     * An insert of one row of the main table (its scope columns holding the test caller's claims)
     * and, along each related path to many, one row of each table on it, returning the main row;
     * empty when the login may not insert into one of them or a required column has no sample.
     */
    private Optional<String> insert() {
      var ctes = new LinkedHashMap<String, String>();
      var fixed = new LinkedHashMap<String, String>();
      for (Scope scope : scopes)
        fixed.put(scope.column().name(), SqlNames.literal(scopeValue(scope.column())));
      Optional<String> first = insertRow(main, fixed, null, null);
      if (first.isEmpty()) return Optional.empty();
      ctes.put("r0", first.get());
      for (Related r : related) {
        String previous = "r0";
        String pathKey = "";
        for (Join join : r.path()) {
          if (join.forward()) break;
          pathKey += "/" + join.to();
          Table to = schema.byName().get(join.to());
          String name = "r" + Integer.toHexString(pathKey.hashCode() & 0xfffffff);
          if (!ctes.containsKey(name)) {
            Optional<String> insert = insertRow(to, Map.of(), join, previous);
            if (insert.isEmpty()) break;
            ctes.put(name, insert.get());
          }
          previous = name;
        }
      }
      var sql = new StringBuilder("with ");
      var parts = new ArrayList<String>();
      ctes.forEach((name, insert) -> parts.add(name + " as (" + insert + " returning *)"));
      sql.append(String.join(", ", parts)).append(" select * from r0");
      return Optional.of(sql.toString());
    }

    /**
     * {@code insert into t (...) select ... [from previous]}: the join's columns from the row
     * before it on the path, required columns from samples.
     */
    private Optional<String> insertRow(
        Table table, Map<String, String> fixed, Join join, String previous) {
      if (!table.may("insert")) return Optional.empty();
      var names = new ArrayList<String>();
      var values = new ArrayList<String>();
      fixed.forEach(
          (column, value) -> {
            names.add(SqlNames.quote(column));
            values.add(value);
          });
      if (join != null) {
        for (int c = 0; c < join.toColumns().size(); c++) {
          names.add(SqlNames.quote(join.toColumns().get(c)));
          values.add(previous + "." + SqlNames.quote(join.fromColumns().get(c)));
        }
      }
      for (Column column : table.columns()) {
        String quoted = SqlNames.quote(column.name());
        if (names.contains(quoted) || column.optionalOnInsert() && !isDescriptive(column)) continue;
        if (column.generated() != null) continue;
        Optional<String> reference = reference(table, column);
        Optional<String> sample =
            reference.isPresent() ? reference : ColumnKinds.sample(table, column, schema);
        if (sample.isEmpty()) return Optional.empty();
        names.add(quoted);
        values.add(sample.get());
      }
      return Optional.of(
          "insert into "
              + SqlNames.table(table)
              + " ("
              + String.join(", ", names)
              + ") select "
              + String.join(", ", values)
              + (previous == null ? "" : " from " + previous));
    }

    /** Text columns are given a value even when optional, so that a search finds the row. */
    private boolean isDescriptive(Column column) {
      return ColumnKinds.isText(column) && column.defaultValue() == null;
    }

    /** A row another table already has, for a required foreign key off the path. */
    private Optional<String> reference(Table table, Column column) {
      for (var key : table.foreignKeys()) {
        if (key.columns().equals(List.of(column.name()))) {
          Table target = schema.byName().get(key.references());
          return Optional.of(
              "(select "
                  + SqlNames.quote(key.referencedColumns().getFirst())
                  + " from "
                  + SqlNames.table(target)
                  + " limit 1)");
        }
      }
      return Optional.empty();
    }
  }
}
