package dev.slipway.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The prompt set of {@code bench/ai/prompts.json} against the configured planner (the offline one
 * when no model is configured): for each prompt, {@code POST /api/generate-endpoint} on a real
 * Slipway over the bookshop schema ({@code bench/ai/shop.sql}), then a call of the generated draft
 * (preview) with the prompt's values, its answer compared with the prompt's reference SQL (the
 * rows' values of the compared columns, as a multiset, or in order when the prompt says so).
 * Reports execution accuracy, generation time and repair rounds. With a model configured in the
 * environment ({@code SLIPWAY_AI_*}) each prompt runs {@code EVAL_RUNS} times (3), and pass^3
 * (every run passed) is reported too. Run by {@code bench/ai/run.sh}; not a test. {@code
 * bench/ai/run.sh 8 10} runs only those prompts and prints what each made.
 */
public final class PromptEval {

  /**
   * Whether to print each generated spec and answer (when prompts are named on the command line).
   */
  private static boolean verbose;

  record Outcome(int id, String description, boolean passed, String why, long millis, int rounds) {}

  public static void main(String[] args) throws Exception {
    JsonNode set = Json.parse(Files.readString(Path.of("bench/ai/prompts.json")));
    // a model when the environment names one (SLIPWAY_AI_*), the offline planner otherwise
    var settings = new java.util.HashMap<String, String>();
    System.getenv()
        .forEach(
            (name, value) -> {
              if (name.startsWith("SLIPWAY_AI_")) settings.put(name, value);
            });
    boolean model = !settings.getOrDefault("SLIPWAY_AI_PROVIDER", "none").equals("none");
    int runs = Integer.parseInt(System.getenv().getOrDefault("EVAL_RUNS", model ? "3" : "1"));
    try (var database = new TestDatabase();
        var slipway = TestSlipway.start(database.url(), null, settings)) {
      String login = slipway.orgLogin();
      database.execute(Files.readString(Path.of(set.path("schema").asText())));
      database.execute(
          "grant usage on schema shop to "
              + login
              + "; grant select, insert, update, delete on all tables in schema shop to "
              + login);
      var outcomes = new ArrayList<Outcome>();
      var only = Arrays.stream(args).map(Integer::parseInt).toList();
      var allRuns = new java.util.LinkedHashMap<Integer, Integer>();
      for (JsonNode prompt : set.path("prompts")) {
        if (!only.isEmpty() && !only.contains(prompt.path("id").asInt())) continue;
        verbose = !only.isEmpty();
        outcomes.add(run(slipway, database, set.path("context"), prompt));
        Outcome last = outcomes.getLast();
        int passed = last.passed() ? 1 : 0;
        for (int again = 1; again < runs; again++)
          passed += run(slipway, database, set.path("context"), prompt).passed() ? 1 : 0;
        allRuns.put(last.id(), passed);
        System.err.printf(
            "%2d %-4s %5d ms  %s%s%n",
            last.id(),
            last.passed() ? "pass" : "FAIL",
            last.millis(),
            last.description(),
            last.passed() ? "" : "  — " + last.why());
      }
      report(outcomes);
      if (runs > 1)
        System.out.printf(
            "pass^%d (every one of %d runs passed): %d of %d%n",
            runs, runs, allRuns.values().stream().filter(n -> n == runs).count(), allRuns.size());
    }
  }

  private static Outcome run(
      TestSlipway slipway, TestDatabase database, JsonNode context, JsonNode prompt) {
    int id = prompt.path("id").asInt();
    String description = prompt.path("description").asText();
    ObjectNode request = Json.MAPPER.createObjectNode().put("description", description);
    JsonNode own = prompt.path("context");
    request.set("context", own.isMissingNode() ? context : own);
    long start = System.nanoTime();
    Reply generated =
        slipway.control("POST", "/api/generate-endpoint", request.toString(), "application/json");
    long millis = (System.nanoTime() - start) / 1_000_000;
    if (generated.status() != 201)
      return new Outcome(
          id,
          description,
          false,
          generated.status() + " " + generated.json().path("code").asText(),
          millis,
          0);
    JsonNode answer = generated.json();
    int rounds = Math.max(0, answer.path("rounds").size() - 1);
    JsonNode spec = answer.path("specs").get(0);
    String path = spec.path("path").asText();
    var values = new ArrayList<JsonNode>();
    prompt.path("call").path("path").forEach(values::add);
    for (JsonNode value : values) path = path.replaceFirst(":[A-Za-z0-9_]+", value.asText());
    if (path.contains(":"))
      return new Outcome(
          id, description, false, "a path parameter left unset: " + path, millis, rounds);
    var query = new LinkedHashMap<String, String>();
    JsonNode declared = spec.path("input").path("query");
    for (var entry : prompt.path("call").path("query").properties()) {
      String name = entry.getKey();
      if (!declared.has(name))
        return new Outcome(
            id, description, false, "the endpoint takes no ?" + name + "=", millis, rounds);
      query.put(name, entry.getValue().asText());
    }
    if (declared.has("limit") && !query.containsKey("limit")) query.put("limit", "100");
    var url = new StringBuilder("/api/endpoints/" + spec.path("name").asText() + "/preview" + path);
    String separator = "?";
    for (var entry : query.entrySet()) {
      url.append(separator)
          .append(entry.getKey())
          .append('=')
          .append(URLEncoder.encode(entry.getValue(), StandardCharsets.UTF_8).replace("+", "%20"));
      separator = "&";
    }
    Reply called = slipway.control("GET", url.toString());
    if (verbose) System.err.println(spec.toPrettyString() + "\nGET " + url + "\n" + called);
    if (called.status() != 200)
      return new Outcome(
          id, description, false, "the endpoint answered " + called.status(), millis, rounds);
    List<Map<String, String>> expected;
    try {
      expected = reference(database, prompt.path("reference").asText(), prompt.path("compare"));
    } catch (SQLException e) {
      return new Outcome(
          id, description, false, "reference SQL: " + e.getMessage(), millis, rounds);
    }
    JsonNode body = called.json();
    List<JsonNode> rows = new ArrayList<>();
    if (body.isArray()) body.forEach(rows::add);
    else rows.add(body);
    String why = compare(expected, rows, prompt.path("ordered").asBoolean(false));
    return new Outcome(id, description, why == null, why, millis, rounds);
  }

  private static List<Map<String, String>> reference(
      TestDatabase database, String sql, JsonNode compare) throws SQLException {
    var rows = new ArrayList<Map<String, String>>();
    try (var c = database.connect();
        var s = c.createStatement();
        var rs = s.executeQuery(sql)) {
      while (rs.next()) {
        var row = new LinkedHashMap<String, String>();
        for (JsonNode column : compare)
          row.put(column.asText(), normal(rs.getObject(column.asText())));
        rows.add(row);
      }
    }
    return rows;
  }

  /** Null when the answer's rows are the reference's; else what differs. */
  private static String compare(
      List<Map<String, String>> expected, List<JsonNode> rows, boolean ordered) {
    if (expected.size() != rows.size())
      return "expected " + expected.size() + " rows, the endpoint answered " + rows.size();
    var left = new ArrayList<>(rows);
    for (int i = 0; i < expected.size(); i++) {
      Map<String, String> want = expected.get(i);
      if (ordered) {
        if (!matches(want, left.get(i)))
          return "row " + i + " differs: expected " + want + ", got " + left.get(i);
        continue;
      }
      boolean found = false;
      for (int j = 0; j < left.size(); j++) {
        if (matches(want, left.get(j))) {
          left.remove(j);
          found = true;
          break;
        }
      }
      if (!found) return "no row of the answer is " + want;
    }
    return null;
  }

  /**
   * Whether the answer row has each compared value: under the reference's column name, or (a model
   * may name it otherwise) under any name.
   */
  private static boolean matches(Map<String, String> want, JsonNode row) {
    for (var entry : want.entrySet()) {
      JsonNode named = row.get(entry.getKey());
      if (named != null) {
        if (!entry.getValue().equals(normal(named))) return false;
        continue;
      }
      boolean any = false;
      for (var field : row.properties()) any |= entry.getValue().equals(normal(field.getValue()));
      if (!any) return false;
    }
    return true;
  }

  private static String normal(Object value) {
    if (value == null) return "null";
    if (value instanceof JsonNode node) {
      if (node.isNull()) return "null";
      if (node.isNumber()) return normal(node.decimalValue());
      return normal(node.asText());
    }
    if (value instanceof Number n)
      return new BigDecimal(n.toString()).stripTrailingZeros().toPlainString();
    if (value instanceof Timestamp t) return Long.toString(t.toInstant().toEpochMilli());
    if (value instanceof OffsetDateTime t) return Long.toString(t.toInstant().toEpochMilli());
    String text = value.toString();
    try {
      return Long.toString(OffsetDateTime.parse(text).toInstant().toEpochMilli());
    } catch (DateTimeParseException e) {
      try {
        return new BigDecimal(text).stripTrailingZeros().toPlainString();
      } catch (NumberFormatException f) {
        return text;
      }
    }
  }

  private static void report(List<Outcome> outcomes) {
    long passed = outcomes.stream().filter(Outcome::passed).count();
    long[] millis = outcomes.stream().mapToLong(Outcome::millis).sorted().toArray();
    System.out.printf(
        "prompts %d, passed %d: execution accuracy (pass@1) %.1f%%; generation time p50 %d ms, p95 %d ms,"
            + " max %d ms; repair rounds %d%n",
        outcomes.size(),
        passed,
        100.0 * passed / outcomes.size(),
        millis[millis.length / 2],
        millis[(int) (millis.length * 0.95)],
        millis[millis.length - 1],
        outcomes.stream().mapToInt(Outcome::rounds).sum());
    System.out.println(
        "failed: "
            + Arrays.toString(
                outcomes.stream().filter(o -> !o.passed()).map(Outcome::id).toArray()));
  }
}
