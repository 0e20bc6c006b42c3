package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rules themselves, without a server: roles in order, actions' minimums and scopes. */
class AccessRulesTest {

  private static Principal user(Role role) {
    return new Principal(Principal.Kind.SESSION, 1, role, 3, 0, "ada@example.com", Set.of(), "s");
  }

  private static Principal key(Role role, String... scopes) {
    return new Principal(Principal.Kind.API_KEY, 1, role, 0, 7, "ci", Set.of(scopes), null);
  }

  @Test
  void each_role_is_at_least_itself_and_those_below_it() {
    assertThat(Role.VIEWER.atLeast(Role.VIEWER)).isTrue();
    assertThat(Role.MEMBER.atLeast(Role.VIEWER)).isTrue();
    assertThat(Role.VIEWER.atLeast(Role.MEMBER)).isFalse();
    assertThat(Role.OWNER.atLeast(Role.ADMIN)).isTrue();
    assertThat(Role.ADMIN.atLeast(Role.OWNER)).isFalse();
  }

  @Test
  void a_cap_lowers_a_role_and_never_raises_it() {
    assertThat(Role.OWNER.cappedAt(Role.ADMIN)).isEqualTo(Role.ADMIN);
    assertThat(Role.ADMIN.cappedAt(Role.ADMIN)).isEqualTo(Role.ADMIN);
    assertThat(Role.MEMBER.cappedAt(Role.ADMIN)).isEqualTo(Role.MEMBER);
  }

  @Test
  void roles_are_named_in_lower_case_and_read_back_only_so() {
    assertThat(Role.OWNER.id()).isEqualTo("owner");
    for (Role role : Role.values()) assertThat(Role.parse(role.id())).contains(role);
    assertThat(Role.parse("OWNER")).isEmpty();
    assertThat(Role.parse("root")).isEmpty();
  }

  @Test
  void a_role_does_what_its_actions_minimum_allows() {
    assertThat(Access.allows(user(Role.VIEWER), Action.READ)).isTrue();
    assertThat(Access.allows(user(Role.VIEWER), Action.EDIT)).isFalse();
    assertThat(Access.allows(user(Role.MEMBER), Action.EDIT)).isTrue();
    assertThat(Access.allows(user(Role.MEMBER), Action.DEPLOY)).isFalse();
    assertThat(Access.allows(user(Role.ADMIN), Action.DEPLOY)).isTrue();
    assertThat(Access.allows(user(Role.ADMIN), Action.MANAGE_MEMBERS)).isFalse();
    assertThat(Access.allows(user(Role.OWNER), Action.MANAGE_ORG)).isTrue();
    assertThat(Access.allows(user(Role.VIEWER), Action.PUBLIC)).isTrue();
  }

  @Test
  void a_key_with_scopes_does_only_the_actions_of_those_scopes_its_role_allows() {
    assertThat(Access.allows(key(Role.ADMIN, "deploy"), Action.DEPLOY)).isTrue();
    assertThat(Access.allows(key(Role.ADMIN, "deploy"), Action.EDIT)).isFalse();
    assertThat(Access.allows(key(Role.MEMBER, "deploy"), Action.DEPLOY)).isFalse();
    assertThat(Access.allows(key(Role.ADMIN), Action.EDIT)).isTrue();
    // an action without a scope (the caller's own session) needs only the role
    assertThat(Access.allows(key(Role.VIEWER, "read"), Action.SELF)).isTrue();
  }

  @Test
  void a_refusal_names_the_role_needed_or_the_scope_missing() {
    assertThat(Access.refusal(user(Role.MEMBER), Action.DEPLOY))
        .isEqualTo("Your role 'member' may not do this; it needs 'admin' or above.");
    assertThat(Access.refusal(key(Role.ADMIN, "read"), Action.DEPLOY))
        .isEqualTo("This API key's scopes do not include 'deploy'.");
    assertThatThrownBy(() -> Access.refusal(user(Role.OWNER), Action.PUBLIC))
        .isInstanceOf(java.util.NoSuchElementException.class);
  }

  @Test
  void actions_are_found_by_their_scope() {
    assertThat(Action.forScope("deploy")).isEqualTo(Optional.of(Action.DEPLOY));
    assertThat(Action.forScope("members")).contains(Action.MANAGE_MEMBERS);
    assertThat(Action.forScope("root")).isEmpty();
    assertThat(Action.PUBLIC.minimum()).isEmpty();
    assertThat(Action.PUBLIC.scope()).isEmpty();
    assertThat(Action.READ.minimum()).contains(Role.VIEWER);
  }

  @Test
  void the_audit_log_names_a_user_by_id_and_a_key_by_id() {
    assertThat(user(Role.OWNER).actor()).isEqualTo("user:3 (ada@example.com)");
    assertThat(key(Role.ADMIN).actor()).isEqualTo("key:7 (ci)");
    assertThat(new Principal(Principal.Kind.JWT, 1, Role.ADMIN, 4, 0, "bo", Set.of(), "f").actor())
        .isEqualTo("user:4 (bo)");
  }

  @Test
  void a_role_is_named_by_its_id_and_an_unknown_one_is_a_422_at_the_pointer_given() {
    assertThat(Role.named("admin", "/role")).isEqualTo(Role.ADMIN);
    assertThat(Role.named("viewer", "/role")).isEqualTo(Role.VIEWER);
    assertThatThrownBy(() -> Role.named("emperor", "/members/0/role"))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.status()).isEqualTo(422);
              assertThat(e.errors()).extracting(Violation::path).containsExactly("/members/0/role");
              assertThat(e.getMessage()).contains("'emperor' is not a role");
            });
  }
}
