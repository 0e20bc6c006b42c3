package dev.slipway.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.slipway.common.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SpecBuilderTest {
  private final SpecCodec codec = new SpecCodec();

  @ParameterizedTest
  @MethodSource("dev.slipway.spec.SpecFixturesTest#valid")
  void every_valid_spec_written_as_json_reads_back_to_the_same_records(Path file) throws Exception {
    EndpointSpec spec = codec.read(Files.readString(file));
    assertThat(codec.decode(SpecBuilder.json(spec))).isEqualTo(spec);
  }

  @Test
  void a_built_spec_is_what_its_json_reads_back_to() throws Exception {
    var params = new LinkedHashMap<String, com.fasterxml.jackson.databind.JsonNode>();
    params.put("id", TextNode.valueOf("${input.params.id}"));
    params.put("team", TextNode.valueOf("${input.params.team}"));
    var builder =
        SpecBuilder.endpoint("goal-get", "GET", "/teams/:team/goals/:id")
            .description("one goal")
            .auth(new Auth(Auth.Mode.API_KEY, List.of("member", "owner"), "role", Optional.empty()))
            .param("team", Json.parse("{\"type\": \"string\", \"format\": \"uuid\"}"))
            .param("id", Json.parse("{\"type\": \"string\", \"format\": \"uuid\"}"))
            .query("verbose", Json.parse("{\"type\": \"boolean\"}"))
            .step(
                new Step.SqlStep(
                    "row",
                    Optional.empty(),
                    "select :id as id, :team as team",
                    params,
                    Step.Expect.ONE))
            .step(
                new Step.ScriptStep(
                    "shape",
                    Optional.of("${input.query.verbose}"),
                    "return ctx.steps.row;",
                    ScriptLanguage.JAVASCRIPT))
            .status(201)
            .responseHeader("Location", "/goals/${steps.row.row.id}")
            .responseBody("${steps.row.row}");
    EndpointSpec built = builder.build();
    assertThat(codec.decode(builder.json())).isEqualTo(built);
    assertThat(builder.json().toString()).isEqualTo(builder.json().toString());
    assertThat(built.input().params().keySet()).containsExactly("team", "id");
    assertThat(builder.json().path("auth").path("roles").toString())
        .isEqualTo("[\"member\",\"owner\"]");
    assertThat(builder.json().path("steps").path(0).path("expect").asText()).isEqualTo("one");
    assertThat(builder.json().path("steps").path(1).path("language").asText())
        .isEqualTo("javascript");
    assertThat(built.response().status()).isEqualTo(IntNode.valueOf(201));
  }

  @Test
  void a_job_handler_and_a_schedule_read_back_to_the_same_records() throws Exception {
    for (String text :
        List.of(
            "name: worker\ntrigger: { job: { attempts: 7, backoff: 2s, concurrency: 3 } }\n",
            "name: nightly\ntrigger: { schedule: { cron: '30 2 * * 1-5', timezone: Asia/Tokyo,"
                + " missed: catchUp, overlap: allow, attempts: 2, timeout: 1m } }\n",
            "name: hourly\ntrigger: { schedule: { cron: '0 * * * *' } }\n")) {
      EndpointSpec spec = codec.read(text);
      assertThat(codec.decode(SpecBuilder.json(spec))).as(text).isEqualTo(spec);
    }
    var hourly =
        (Trigger.Schedule)
            codec.read("name: hourly\ntrigger: { schedule: { cron: '0 * * * *' } }\n").trigger();
    assertThat(hourly.zone().getId()).isEqualTo("UTC");
    assertThat(hourly.missed()).isEqualTo(Trigger.Schedule.Missed.SKIP);
    assertThat(hourly.job().concurrency()).as("runs never overlap").isEqualTo(1);
    assertThat(hourly.job().attempts()).isEqualTo(1);
  }

  @Test
  void a_mode_without_roles_is_written_bare() {
    var json = SpecBuilder.endpoint("open", "GET", "/open").auth(Auth.PUBLIC).json();
    assertThat(json.get("auth")).isEqualTo(TextNode.valueOf("public"));
    assertThat(json.has("input")).isFalse();
    assertThat(json.path("response").toString()).isEqualTo("{\"status\":200}");
  }
}
