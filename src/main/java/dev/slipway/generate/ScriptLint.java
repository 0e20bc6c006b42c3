package dev.slipway.generate;

import dev.slipway.spec.EndpointSpec;
import dev.slipway.spec.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads generated script steps against what {@code slipway.d.ts} declares a script sees: the
 * members of {@code ctx} and of its parts, {@code ctx.db.query}'s named parameters (an object, not
 * a list), the one module there is ({@code zod}), and no globals of other runtimes. It is a lint of
 * those uses, not a TypeScript type check: types the script declares itself are not checked.
 */
public final class ScriptLint {
  /** What {@code slipway.d.ts} declares, member by member. */
  private static final Map<String, Set<String>> MEMBERS =
      Map.of(
          "ctx", Set.of("input", "steps", "log", "db", "secrets", "fetch"),
          "ctx.db", Set.of("query"),
          "ctx.secrets", Set.of("get"),
          "ctx.input", Set.of("params", "query", "headers", "body"));

  private static final Pattern MEMBER =
      Pattern.compile("\\b(ctx(?:\\.(?:db|secrets|input))?)\\.([A-Za-z_$][\\w$]*)");
  private static final Pattern LIST_PARAMS =
      Pattern.compile("ctx\\.db\\.query\\([^,()]*(?:\\([^()]*\\))?[^,()]*,\\s*\\[");
  private static final Pattern IMPORT =
      Pattern.compile("\\bimport\\b[^;]*?from\\s*[\"']([^\"']+)[\"']");
  private static final Pattern FOREIGN =
      Pattern.compile(
          "\\b(require\\s*\\(|process\\.|Deno\\.|Bun\\.|__dirname|globalThis\\.process)");

  private ScriptLint() {}

  public static List<String> findings(List<EndpointSpec> specs) {
    var findings = new ArrayList<String>();
    for (EndpointSpec spec : specs) {
      for (int i = 0; i < spec.steps().size(); i++) {
        if (!(spec.steps().get(i) instanceof Step.ScriptStep step)) continue;
        String at = spec.name() + ": /steps/" + i + "/code ";
        String code = step.code();
        Matcher member = MEMBER.matcher(code);
        while (member.find()) {
          Set<String> declared = MEMBERS.get(member.group(1));
          if (declared != null
              && !declared.contains(member.group(2))
              && !(member.group(1).equals("ctx")
                  && MEMBERS.containsKey("ctx." + member.group(2)))) {
            findings.add(
                at
                    + "uses "
                    + member.group(1)
                    + "."
                    + member.group(2)
                    + ", which slipway.d.ts does not declare ("
                    + member.group(1)
                    + " has "
                    + String.join(", ", declared.stream().sorted().toList())
                    + ")");
          }
        }
        if (LIST_PARAMS.matcher(code).find())
          findings.add(
              at
                  + "passes ctx.db.query a list; its parameters are an object of named values, {name: value}, for :name");
        Matcher module = IMPORT.matcher(code);
        while (module.find())
          if (!module.group(1).equals("zod"))
            findings.add(at + "imports " + module.group(1) + "; the only module there is is zod");
        Matcher foreign = FOREIGN.matcher(code);
        if (foreign.find())
          findings.add(
              at
                  + "uses "
                  + foreign.group(1).replace("(", "").trim()
                  + ", which a script does not have");
      }
    }
    return findings;
  }
}
