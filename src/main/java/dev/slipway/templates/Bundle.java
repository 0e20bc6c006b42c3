package dev.slipway.templates;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.spec.Fixture;
import dev.slipway.spec.TestCase;
import java.util.List;

/**
 * What a template generated.
 *
 * @param endpointUrl the resource's main path, e.g. {@code /api/projects}
 * @param specs the endpoint specs, in the order they are saved
 * @param migration SQL that creates what the specs need (a table, its indexes and grants), or empty
 *     when it all exists
 * @param zod the resource's validation as Zod source, for TypeScript clients
 * @param fixtures rows the tests need that they cannot make (a parent row)
 * @param tests test cases of the generated endpoints, in the order they run
 * @param explanation what was generated and why, in prose
 */
public record Bundle(
    String endpointUrl,
    List<ObjectNode> specs,
    String migration,
    String zod,
    List<Fixture> fixtures,
    List<TestCase> tests,
    String explanation) {
  public Bundle {
    specs = List.copyOf(specs);
    fixtures = List.copyOf(fixtures);
    tests = List.copyOf(tests);
  }
}
