package dev.slipway.templates.crud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.templates.Bundle;
import dev.slipway.templates.GenerationBench;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CrudTemplateTest {

  @Test
  void the_same_config_generates_a_byte_identical_bundle() throws Exception {
    var config = new CrudTemplate().example();
    Bundle bundle = new CrudTemplate().generate(config, Optional.empty(), "org_login");
    String first = GenerationBench.bytes(bundle);
    String second =
        GenerationBench.bytes(
            new CrudTemplate()
                .generate(new CrudTemplate().example(), Optional.empty(), "org_login"));
    assertThat(second).isEqualTo(first);
    assertThat(bundle.migration())
        .contains("create table \"platform\".\"projects\"", "\"status\" in ('active', 'archived')");
  }
}
