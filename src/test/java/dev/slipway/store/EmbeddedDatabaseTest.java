package dev.slipway.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.TestSlipway;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With no database URL, Slipway runs its own PostgreSQL whose data survives a restart. */
class EmbeddedDatabaseTest {
  private static final String COUNT_PROJECTS =
      """
      name: count-projects
      method: GET
      path: /api/projects/count
      steps:
        - id: counted
          sql: select count(*) as n from app.projects
          expect: one
      response: { body: "${steps.counted.row}" }
      """;

  @Test
  void the_first_start_creates_demo_data_and_a_restart_keeps_data_and_the_live_release(
      @TempDir Path dataDir) throws Exception {
    try (var slipway = TestSlipway.start(null, dataDir, Map.of())) {
      assertThat(slipway.control("GET", "/api/health").json().path("database").asText())
          .isEqualTo("embedded");
      slipway.save(COUNT_PROJECTS);
      slipway.save(
          """
          name: add-project
          method: POST
          path: /api/projects
          steps:
            - id: added
              sql: insert into app.projects (org_id, name, status) values (gen_random_uuid(), 'kept', 'active')
              expect: none
          response: { status: 204 }
          """);
      slipway.deploy("{}");
      assertThat(slipway.data("GET", "/api/projects/count").json().path("n").asLong())
          .isEqualTo(50);
      assertThat(slipway.data("POST", "/api/projects").status()).isEqualTo(204);
    }
    assertThat(dataDir.resolve("postgres/PG_VERSION")).exists();
    try (var slipway = TestSlipway.start(null, dataDir, Map.of())) {
      assertThat(slipway.data("GET", "/api/projects/count").json().path("n").asLong())
          .as(
              "the row written before the restart is still there, and the demo data was not made twice")
          .isEqualTo(51);
    }
  }

  @Test
  void the_demo_data_can_be_turned_off(@TempDir Path dataDir) throws Exception {
    try (var slipway = TestSlipway.start(null, dataDir, Map.of("SLIPWAY_DEMO_DATA", "false"))) {
      var rejected = slipway.control("POST", "/api/endpoints", COUNT_PROJECTS, "application/yaml");
      assertThat(rejected.status()).isEqualTo(422);
      assertThat(rejected.body()).contains("app.projects");
    }
  }
}
