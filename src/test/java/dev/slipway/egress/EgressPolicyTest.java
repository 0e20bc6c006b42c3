package dev.slipway.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EgressPolicyTest {

  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  private static EgressException refusal(EgressPolicy policy, String host, InetAddress address) {
    return catchThrowableOfType(EgressException.class, () -> policy.check(host, List.of(address)));
  }

  @Test
  void parses_host_names_wildcards_and_cidr_blocks_into_a_normalized_list() {
    var policy =
        EgressPolicy.parse(
            List.of(
                " API.Example.com ",
                "*.Example.org",
                "10.1.0.0/16",
                "127.0.0.1",
                "::1/128",
                "2001:DB8::/32",
                "bücher.example"));
    assertThat(policy.entries())
        .containsExactly(
            "api.example.com",
            "*.example.org",
            "10.1.0.0/16",
            "127.0.0.1/32",
            "::1/128",
            "2001:db8::/32",
            "xn--bcher-kva.example");
  }

  @Test
  void names_every_bad_entry_by_its_index() {
    var e =
        catchThrowableOfType(
            EgressPolicy.InvalidPolicyException.class,
            () ->
                EgressPolicy.parse(
                    List.of(
                        "ok.example.com",
                        "",
                        "10.0.0.0/33",
                        "10.1.2.3/16",
                        "*",
                        "a.*.example.com",
                        "exa mple.com",
                        "300.1.1.1",
                        "example.com:8080",
                        "1:2:3/64")));
    assertThat(e.problems())
        .extracting(EgressPolicy.Problem::index)
        .containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(e.problems().get(2).message()).contains("did you mean 10.1.0.0/16");
  }

  @Test
  void an_entry_that_ends_in_a_number_is_no_host_name_and_a_cidr_is_written_plainly() {
    var e =
        catchThrowableOfType(
            EgressPolicy.InvalidPolicyException.class,
            () ->
                EgressPolicy.parse(
                    List.of(
                        "api.0x10",
                        "internal.1",
                        "0177.0.0.1",
                        "127.1",
                        "::ffff:010.0.0.1/128",
                        "api.example.com")));
    assertThat(e.problems()).extracting(EgressPolicy.Problem::index).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void refuses_more_entries_than_the_limit() {
    var many = new ArrayList<String>();
    for (int i = 0; i < EgressPolicy.MAX_ENTRIES; i++) many.add("host" + i + ".example.com");
    assertThat(EgressPolicy.parse(many).entries()).hasSize(EgressPolicy.MAX_ENTRIES);
    many.add("one-too-many.example.com");
    var e =
        catchThrowableOfType(
            EgressPolicy.InvalidPolicyException.class, () -> EgressPolicy.parse(many));
    assertThat(e.problems())
        .extracting(EgressPolicy.Problem::index)
        .containsExactly(EgressPolicy.MAX_ENTRIES);
  }

  @Test
  void entries_and_host_names_are_refused_just_past_their_lengths() {
    String label = "a".repeat(63);
    String name253 = String.join(".", label, label, label, "a".repeat(61));
    assertThat(EgressPolicy.parse(List.of(name253)).entries()).containsExactly(name253);
    var e =
        catchThrowableOfType(
            EgressPolicy.InvalidPolicyException.class,
            () -> EgressPolicy.parse(List.of(name253 + "b", "x".repeat(256))));
    assertThat(e.problems())
        .extracting(EgressPolicy.Problem::message)
        .satisfiesExactly(
            message -> assertThat(message).endsWith("' is not a host name"),
            message -> assertThat(message).endsWith("' is longer than 255 characters"));
    assertThat(e.getMessage())
        .startsWith("entry 0: '" + name253 + "b' is not a host name; entry 1: 'xxx")
        .endsWith("' is longer than 255 characters");
  }

  @Test
  void addresses_are_four_numbers_up_to_255_and_prefixes_up_to_the_address_length() {
    assertThat(
            EgressPolicy.parse(
                    List.of("255.255.255.255", "0.0.0.0/0", "10.0.0.1/32", "::/0", "::1/128"))
                .entries())
        .containsExactly("255.255.255.255/32", "0.0.0.0/0", "10.0.0.1/32", "::/0", "::1/128");
    var e =
        catchThrowableOfType(
            EgressPolicy.InvalidPolicyException.class,
            () ->
                EgressPolicy.parse(
                    List.of(
                        "256.0.0.1",
                        "01.0.0.1",
                        "10.0.0.1/33",
                        "::1/129",
                        "10.0.0.0/-1",
                        "10.0.0.0/0008")));
    assertThat(e.problems())
        .extracting(EgressPolicy.Problem::index)
        .containsExactly(0, 1, 2, 3, 4, 5);
  }

  @ParameterizedTest
  @CsvSource({
    "1:0:0:2:0:0:0:3/128, 1:0:0:2::3/128",
    "1:0:0:2:0:0:3:4/128, 1::2:0:0:3:4/128",
    "1:0:2:3:4:5:6:7/128, 1:0:2:3:4:5:6:7/128",
    "0:0:0:0:0:0:0:1/128, ::1/128",
    "1:0:0:0:0:0:0:0/16, 1::/16",
    "fe80:0:0:0:1:0:0:0/128, fe80::1:0:0:0/128"
  })
  void ipv6_blocks_are_written_with_the_first_longest_run_of_zeros_shortened(
      String entry, String written) {
    assertThat(EgressPolicy.parse(List.of(entry)).entries()).containsExactly(written);
  }

  @Test
  void an_address_is_never_matched_by_a_host_entry() {
    var policy = EgressPolicy.parse(List.of("*.0.0.1.example", "api.example.com"));
    assertThat(policy.matches("10.0.0.1")).isFalse();
    assertThat(policy.matches("[::1]")).isFalse();
    assertThat(policy.matches("::1")).isFalse();
    assertThat(policy.matches("[api.example.com]")).isTrue();
  }

  @Test
  void a_refusal_names_an_ipv6_host_in_brackets_and_a_literal_without_resolving_it()
      throws Exception {
    var policy = EgressPolicy.parse(List.of("api.example.com"));
    assertThat(refusal(policy, "2001:db8::1", ip("2001:db8::1")).getMessage())
        .isEqualTo("[2001:db8::1] is not on the org's egress allow-list.");
    assertThat(refusal(policy, "[2001:db8::1]", ip("2001:db8::1")).getMessage())
        .isEqualTo("[2001:db8::1] is not on the org's egress allow-list.");
    assertThat(refusal(policy, "other.example", ip("8.8.8.8")).getMessage())
        .isEqualTo("other.example is not on the org's egress allow-list (it resolves to 8.8.8.8).");
  }

  @ParameterizedTest
  @CsvSource({
    "127.0.0.1, loopback",
    "127.255.0.9, loopback",
    "::1, loopback",
    "10.0.0.1, private",
    "172.16.5.4, private",
    "172.31.255.255, private",
    "192.168.1.1, private",
    "fd00::1, private",
    "fc00::1, private",
    "169.254.169.254, link-local",
    "fe80::1, link-local",
    "100.64.0.1, carrier-grade NAT",
    "100.127.255.254, carrier-grade NAT",
    "0.0.0.0, this network",
    "0.1.2.3, this network",
    "::, unspecified",
    "224.0.0.1, multicast",
    "239.255.255.250, multicast",
    "ff02::1, multicast",
    "255.255.255.255, broadcast",
    "240.0.0.1, reserved",
    "::ffff:127.0.0.1, loopback",
    "::ffff:a9fe:a9fe, link-local",
    "::127.0.0.1, loopback",
    "::10.0.0.1, private",
    "64:ff9b::a9fe:a9fe, link-local",
    "2002:7f00:1::1, loopback"
  })
  void refuses_every_blocked_range_by_default(String address, String kind) throws Exception {
    var e = refusal(EgressPolicy.DEFAULT, "host.example", ip(address));
    assertThat(e).as(address).isNotNull();
    assertThat(e.code()).isEqualTo("egress_denied");
    assertThat(e.getMessage()).contains("host.example").contains(kind);
  }

  @Test
  void names_the_host_the_address_and_the_reason() throws Exception {
    var e = refusal(EgressPolicy.DEFAULT, "localhost", ip("127.0.0.1"));
    assertThat(e.getMessage())
        .contains("localhost")
        .contains("127.0.0.1 is a loopback address")
        .contains("127.0.0.1/32");
    assertThat(refusal(EgressPolicy.DEFAULT, "[::127.0.0.1]", ip("::127.0.0.1")).getMessage())
        .contains("::7f00:1 embeds 127.0.0.1, a loopback address")
        .contains("such as 127.0.0.1/32");
  }

  @Test
  void judges_an_ipv4_mapped_address_kept_in_ipv6_form_by_its_ipv4_address() throws Exception {
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
    InetAddress v6 = Inet6Address.getByAddress(null, mapped, -1);
    assertThat(v6).isInstanceOf(Inet6Address.class);
    assertThat(refusal(EgressPolicy.DEFAULT, "x.example", v6).getMessage())
        .contains("embeds 127.0.0.1, a loopback address");
    assertThat(refusal(EgressPolicy.parse(List.of("127.0.0.1/32")), "x.example", v6)).isNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "93.184.215.14",
        "8.8.8.8",
        "172.32.0.1",
        "100.128.0.1",
        "192.0.2.1",
        "198.51.100.7",
        "2606:4700:4700::1111",
        "2001:db8::1"
      })
  void allows_public_addresses_by_default(String address) throws Exception {
    assertThat(refusal(EgressPolicy.DEFAULT, "public.example", ip(address))).isNull();
  }

  @Test
  void a_cidr_entry_opts_a_blocked_range_in_and_nothing_else() throws Exception {
    var policy = EgressPolicy.parse(List.of("10.1.0.0/16", "::1/128"));
    assertThat(refusal(policy, "db.internal", ip("10.1.2.3"))).isNull();
    assertThat(refusal(policy, "[::1]", ip("::1"))).isNull();
    assertThat(refusal(policy, "db.internal", ip("10.2.0.1"))).isNotNull();
    assertThat(refusal(policy, "localhost", ip("127.0.0.1"))).isNotNull();
    // with only CIDR entries, public destinations stay open
    assertThat(refusal(policy, "public.example", ip("8.8.8.8"))).isNull();
  }

  @Test
  void one_refused_address_refuses_the_host() throws Exception {
    assertThatThrownBy(
            () ->
                EgressPolicy.DEFAULT.check("split.example", List.of(ip("8.8.8.8"), ip("10.0.0.1"))))
        .isInstanceOf(EgressException.class)
        .hasMessageContaining("10.0.0.1 is a private address");
  }

  @Test
  void a_wildcard_matches_subdomains_only() {
    var policy = EgressPolicy.parse(List.of("*.example.com"));
    assertThat(policy.matches("api.example.com")).isTrue();
    assertThat(policy.matches("a.b.example.com")).isTrue();
    assertThat(policy.matches("API.Example.COM.")).isTrue();
    assertThat(policy.matches("example.com")).isFalse();
    assertThat(policy.matches("badexample.com")).isFalse();
    assertThat(policy.matches("example.com.evil.net")).isFalse();
  }

  @Test
  void with_host_entries_other_hosts_are_refused_even_at_public_addresses() throws Exception {
    var policy = EgressPolicy.parse(List.of("api.example.com"));
    assertThat(refusal(policy, "api.example.com", ip("93.184.215.14"))).isNull();
    var e = refusal(policy, "other.example.com", ip("93.184.215.14"));
    assertThat(e.getMessage()).contains("other.example.com is not on the org's egress allow-list");
    assertThatThrownBy(() -> policy.checkName("other.example.com"))
        .isInstanceOf(EgressException.class);
    assertThatCode(() -> policy.checkName("api.example.com")).doesNotThrowAnyException();
  }

  @Test
  void a_listed_host_still_may_not_reach_a_blocked_address() throws Exception {
    var policy = EgressPolicy.parse(List.of("intranet.example.com"));
    assertThat(refusal(policy, "intranet.example.com", ip("10.0.0.5")).getMessage())
        .contains("private");
  }

  @Test
  void with_host_and_cidr_entries_an_unlisted_host_passes_only_at_a_covered_address()
      throws Exception {
    var policy = EgressPolicy.parse(List.of("api.example.com", "203.0.113.0/24"));
    assertThatCode(() -> policy.checkName("other.example")).doesNotThrowAnyException();
    assertThat(refusal(policy, "other.example", ip("203.0.113.9"))).isNull();
    assertThat(refusal(policy, "other.example", ip("8.8.8.8"))).isNotNull();
  }

  @Test
  void policies_with_the_same_entries_are_equal() {
    var policy = EgressPolicy.parse(List.of("A.example.com", "10.0.0.0/8"));
    assertThat(policy).isEqualTo(EgressPolicy.parse(List.of("a.example.com", "10.0.0.0/8")));
    assertThat(policy.hashCode())
        .isEqualTo(EgressPolicy.parse(List.of("a.example.com", "10.0.0.0/8")).hashCode())
        .isNotEqualTo(EgressPolicy.DEFAULT.hashCode());
    assertThat(policy).hasToString("EgressPolicy[a.example.com, 10.0.0.0/8]");
    assertThat(EgressPolicy.parse(List.of("a.example.com"))).isNotEqualTo(EgressPolicy.DEFAULT);
  }
}
