package dev.slipway.spec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PathPatternTest {

  @Test
  void segments_leave_out_empty_ones() {
    assertThat(PathPattern.segments("/api//teams/:id/")).containsExactly("api", "teams", ":id");
    assertThat(PathPattern.segments("/")).isEmpty();
  }

  @Test
  void parameters_are_the_names_after_the_colons_in_order() {
    assertThat(PathPattern.parameters("/api/teams/:teamId/members/:id"))
        .containsExactly("teamId", "id");
    assertThat(PathPattern.parameters("/api/teams")).isEmpty();
  }

  @Test
  void two_paths_that_differ_only_in_parameter_names_have_one_shape() {
    assertThat(PathPattern.shape("/api/teams/:teamId/members/")).isEqualTo("/api/teams/:/members");
    assertThat(PathPattern.shape("/api/teams/:id/members"))
        .isEqualTo(PathPattern.shape("/api/teams/:teamId/members"));
    assertThat(PathPattern.shape("/")).isEqualTo("/");
  }
}
