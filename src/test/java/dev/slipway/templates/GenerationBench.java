package dev.slipway.templates;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.spec.Json;
import java.util.Arrays;
import java.util.Optional;

/**
 * How long the crud-endpoint template takes to generate a bundle from the founding brief's config
 * (no database: a new table), and whether every generation is byte-identical. Run by
 * {@code bench/templates/run.sh}; not a test.
 */
public final class GenerationBench {

  static final String BRIEF = """
      { "resource": "projects", "table": "platform.projects",
        "permissions": { "read": ["member","admin","owner"], "create": ["admin","owner"],
                         "update": ["owner"], "delete": ["owner"] },
        "validation": { "name": "string", "description": "string?", "status": "enum('active','archived')" } }""";

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    JsonNode config = Json.parse(BRIEF);
    var template = new CrudTemplate();
    long coldStart = System.nanoTime();
    String first = bytes(template.generate(config, Optional.empty()));
    long cold = System.nanoTime() - coldStart;
    long[] nanos = new long[runs];
    boolean identical = true;
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      String bundle = bytes(template.generate(config, Optional.empty()));
      nanos[i] = System.nanoTime() - start;
      identical &= bundle.equals(first);
    }
    Arrays.sort(nanos);
    System.out.printf("crud-endpoint, the brief's config: first generation %.2f ms (cold JVM); then %d runs: p50 %.3f ms, "
        + "p99 %.3f ms, max %.3f ms; byte-identical: %s (%d bytes)%n", cold / 1e6, runs, nanos[runs / 2] / 1e6,
        nanos[(int) (runs * 0.99)] / 1e6, nanos[runs - 1] / 1e6, identical, first.length());
  }

  /** The whole bundle as bytes, as a client would compare it. */
  static String bytes(Bundle bundle) throws Exception {
    var node = Json.MAPPER.createObjectNode();
    node.put("endpointUrl", bundle.endpointUrl());
    node.set("specs", Json.MAPPER.valueToTree(bundle.specs()));
    node.put("migration", bundle.migration());
    node.put("zod", bundle.zod());
    node.set("tests", Json.MAPPER.valueToTree(bundle.tests().stream().map(dev.slipway.deploy.DraftTests::json).toList()));
    node.put("explanation", bundle.explanation());
    return Json.MAPPER.writeValueAsString(node);
  }
}
