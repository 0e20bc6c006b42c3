package dev.slipway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NestingTest {

  @Test
  void counts_brackets_of_every_kind_with_the_line_of_the_deepest() {
    assertThat(Nesting.of("return 1;")).isEqualTo(new Nesting.Depth(0, 1));
    assertThat(Nesting.of("f(a[0], { b: [1] });\nif (x) {\n  g([[h({})]]);\n}"))
        .isEqualTo(new Nesting.Depth(6, 3));
  }

  @Test
  void skips_strings_comments_and_regular_expressions() {
    assertThat(Nesting.of("const s = '((([[[{{{', t = \"((((\\\"(((\";"))
        .isEqualTo(new Nesting.Depth(0, 1));
    assertThat(Nesting.of("// ((((\n/* [[[[\n {{{{ */ x;")).isEqualTo(new Nesting.Depth(0, 1));
    assertThat(Nesting.of("const r = /[(]+\\(/g; return r.test(s) ? /{/ : x / (2);").levels())
        .isEqualTo(1);
  }

  @Test
  void counts_a_templates_substitutions_but_not_its_text() {
    assertThat(Nesting.of("`((( ${ f(`[[[ ${ [x] }`) } )))`;").levels()).isEqualTo(4);
    assertThat(Nesting.of("`a\n${\n1}`;\nreturn [[[1]]];")).isEqualTo(new Nesting.Depth(3, 4));
  }

  @Test
  void closing_brackets_in_strings_do_not_hide_real_nesting() {
    String source = ("[ ']' ").repeat(50) + ("]").repeat(50);
    assertThat(Nesting.of(source).levels()).isEqualTo(50);
  }

  @Test
  void a_slash_after_the_condition_of_an_if_begins_a_regular_expression() {
    // were it taken for division, the quote would hide the rest of the line
    assertThat(Nesting.of("if (x) /'/.test(s); [[[1]]]; if (y) { z = (a) / 'b'.length; }").levels())
        .isEqualTo(3);
    assertThat(Nesting.of("while (go) /[)]/.exec(s);").levels()).isEqualTo(1);
  }
}
