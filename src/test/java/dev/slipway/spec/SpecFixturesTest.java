package dev.slipway.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.problem.Violation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every spec under {@code specs/valid} decodes; every spec under {@code specs/invalid} is rejected
 * with a violation at the pointer its first line names ({@code # expect: /steps/0/params}).
 */
class SpecFixturesTest {
  private final SpecCodec codec = new SpecCodec();

  static Stream<Path> valid() throws IOException {
    return Files.list(Path.of("src/test/resources/specs/valid")).sorted();
  }

  static Stream<Path> invalid() throws IOException {
    return Files.list(Path.of("src/test/resources/specs/invalid")).sorted();
  }

  @ParameterizedTest
  @MethodSource("valid")
  void decodes_a_valid_spec_whole_and_without_a_violation(Path file) throws Exception {
    JsonNode node = codec.parse(Files.readString(file));
    var decoded = codec.decodeAll(node);
    assertThat(decoded.violations()).isEmpty();
    EndpointSpec spec = decoded.spec();
    assertThat(spec.name()).isEqualTo(file.getFileName().toString().replaceFirst("\\.[a-z]+$", ""));
    assertThat(spec.method()).isEqualTo(node.path("method").asText());
    assertThat(spec.path()).isEqualTo(node.path("path").asText());
    var ids = new ArrayList<String>();
    node.path("steps").forEach(step -> ids.add(step.path("id").asText()));
    assertThat(spec.steps()).extracting(Step::id).containsExactlyElementsOf(ids);
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void rejects_an_invalid_spec_at_the_named_path(Path file) throws Exception {
    String text = Files.readString(file);
    String expected = text.lines().findFirst().orElseThrow().replace("# expect:", "").strip();
    assertThatThrownBy(() -> codec.read(text))
        .isInstanceOfSatisfying(
            InvalidSpecException.class,
            e -> assertThat(e.violations()).extracting(Violation::path).contains(expected));
  }
}
