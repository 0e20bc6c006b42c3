package dev.slipway.templates;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.templates.crud.CrudTemplate;
import java.util.Arrays;
import java.util.Optional;

/**
 * How long the crud-endpoint template takes to generate a bundle from the founding brief's config
 * (no database: a new table), and whether every generation is byte-identical. Run by {@code
 * bench/templates/run.sh}; not a test.
 */
public final class GenerationBench {

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    var template = new CrudTemplate();
    JsonNode config = template.example(); // the founding brief's config
    long coldStart = System.nanoTime();
    String first = bytes(template.generate(config, Optional.empty(), "org_login"));
    long cold = System.nanoTime() - coldStart;
    // what the server's first call costs: it warms the generator with the example at start-up
    JsonNode other =
        Json.parse(
                java.nio.file.Files.readString(
                    java.nio.file.Path.of("bench/templates/projects.json")))
            .get("config");
    long otherStart = System.nanoTime();
    bytes(template.generate(other, Optional.empty(), "org_login"));
    long afterWarmUp = System.nanoTime() - otherStart;
    long[] nanos = new long[runs];
    boolean identical = true;
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      String bundle = bytes(template.generate(config, Optional.empty(), "org_login"));
      nanos[i] = System.nanoTime() - start;
      identical &= bundle.equals(first);
    }
    Arrays.sort(nanos);
    System.out.printf(
        "crud-endpoint, the brief's config: first generation %.2f ms (cold JVM); first of another config "
            + "(bench/templates/projects.json) after it, as on a server that warmed up at start: %.2f ms; then %d runs: p50 %.3f ms, "
            + "p99 %.3f ms, max %.3f ms; byte-identical: %s (%d bytes)%n",
        cold / 1e6,
        afterWarmUp / 1e6,
        runs,
        nanos[runs / 2] / 1e6,
        nanos[(int) (runs * 0.99)] / 1e6,
        nanos[runs - 1] / 1e6,
        identical,
        first.length());
  }

  /** The whole bundle as bytes, as a client would compare it. */
  public static String bytes(Bundle bundle) throws Exception {
    var node = Json.MAPPER.createObjectNode();
    node.put("endpointUrl", bundle.endpointUrl());
    node.set("specs", Json.MAPPER.valueToTree(bundle.specs()));
    node.put("migration", bundle.migration());
    node.put("zod", bundle.zod());
    node.set(
        "tests",
        Json.MAPPER.valueToTree(
            bundle.tests().stream().map(dev.slipway.spec.TestCase::json).toList()));
    node.put("explanation", bundle.explanation());
    return Json.MAPPER.writeValueAsString(node);
  }
}
