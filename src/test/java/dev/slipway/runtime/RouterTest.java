package dev.slipway.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouterTest {
  private static Router<String> router(String... routes) {
    var map = new LinkedHashMap<Router.RouteKey, String>();
    for (String route : routes) {
      String[] parts = route.split(" ");
      map.put(new Router.RouteKey(parts[0], parts[1]), route);
    }
    return Router.of(map);
  }

  @Test
  void finds_literal_and_parameter_routes_with_their_values() {
    var router =
        router("GET /api/teams/:id/members", "GET /api/teams/mine/members", "POST /api/teams");
    assertThat(router.find("GET", "/api/teams/42/members"))
        .isEqualTo(new Router.Match.Found<>("GET /api/teams/:id/members", List.of("42")));
    assertThat(router.find("GET", "/api/teams/mine/members"))
        .isEqualTo(new Router.Match.Found<>("GET /api/teams/mine/members", List.of()));
    assertThat(router.find("GET", "/api/teams/a%20b/members/"))
        .isEqualTo(new Router.Match.Found<>("GET /api/teams/:id/members", List.of("a b")));
  }

  @Test
  void backtracks_from_a_literal_to_a_parameter() {
    var router = router("GET /a/b/c", "GET /a/:x/d");
    assertThat(router.find("GET", "/a/b/d"))
        .isEqualTo(new Router.Match.Found<>("GET /a/:x/d", List.of("b")));
  }

  @Test
  void tells_a_wrong_method_from_a_missing_path() {
    var router = router("GET /x", "PUT /x");
    assertThat(router.find("DELETE", "/x"))
        .isEqualTo(
            new Router.Match.WrongMethod<String>(new java.util.TreeSet<>(List.of("GET", "PUT"))));
    assertThat(router.find("GET", "/y")).isEqualTo(new Router.Match.NotFound<String>());
    assertThat(router.find("GET", "/x/%zz")).isEqualTo(new Router.Match.NotFound<String>());
  }

  @Test
  void rejects_two_routes_of_the_same_shape() {
    assertThatThrownBy(() -> router("GET /a/:x", "GET /a/:y")).hasMessageContaining("GET /a/:");
  }

  @Test
  void a_head_request_is_answered_by_the_get_route_of_its_path() {
    var router = router("GET /x/:id", "POST /y");
    assertThat(router.find("HEAD", "/x/7"))
        .isEqualTo(new Router.Match.Found<>("GET /x/:id", List.of("7")));
    assertThat(router.find("HEAD", "/y"))
        .isEqualTo(new Router.Match.WrongMethod<String>(new java.util.TreeSet<>(List.of("POST"))));
  }

  @Test
  void among_ten_thousand_routes_each_path_finds_its_own_and_a_near_miss_finds_none() {
    var routes = new LinkedHashMap<Router.RouteKey, Integer>();
    for (int i = 0; i < 10_000; i++)
      routes.put(new Router.RouteKey("GET", "/api/r" + i + "/:id"), i);
    var router = Router.of(routes);
    for (int i = 0; i < 10_000; i++) {
      assertThat(router.find("GET", "/api/r" + i + "/" + (i * 7)))
          .isEqualTo(new Router.Match.Found<>(i, List.of(String.valueOf(i * 7))));
    }
    assertThat(router.find("GET", "/api/r10000/1")).isEqualTo(new Router.Match.NotFound<Integer>());
    assertThat(router.find("GET", "/api/r1")).isEqualTo(new Router.Match.NotFound<Integer>());
    assertThat(router.find("GET", "/api/r1/2/3")).isEqualTo(new Router.Match.NotFound<Integer>());
    assertThat(router.targets()).hasSize(10_000);
  }
}
