package dev.slipway.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import dev.slipway.spec.EndpointSpec;
import dev.slipway.spec.SpecCodec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Generated scripts read against what slipway.d.ts declares. */
class ScriptLintTest {
  private static List<String> lint(String code) throws Exception {
    EndpointSpec spec =
        new SpecCodec()
            .decode(
                Json.parse(
                    "{\"name\": \"s\", \"method\": \"GET\", \"path\": \"/s\", \"steps\": [{\"id\": \"s\", \"script\": "
                        + Json.MAPPER.writeValueAsString(code)
                        + "}]}"));
    return ScriptLint.findings(List.of(spec));
  }

  @Test
  void what_slipway_d_ts_declares_is_clean() throws Exception {
    assertThat(
            lint(
                "import { z } from 'zod'; const rows = await ctx.db.query('select 1 where :a = 1',"
                    + " {a: ctx.input.query.a}); ctx.log(ctx.steps.x); const k = ctx.secrets.get('K');"
                    + " const r = await ctx.fetch('https://example.com'); return rows;"))
        .isEmpty();
  }

  @Test
  void undeclared_members_list_parameters_other_modules_and_other_runtimes_are_found()
      throws Exception {
    assertThat(
            lint(
                "import fs from 'fs'; const rows = await ctx.database.query('select 1');"
                    + " const more = await ctx.db.query('select $1', [1]); const e = process.env.X;"
                    + " return ctx.input.cookies;"))
        .anyMatch(f -> f.contains("ctx.database"))
        .anyMatch(f -> f.contains("passes ctx.db.query a list"))
        .anyMatch(f -> f.contains("imports fs"))
        .anyMatch(f -> f.contains("process."))
        .anyMatch(f -> f.contains("ctx.input.cookies"));
  }
}
