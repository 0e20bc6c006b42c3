package dev.slipway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.spec.ScriptLanguage;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both strippers, SWC (where it has a native library, as here) and Sucrase (elsewhere), on the same
 * sources.
 */
class TypeStripperTest {

  static Stream<TypeStripper> strippers() {
    return Stream.of(
        new SwcStripper(SwcLibrary.forThisProcess().orElseThrow()),
        new SucraseStripper(new JsonCodec(), false));
  }

  private static String wrapped(String body) {
    return Prelude.wrap(body, ScriptLanguage.TYPESCRIPT);
  }

  @ParameterizedTest
  @MethodSource("strippers")
  void strips_types_and_answers_in_the_javascript_wrapper(TypeStripper stripper) throws Exception {
    try (stripper) {
      String javascript =
          stripper.strip(
              "ts",
              wrapped(
                  """
          interface Row { id: number }
          const rows = await ctx.db.query<Row>('select 1 as id');
          enum Color { Red, Green }
          return { first: rows[0] as Row, color: Color.Green } satisfies object;"""));
      assertThat(javascript)
          .startsWith(Prelude.WRAPPER_START)
          .endsWith(Prelude.WRAPPER_END)
          .doesNotContain("interface", "<Row>", "as Row", "satisfies")
          .contains("Color.Green");
      assertThat(stripper.loaded()).isTrue();
    }
  }

  @ParameterizedTest
  @MethodSource("strippers")
  void reports_a_syntax_error_at_the_authors_line(TypeStripper stripper) {
    try (stripper) {
      assertThatThrownBy(
              () ->
                  stripper.strip("ts", wrapped("const a: number = 1;\n\nconst b: = 2;\nreturn a;")))
          .isInstanceOfSatisfying(
              ScriptCompileException.class,
              e -> {
                assertThat(e.line()).isEqualTo(3);
                assertThat(e.detail())
                    .startsWith("Unexpected token")
                    .doesNotContain("script.ts", "\n");
              });
    }
  }

  @ParameterizedTest
  @MethodSource("strippers")
  void a_body_that_closes_its_wrapper_comes_back_in_another_shape(TypeStripper stripper)
      throws Exception {
    try (stripper) {
      // valid TypeScript once wrapped: it ends the wrapper and goes on outside it
      String javascript =
          stripper.strip("escape", wrapped("return 1; }); globalThis.leak = 1; (function () {"));
      String body =
          javascript.substring(
              Prelude.WRAPPER_START.length(), javascript.length() - Prelude.WRAPPER_END.length());
      assertThat(
              javascript.startsWith(Prelude.WRAPPER_START)
                  && javascript.endsWith(Prelude.WRAPPER_END)
                  && !body.contains("leak"))
          .isFalse();
    }
  }

  @Test
  void swc_refuses_sources_nested_too_deeply_or_too_long_before_they_reach_it() {
    var swc = new SwcStripper(SwcLibrary.forThisProcess().orElseThrow());
    // a few kilobytes of brackets: SWC would print each level on its own lines, hundreds of
    // megabytes
    String deep = "const x = 1;\nreturn " + "[".repeat(5_000) + "]".repeat(5_000) + ";";
    assertThatThrownBy(() -> swc.strip("deep", wrapped(deep)))
        .isInstanceOfSatisfying(
            ScriptCompileException.class,
            e -> {
              assertThat(e.line()).isEqualTo(2);
              assertThat(e.detail()).contains("nested more than " + SwcStripper.DEEPEST);
            });
    String hidden =
        "const s = ']]]]'; // ]]]]\nreturn " + "{ a: ".repeat(200) + "1" + " }".repeat(200) + ";";
    assertThatThrownBy(() -> swc.strip("hidden", wrapped(hidden)))
        .isInstanceOf(ScriptCompileException.class);
    String longOne =
        "let n = 0;\n" + "n++;\n".repeat(SwcStripper.MOST_CHARACTERS / 4) + "return n;";
    assertThatThrownBy(() -> swc.strip("long", wrapped(longOne)))
        .isInstanceOfSatisfying(
            ScriptCompileException.class, e -> assertThat(e.detail()).contains("at most"));
  }

  @Test
  void swc_survives_the_deepest_nesting_a_source_of_the_longest_length_can_have_without_brackets()
      throws Exception {
    var swc = new SwcStripper(SwcLibrary.forThisProcess().orElseThrow());
    // each of these recurses in SWC's parser once per operator; on a thread's usual stack of 1-8 MB
    // a few thousand levels end the process
    int room = SwcStripper.MOST_CHARACTERS - wrapped("").length() - 20;
    for (String unit : new String[] {"!", "- ", "typeof ", "a ? b : "}) {
      String body = "return " + unit.repeat(room / unit.length()) + "1;";
      assertThat(swc.strip("chain", wrapped(body))).startsWith(Prelude.WRAPPER_START);
    }
    String types = "return null as " + "A<".repeat(room / 3) + "B" + ">".repeat(room / 3) + ";";
    assertThat(swc.strip("types", wrapped(types))).startsWith(Prelude.WRAPPER_START);
  }
}
