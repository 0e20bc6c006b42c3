package dev.slipway.sandbox;

import static dev.slipway.sandbox.Outcomes.failureOf;
import static dev.slipway.sandbox.Outcomes.valueOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.spec.ScriptLanguage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ZodTest {

  private static ScriptSandbox sandbox;

  @BeforeAll
  static void startSandbox() {
    sandbox = new ScriptSandbox(SandboxLimits.defaults());
  }

  @AfterAll
  static void closeSandbox() {
    sandbox.close();
  }

  private static ScriptOutcome run(String body, ScriptLanguage language, Map<String, Object> ctx)
      throws ScriptCompileException {
    return run(sandbox, body, language, ctx);
  }

  private static ScriptOutcome run(
      ScriptSandbox in, String body, ScriptLanguage language, Map<String, Object> ctx)
      throws ScriptCompileException {
    return in.run(in.compile("zod-test", body, language), ctx, ScriptHost.NONE);
  }

  @Test
  void parses_valid_data_and_shows_zods_issues_to_the_script() throws Exception {
    String body =
        """
        import { z } from "zod";
        const Signup = z.object({
          email: z.string().email(),
          age: z.number().int().min(18),
          tags: z.array(z.string()).default([]),
        });
        const good = Signup.parse(ctx.good);
        const bad = Signup.safeParse(ctx.bad);
        let thrown;
        try { Signup.parse(ctx.bad); } catch (e) { thrown = [e instanceof z.ZodError, e.name]; }
        return {
          good,
          success: bad.success,
          issues: bad.error.issues.map(i => ({ path: i.path.join('.'), code: i.code, message: i.message })),
          flattened: bad.error.flatten().fieldErrors,
          thrown,
        };
        """;
    Object value =
        valueOf(
            run(
                body,
                ScriptLanguage.JAVASCRIPT,
                Map.of(
                    "good", Map.of("email", "ada@example.com", "age", 36),
                    "bad", Map.of("email", "not an email", "age", 12.5))));

    assertThat(value)
        .isEqualTo(
            Map.of(
                "good", Map.of("email", "ada@example.com", "age", 36L, "tags", List.of()),
                "success", false,
                "issues",
                    List.of(
                        Map.of(
                            "path", "email", "code", "invalid_string", "message", "Invalid email"),
                        Map.of(
                            "path",
                            "age",
                            "code",
                            "invalid_type",
                            "message",
                            "Expected integer, received float"),
                        Map.of(
                            "path",
                            "age",
                            "code",
                            "too_small",
                            "message",
                            "Number must be greater than or equal to 18")),
                "flattened",
                    Map.of(
                        "email", List.of("Invalid email"),
                        "age",
                            List.of(
                                "Expected integer, received float",
                                "Number must be greater than or equal to 18")),
                "thrown", List.of(true, "ZodError")));
  }

  @Test
  void an_uncaught_zod_error_fails_the_run_with_the_issues() throws Exception {
    String message =
        failureOf(
            run(
                """
        import { z } from "zod";
        return z.string().min(3).parse(ctx.name);
        """,
                ScriptLanguage.JAVASCRIPT,
                Map.of("name", "al")));

    assertThat(message)
        .startsWith("ZodError: ")
        .contains("String must contain at least 3 character(s)");
  }

  @Test
  void transforms_refines_and_rejects_unknown_keys_when_strict() throws Exception {
    Object value =
        valueOf(
            run(
                """
        import { z } from "zod";
        const Length = z.string().transform(s => s.length).pipe(z.number().max(5));
        const Even = z.number().refine(n => n % 2 === 0, { message: 'must be even' });
        const Strict = z.object({ a: z.string() }).strict();
        const Range = z.object({ from: z.number(), to: z.number() })
          .superRefine((r, c) => { if (r.to < r.from) c.addIssue({ code: z.ZodIssueCode.custom, path: ['to'], message: 'before from' }); });
        const Mapped = z.string({ errorMap: () => ({ message: 'a name, please' }) });
        return {
          length: Length.parse('abc'),
          tooLong: Length.safeParse('abcdefg').error.issues[0].message,
          even: Even.safeParse(3).error.issues[0].message,
          strict: Strict.safeParse({ a: 'x', b: 1 }).error.issues[0].keys,
          range: Range.safeParse({ from: 5, to: 1 }).error.issues.map(i => i.path.join('.') + ': ' + i.message),
          mapped: Mapped.safeParse(1).error.issues[0].message,
          union: z.union([z.literal('a'), z.literal('b')]).safeParse('c').success,
          coerced: z.coerce.number().parse('42'),
          enumerated: z.enum(['red', 'green']).options,
        };
        """,
                ScriptLanguage.JAVASCRIPT, null));

    assertThat(value)
        .isEqualTo(
            Map.of(
                "length",
                3L,
                "tooLong",
                "Number must be less than or equal to 5",
                "even",
                "must be even",
                "strict",
                List.of("b"),
                "range",
                List.of("to: before from"),
                "mapped",
                "a name, please",
                "union",
                false,
                "coerced",
                42L,
                "enumerated",
                List.of("red", "green")));
  }

  @Test
  void typescript_imports_zod_and_infers_types_that_only_the_compiler_sees() throws Exception {
    Object value =
        valueOf(
            run(
                """
        import { z, type ZodIssue } from "zod";
        import type { ZodTypeAny } from "zod";
        const User = z.object({ name: z.string(), admin: z.boolean().optional() });
        type User = z.infer<typeof User>;
        const schema: ZodTypeAny = User;
        const user: User = schema.parse(ctx.user);
        const issues: ZodIssue[] = User.safeParse({}).error?.issues ?? [];
        return { user, first: issues[0].message };
        """,
                ScriptLanguage.TYPESCRIPT,
                Map.of("user", Map.of("name", "Ada"))));

    assertThat(value).isEqualTo(Map.of("user", Map.of("name", "Ada"), "first", "Required"));
  }

  @Test
  void supports_every_import_form() throws Exception {
    String probe = "return [typeof z.string, typeof zz?.object, typeof ZodError];";
    assertThat(
            valueOf(
                run(
                    """
        import { z as zz, ZodError } from 'zod'
        const z = zz;
        """
                        + probe,
                    ScriptLanguage.JAVASCRIPT,
                    null)))
        .isEqualTo(List.of("function", "function", "function"));
    assertThat(
            valueOf(
                run(
                    """
        import * as zod from "zod";
        const z = zod.z, zz = zod.default, ZodError = zod.ZodError;
        if (zod.string !== z.string) throw new Error('namespace and z differ');
        """
                        + probe,
                    ScriptLanguage.JAVASCRIPT,
                    null)))
        .isEqualTo(List.of("function", "function", "function"));
    assertThat(
            valueOf(
                run(
                    """
        import z from "zod";
        const zz = z, ZodError = z.ZodError;
        """
                        + probe,
                    ScriptLanguage.JAVASCRIPT,
                    null)))
        .isEqualTo(List.of("function", "function", "function"));
    assertThat(
            valueOf(
                run(
                    """
        import z, { ZodError } from "zod";
        import "zod";
        const zz = z;
        """
                        + probe,
                    ScriptLanguage.JAVASCRIPT,
                    null)))
        .isEqualTo(List.of("function", "function", "function"));
    assertThat(
            valueOf(
                run(
                    """
        import {
          z,
          ZodError, // the error class
          type ZodSchema,
        } from "zod";
        const zz: ZodSchema | undefined = undefined;
        return [typeof z.string, typeof zz, typeof ZodError];
        """,
                    ScriptLanguage.TYPESCRIPT,
                    null)))
        .isEqualTo(List.of("function", "undefined", "function"));
  }

  @Test
  void keeps_the_authors_line_numbers_after_a_multi_line_import() {
    assertThatThrownBy(
            () ->
                sandbox.compile(
                    "lines",
                    """
        import {
          z,
          ZodError,
        } from "zod";
        const ok = 1;
        const broken = ;
        """,
                    ScriptLanguage.JAVASCRIPT))
        .isInstanceOfSatisfying(
            ScriptCompileException.class, e -> assertThat(e.line()).isEqualTo(6));
  }

  @Test
  void reports_an_import_of_any_other_module_at_its_line() {
    assertThatThrownBy(
            () ->
                sandbox.compile(
                    "fs",
                    """
        import { z } from "zod";

        import { readFileSync } from "node:fs";
        """,
                    ScriptLanguage.TYPESCRIPT))
        .isInstanceOfSatisfying(
            ScriptCompileException.class,
            e -> {
              assertThat(e.line()).isEqualTo(3);
              assertThat(e.detail())
                  .isEqualTo("cannot import 'node:fs': only \"zod\" can be imported");
            });
    assertThatThrownBy(
            () ->
                sandbox.compile(
                    "lodash", "const a = 1;\nimport _ from 'lodash'", ScriptLanguage.JAVASCRIPT))
        .isInstanceOfSatisfying(
            ScriptCompileException.class, e -> assertThat(e.line()).isEqualTo(2));
    assertThatThrownBy(
            () ->
                sandbox.compile(
                    "typed", "import type { Z } from 'zod';", ScriptLanguage.JAVASCRIPT))
        .isInstanceOf(ScriptCompileException.class)
        .hasMessageContaining("TypeScript");
  }

  @Test
  void leaves_the_word_import_alone_where_it_does_not_start_a_line() throws Exception {
    assertThat(
            valueOf(
                run(
                    """
        const text = "import x from 'fs'"; // import y from 'fs'
        /* import z from 'fs' */
        return text;
        """,
                    ScriptLanguage.JAVASCRIPT,
                    null)))
        .isEqualTo("import x from 'fs'");
  }

  @Test
  void one_runs_tampering_with_zod_is_not_seen_by_the_next_run_in_the_same_context()
      throws Exception {
    try (var single =
        new ScriptSandbox(
            new SandboxLimits(
                SandboxLimits.defaults().timeout(),
                SandboxLimits.defaults().statementLimit(),
                1))) {
      List<String> attempts =
          List.of(
              "z.string = null;",
              "z.ZodString.prototype.parse = () => 'hacked';",
              "z.ZodType.prototype.safeParse = () => ({ success: true, data: 'hacked' });",
              "Object.getPrototypeOf(z.string()).min = () => 'hacked';",
              "z.ZodIssueCode.invalid_type = 'hacked';",
              "z.EMPTY_PATH.push('hacked');",
              "z.setErrorMap(() => ({ message: 'hacked' }));",
              "z.defaultErrorMap.hacked = true;",
              "__slipway_import('zod').z = null;",
              "globalThis.__slipway_import = () => ({ z: null });",
              "Object.defineProperty(z.ZodObject.prototype, 'strict', { value: () => 'hacked' });");
      for (String attempt : attempts) {
        assertThat(
                failureOf(
                    run(
                        single,
                        "import { z } from 'zod';\n" + attempt + "\nreturn 1;",
                        ScriptLanguage.JAVASCRIPT,
                        null)))
            .as(attempt)
            .startsWith("TypeError");
      }
      // per-instance changes are the script's own and allowed
      assertThat(
              valueOf(
                  run(
                      single,
                      """
          import { z } from 'zod';
          const s = z.string();
          s.parse = () => 'own';
          return s.parse(1);
          """,
                      ScriptLanguage.JAVASCRIPT,
                      null)))
          .isEqualTo("own");

      assertThat(
              valueOf(
                  run(
                      single,
                      """
          import { z } from 'zod';
          const bad = z.object({ s: z.string().min(2) }).strict().safeParse({ s: 1, x: 2 });
          return [typeof z.string, z.string().parse('ok'), bad.success, bad.error.issues.map(i => i.message),
              z.EMPTY_PATH.length, Object.isFrozen(z), Object.isFrozen(z.ZodString.prototype)];
          """,
                      ScriptLanguage.JAVASCRIPT,
                      null)))
          .isEqualTo(
              List.of(
                  "function",
                  "ok",
                  false,
                  List.of("Expected string, received number", "Unrecognized key(s) in object: 'x'"),
                  0L,
                  true,
                  true));
      assertThat(single.moduleLoads()).isEqualTo(1);
    }
  }

  @Test
  void only_a_script_that_imports_zod_loads_it_once_per_context() throws Exception {
    try (var fresh =
        new ScriptSandbox(
            new SandboxLimits(
                SandboxLimits.defaults().timeout(),
                SandboxLimits.defaults().statementLimit(),
                1))) {
      assertThat(
              valueOf(
                  run(fresh, "return typeof __slipway_import;", ScriptLanguage.JAVASCRIPT, null)))
          .isEqualTo("function");
      assertThat(fresh.moduleLoads()).isZero();

      // compiling loads it into the context it borrows (outside any run's deadline), one of those
      // for scripts on trial, where its first run goes
      CompiledScript script =
          fresh.compile(
              "zod",
              "import { z } from 'zod';\nreturn z.number().parse(1);",
              ScriptLanguage.JAVASCRIPT);
      assertThat(fresh.moduleLoads()).isEqualTo(1);
      long first = System.nanoTime();
      assertThat(valueOf(fresh.run(script, null, ScriptHost.NONE))).isEqualTo(1L);
      long firstMillis = (System.nanoTime() - first) / 1_000_000;
      long second = System.nanoTime();
      assertThat(valueOf(fresh.run(script, null, ScriptHost.NONE))).isEqualTo(1L);
      long secondMillis = (System.nanoTime() - second) / 1_000_000;
      // the second, the script proven, in the context for proven scripts, which loads it once too
      assertThat(fresh.moduleLoads()).isEqualTo(2);
      assertThat(valueOf(fresh.run(script, null, ScriptHost.NONE))).isEqualTo(1L);
      assertThat(fresh.moduleLoads()).isEqualTo(2);
      System.out.println(
          "zod: first run in a fresh context "
              + firstMillis
              + " ms, second "
              + secondMillis
              + " ms");
    }
  }

  @Test
  void a_script_cannot_import_anything_else_at_run_time_either() throws Exception {
    assertThat(failureOf(run("return __slipway_import('fs');", ScriptLanguage.JAVASCRIPT, null)))
        .isEqualTo("Error: cannot import 'fs': only \"zod\" can be imported");
    assertThat(
            valueOf(run("return typeof __slipway_module_loader;", ScriptLanguage.JAVASCRIPT, null)))
        .isEqualTo("undefined");
  }
}
