package dev.slipway.egress;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hosts read as the WHATWG URL Standard reads them. The fixed cases are the IPv4 host cases of the
 * web-platform-tests' {@code url/resources/urltestdata.json} (inputs without percent-escapes or
 * non-ASCII, which Slipway refuses before this parser); the properties write addresses in every
 * spelling the standard allows.
 */
class WhatwgIpv4Test {

  private static String read(String host) {
    return switch (UrlHost.read(host)) {
      case UrlHost.Address(InetAddress address) -> EgressPolicy.text(address);
      case UrlHost.Name(String name) -> "name " + name;
      case UrlHost.Invalid _ -> "failure";
    };
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    "0177.0.0.1, 127.0.0.1",
    "0x7f.1, 127.0.0.1",
    "127.1, 127.0.0.1",
    "2130706433, 127.0.0.1",
    "017700000001, 127.0.0.1",
    "0x7f000001, 127.0.0.1",
    "0X7F.0.0.1, 127.0.0.1",
    "127.0.0.01, 127.0.0.1",
    "127.0.0.1., 127.0.0.1",
    "192.0x00A80001, 192.168.0.1",
    "0xc0.0250.01, 192.168.0.1",
    "0Xc0.0250.01, 192.168.0.1",
    "1.2.3.4., 1.2.3.4",
    "1.2.3.0x4, 1.2.3.4",
    "4294967295, 255.255.255.255",
    "0xffffffff, 255.255.255.255",
    "256, 0.0.1.0",
    "999999999, 59.154.201.255",
    "0x.0x.0, 0.0.0.0",
    "0x, 0.0.0.0",
    "0, 0.0.0.0",
    "00, 0.0.0.0",
    "0.0x10000, 0.1.0.0",
    "10.0.0.7, 10.0.0.7",
    "169.254.169.254, 169.254.169.254",
    "0xaf.0xAF.0xf0.0xF9, 175.175.240.249",
    "07.0.0.1, 7.0.0.1"
  })
  void reads_every_ipv4_spelling_browsers_accept_as_that_address(String host, String address) {
    assertThat(read(host)).isEqualTo(address);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1.2.3.4.5",
        "1.2.3.4.5.",
        "0..0x300",
        "0..0x300.",
        "256.256.256.256",
        "256.256.256.256.256",
        "0x100.2.3.4",
        "4294967296",
        "0xffffffff1",
        "10000000000",
        "1.2.3.08",
        "1.2.3.09",
        "09.2.3.4",
        "1.2.3.08.",
        "08",
        "09",
        "foo.09",
        "foo.0x4",
        "foo.09.",
        "foo.0x",
        "foo.0xfffffffffffffffffface123",
        "0999999999999999999",
        "example.1",
        "0.0.0.0x100",
        "0.0.0x10000",
        ".1",
        "1..1",
        "1.2.3.4294967295",
        "0x7f.0x1000000"
      })
  void refuses_a_host_that_ends_in_a_number_but_is_no_address(String host) {
    assertThat(read(host)).isEqualTo("failure");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "example.com",
        "1.example",
        "0x7f.example",
        "foo.bar0",
        "a0x1",
        "localhost",
        "example.com.",
        "1-2.example",
        "0xg.example",
        "0xg",
        "127.0.0.1x",
        "0xG",
        "0x`",
        "0x@"
      })
  void leaves_a_name_that_does_not_end_in_a_number_to_dns(String host) {
    assertThat(read(host)).isEqualTo("name " + host);
  }

  @ParameterizedTest
  @CsvSource({
    "[::1], ::1",
    "::1, ::1",
    "[::ffff:127.0.0.1], 127.0.0.1",
    "[::127.0.0.1], ::7f00:1",
    "[2001:db8::1], 2001:db8::1"
  })
  void reads_ipv6_literals(String host, String address) {
    assertThat(read(host)).isEqualTo(address);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "[::0177.0.0.1]",
        "[::127.0.0.01]",
        "[::1.2.3]",
        "[fe80::1%25eth0]",
        "[127.0.0.1]",
        "[::g]",
        "[]"
      })
  void refuses_ipv6_literals_browsers_refuse(String host) {
    assertThat(read(host)).isEqualTo("failure");
  }

  @Property
  void any_address_in_any_mix_of_decimal_hex_and_octal_parts_is_that_address(
      @ForAll @LongRange(max = 0xffffffffL) long address,
      @ForAll @IntRange(min = 1, max = 4) int parts,
      @ForAll("radixes") List<Integer> radixes,
      @ForAll boolean trailingDot) {
    String host = spelled(address, parts, radixes) + (trailingDot ? "." : "");
    assertThat(WhatwgIpv4.endsInANumber(host)).as(host).isTrue();
    assertThat(WhatwgIpv4.parse(host)).as(host).isEqualTo(address);
  }

  @Property
  void every_spelling_of_a_loopback_address_is_refused_by_the_default_policy(
      @ForAll @LongRange(min = 0x7f000000L, max = 0x7fffffffL) long address,
      @ForAll @IntRange(min = 1, max = 4) int parts,
      @ForAll("radixes") List<Integer> radixes) {
    String host = spelled(address, parts, radixes);
    var read = UrlHost.read(host);
    assertThat(read).as(host).isInstanceOf(UrlHost.Address.class);
    InetAddress ip = ((UrlHost.Address) read).address();
    assertThat(EgressPolicy.blocked(ip))
        .as(host)
        .hasValueSatisfying(reason -> assertThat(reason).contains("loopback"));
  }

  @Property
  void a_part_too_large_for_its_place_fails(
      @ForAll @IntRange(min = 2, max = 4) int parts,
      @ForAll @IntRange(min = 0, max = 3) int at,
      @ForAll @LongRange(min = 256, max = 0xffffffffL) long value) {
    var spelled = new ArrayList<String>();
    for (int i = 0; i < parts; i++) spelled.add("1");
    int place = at % parts;
    // only the last part may exceed 255, and it may not exceed what the bytes left can hold
    long tooLarge = place == parts - 1 ? (1L << (8 * (5 - parts))) + value : value;
    spelled.set(place, Long.toString(tooLarge));
    assertThat(WhatwgIpv4.parse(String.join(".", spelled))).isEqualTo(WhatwgIpv4.FAILURE);
  }

  @Property
  void more_than_four_parts_fail(@ForAll @IntRange(min = 5, max = 12) int parts) {
    assertThat(WhatwgIpv4.parse(String.join(".", java.util.Collections.nCopies(parts, "1"))))
        .isEqualTo(WhatwgIpv4.FAILURE);
  }

  @Property
  void a_name_whose_last_label_has_a_letter_beyond_f_never_ends_in_a_number(
      @ForAll("labels") String first, @ForAll("labels") String last) {
    String host = first + "." + last + "g";
    assertThat(WhatwgIpv4.endsInANumber(host)).isFalse();
    assertThat(UrlHost.read(host)).isEqualTo(new UrlHost.Name(host));
  }

  @Provide
  Arbitrary<List<Integer>> radixes() {
    return Arbitraries.of(8, 10, 16).list().ofSize(4);
  }

  @Provide
  Arbitrary<String> labels() {
    return Arbitraries.strings()
        .withChars("abcdefghijklmnopqrstuvwxyz0123456789-")
        .ofMinLength(1)
        .ofMaxLength(12);
  }

  /**
   * {@code address} written as {@code parts} parts, the last filling the bytes left, part i in
   * {@code radixes[i]}.
   */
  private static String spelled(long address, int parts, List<Integer> radixes) {
    var written = new ArrayList<String>();
    for (int i = 0; i < parts - 1; i++)
      written.add(inRadix((address >>> (8 * (3 - i))) & 0xff, radixes.get(i)));
    long rest = address & ((1L << (8 * (5 - parts))) - 1);
    written.add(inRadix(rest, radixes.get(parts - 1)));
    return String.join(".", written);
  }

  private static String inRadix(long value, int radix) {
    return switch (radix) {
      case 8 -> "0" + Long.toOctalString(value);
      case 16 -> (value % 2 == 0 ? "0x" : "0X") + Long.toHexString(value);
      default -> Long.toString(value);
    };
  }

  @Test
  void an_empty_host_is_no_number_and_no_address() {
    assertThat(WhatwgIpv4.endsInANumber("")).isFalse();
    assertThat(WhatwgIpv4.endsInANumber(".")).isFalse();
    assertThat(WhatwgIpv4.parse("")).isEqualTo(WhatwgIpv4.FAILURE);
    assertThat(WhatwgIpv4.parse(".")).isEqualTo(WhatwgIpv4.FAILURE);
  }
}
