package dev.slipway.egress;

import java.net.IDN;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where an org's scripts may fetch from: an immutable allow-list of host names ({@code
 * api.example.com}), wildcard hosts ({@code *.example.com}: subdomains only, not the name itself)
 * and CIDR blocks ({@code 10.1.0.0/16}, {@code ::1/128}; a bare address is a block of one).
 *
 * <ul>
 *   <li>No entries: any public destination.
 *   <li>With host entries, the URL's host must match one, or a CIDR entry must cover every address
 *       the host resolves to.
 *   <li>Whatever the host rule says, an address in a blocked range (loopback, private, link-local,
 *       carrier-grade NAT, "this network", multicast, broadcast, reserved, and IPv6 forms that
 *       embed such an IPv4 address) is refused unless a CIDR entry covers it.
 * </ul>
 *
 * Checks run on {@link InetAddress}es, never on the URL's text: the addresses a name resolved to,
 * or the address a numeric host denotes as browsers read it ({@link UrlHost}), so odd spellings of
 * an address ({@code 0177.0.0.1}, {@code 2130706433}, {@code [::ffff:7f00:1]}) are judged as the
 * address they are.
 */
public final class EgressPolicy {
  /** At most this many entries in one list. */
  public static final int MAX_ENTRIES = 256;

  /** No entries: any public destination. */
  public static final EgressPolicy DEFAULT = parse(List.of());

  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern IPV4 =
      Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]+");
  private static final Pattern IPV4_TAIL =
      Pattern.compile("(0|[1-9]\\d{0,2})(\\.(0|[1-9]\\d{0,2})){3}");

  /** An address range and what an address in it is ("a loopback address"). */
  private record Range(Cidr cidr, String kind) {}

  /** Checked in order; the first match names the reason. */
  private static final List<Range> BLOCKED =
      List.of(
          range("0.0.0.0/8", "a \"this network\" address"),
          range("10.0.0.0/8", "a private address"),
          range("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
          range("127.0.0.0/8", "a loopback address"),
          range("169.254.0.0/16", "a link-local address"),
          range("172.16.0.0/12", "a private address"),
          range("192.0.0.0/24", "a reserved (IETF protocol) address"),
          range("192.168.0.0/16", "a private address"),
          range("224.0.0.0/4", "a multicast address"),
          range("255.255.255.255/32", "the broadcast address"),
          range("240.0.0.0/4", "a reserved address"),
          range("::/128", "the unspecified address"),
          range("::1/128", "a loopback address"),
          range("fe80::/10", "a link-local address"),
          range("fec0::/10", "a site-local (private) address"),
          range("fc00::/7", "a unique local (private) address"),
          range("ff00::/8", "a multicast address"));

  private final List<String> entries;
  private final Set<String> hosts;
  private final List<String> suffixes;
  private final List<Cidr> cidrs;

  private EgressPolicy(
      List<String> entries, Set<String> hosts, List<String> suffixes, List<Cidr> cidrs) {
    this.entries = List.copyOf(entries);
    this.hosts = Set.copyOf(hosts);
    this.suffixes = List.copyOf(suffixes);
    this.cidrs = List.copyOf(cidrs);
  }

  /** One unusable entry: its index in the list and what is wrong. */
  public record Problem(int index, String message) {}

  /** An allow-list with unusable entries; {@link #problems} names every one by index. */
  public static final class InvalidPolicyException extends IllegalArgumentException {
    private final List<Problem> problems;

    InvalidPolicyException(List<Problem> problems) {
      super(
          problems.stream()
              .map(p -> "entry " + p.index() + ": " + p.message())
              .reduce((a, b) -> a + "; " + b)
              .orElse(""));
      this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
      return problems;
    }
  }

  /**
   * Parses an allow-list; entries are normalized (lower case, IDN host names in ASCII, CIDR blocks
   * in canonical form). A null entry stands for one that is not a string (JSON's 42 or null).
   *
   * @throws InvalidPolicyException naming every unusable entry by index
   */
  public static EgressPolicy parse(List<String> entries) {
    var problems = new ArrayList<Problem>();
    if (entries.size() > MAX_ENTRIES)
      problems.add(
          new Problem(MAX_ENTRIES, "an allow-list has at most " + MAX_ENTRIES + " entries"));
    var normalized = new ArrayList<String>();
    var hosts = new LinkedHashSet<String>();
    var suffixes = new ArrayList<String>();
    var cidrs = new ArrayList<Cidr>();
    for (int i = 0; i < Math.min(entries.size(), MAX_ENTRIES); i++) {
      String raw = entries.get(i);
      if (raw == null) {
        problems.add(
            new Problem(i, "must be a string: a host name, a *.wildcard host or a CIDR block"));
        continue;
      }
      String entry = raw.strip().toLowerCase(Locale.ROOT);
      try {
        if (entry.isEmpty()) throw new IllegalArgumentException("is empty");
        if (entry.length() > 255)
          throw new IllegalArgumentException("is longer than 255 characters");
        Optional<InetAddress> single = literal(entry);
        if (entry.contains("/") || single.isPresent()) {
          Cidr cidr =
              entry.contains("/")
                  ? Cidr.parse(entry)
                  : new Cidr(single.get().getAddress(), single.get().getAddress().length * 8);
          cidrs.add(cidr);
          normalized.add(cidr.toString());
        } else if (entry.startsWith("*.")) {
          String suffix = hostName(entry.substring(2));
          suffixes.add("." + suffix);
          normalized.add("*." + suffix);
        } else if (entry.contains("*")) {
          throw new IllegalArgumentException(
              "a wildcard must be the whole first label, as in *.example.com");
        } else {
          String host = hostName(entry);
          hosts.add(host);
          normalized.add(host);
        }
      } catch (IllegalArgumentException e) {
        problems.add(new Problem(i, "'" + raw + "' " + e.getMessage()));
      }
    }
    if (!problems.isEmpty()) throw new InvalidPolicyException(problems);
    return new EgressPolicy(normalized, hosts, suffixes, cidrs);
  }

  /** The entries, normalized, in their order. */
  public List<String> entries() {
    return entries;
  }

  /**
   * Refuses a host by its name alone, before it is resolved: when the list has host entries, none
   * matches, and no CIDR entry could admit its addresses. So names off the list are not even looked
   * up in DNS.
   */
  public void checkName(String host) {
    if (hostRuleApplies() && !matches(host) && cidrs.isEmpty()) {
      throw EgressException.denied(display(host) + " is not on the org's egress allow-list.");
    }
  }

  /**
   * Checks every address {@code host} resolved to; a single refused address refuses the host.
   *
   * @throws EgressException {@code egress_denied}, naming the host, the address and why
   */
  public void check(String host, List<InetAddress> addresses) {
    boolean listed = !hostRuleApplies() || matches(host);
    for (InetAddress address : addresses) {
      boolean covered = covered(address);
      if (!listed && !covered) {
        throw EgressException.denied(
            display(host)
                + " is not on the org's egress allow-list"
                + (isLiteral(host) ? "." : " (it resolves to " + text(address) + ")."));
      }
      if (covered) continue;
      Optional<String> reason = blocked(address);
      if (reason.isPresent()) {
        InetAddress named =
            kind(address).isPresent() ? address : embeddedIpv4(address).orElse(address);
        throw EgressException.denied(
            "Requests to "
                + display(host)
                + " are refused: "
                + reason.get()
                + ". An org owner may allow it with a CIDR entry such as "
                + text(named)
                + "/"
                + named.getAddress().length * 8
                + " in the org's egress allow-list.");
      }
    }
  }

  /** Why {@code address} is in a blocked range (directly or embedded in an IPv6 form), if it is. */
  static Optional<String> blocked(InetAddress address) {
    Optional<String> kind = kind(address);
    if (kind.isPresent()) return Optional.of(text(address) + " is " + kind.get());
    return embeddedIpv4(address)
        .flatMap(v4 -> kind(v4).map(k -> text(address) + " embeds " + text(v4) + ", " + k));
  }

  private static Optional<String> kind(InetAddress address) {
    return BLOCKED.stream().filter(r -> r.cidr().contains(address)).map(Range::kind).findFirst();
  }

  /**
   * The IPv4 address an IPv6 address carries: IPv4-mapped ({@code ::ffff:a.b.c.d}), IPv4-compatible
   * ({@code ::a.b.c.d}), NAT64 ({@code 64:ff9b::a.b.c.d}) and 6to4 ({@code 2002:AABB:CCDD::}).
   */
  static Optional<InetAddress> embeddedIpv4(InetAddress address) {
    if (!(address instanceof Inet6Address)) return Optional.empty();
    byte[] b = address.getAddress();
    boolean zeros = allZero(b, 0, 10);
    boolean mapped = zeros && b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    boolean compatible = zeros && b[10] == 0 && b[11] == 0;
    boolean nat64 =
        b[0] == 0
            && b[1] == 0x64
            && b[2] == (byte) 0xff
            && b[3] == (byte) 0x9b
            && allZero(b, 4, 12);
    if (mapped || compatible || nat64) return Optional.of(ipv4(b[12], b[13], b[14], b[15]));
    if (b[0] == 0x20 && b[1] == 0x02) return Optional.of(ipv4(b[2], b[3], b[4], b[5]));
    return Optional.empty();
  }

  private boolean covered(InetAddress address) {
    Optional<InetAddress> v4 = embeddedIpv4(address);
    return cidrs.stream().anyMatch(c -> c.contains(address) || v4.filter(c::contains).isPresent());
  }

  private boolean hostRuleApplies() {
    return !hosts.isEmpty() || !suffixes.isEmpty();
  }

  /** Whether a host entry names {@code host} (an IP literal never matches a name). */
  boolean matches(String host) {
    String name = normalizeHost(host);
    if (isLiteral(name)) return false;
    return hosts.contains(name) || suffixes.stream().anyMatch(name::endsWith);
  }

  private static String normalizeHost(String host) {
    String name = host.toLowerCase(Locale.ROOT);
    if (name.startsWith("[") && name.endsWith("]")) name = name.substring(1, name.length() - 1);
    if (name.endsWith(".")) name = name.substring(0, name.length() - 1);
    return name;
  }

  private static boolean isLiteral(String host) {
    String name = normalizeHost(host);
    return name.contains(":") || IPV4.matcher(name).matches();
  }

  private static String display(String host) {
    return host.startsWith("[") || !host.contains(":") ? host : "[" + host + "]";
  }

  /** A host name as entries and URLs spell it: ASCII (IDN), lower case, no trailing dot. */
  private static String hostName(String text) {
    String ascii;
    try {
      ascii = IDN.toASCII(text, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("is not a host name");
    }
    if (ascii.endsWith(".")) ascii = ascii.substring(0, ascii.length() - 1);
    if (ascii.isEmpty() || ascii.length() > 253)
      throw new IllegalArgumentException("is not a host name");
    String[] labels = ascii.split("\\.", -1);
    for (String label : labels) {
      if (!LABEL.matcher(label).matches()) throw new IllegalArgumentException("is not a host name");
    }
    if (WhatwgIpv4.endsInANumber(ascii)) {
      throw new IllegalArgumentException(
          "is not a host name (write an address as a CIDR block, such as 10.0.0.1/32)");
    }
    return ascii;
  }

  /** A strictly written IPv4 (a.b.c.d, no leading zeros) or IPv6 literal; never a DNS lookup. */
  static Optional<InetAddress> literal(String text) {
    var v4 = IPV4.matcher(text);
    if (v4.matches()) {
      byte[] bytes = new byte[4];
      for (int i = 0; i < 4; i++) {
        String part = v4.group(i + 1);
        int value = Integer.parseInt(part);
        if (value > 255 || (part.length() > 1 && part.startsWith("0"))) {
          throw new IllegalArgumentException(
              "is not an IPv4 address (four numbers 0-255 without leading zeros)");
        }
        bytes[i] = (byte) value;
      }
      return Optional.of(ipv4(bytes[0], bytes[1], bytes[2], bytes[3]));
    }
    if (text.contains(":") && IPV6.matcher(text).matches()) {
      // a dotted IPv4 tail is four plain decimals: the JDK would read 010 as 10, browsers refuse it
      String tail = text.substring(text.lastIndexOf(':') + 1);
      if (tail.contains(".") && !IPV4_TAIL.matcher(tail).matches())
        throw new IllegalArgumentException("is not an IPv6 address");
      try {
        // bracketed, the JDK parses it as an IPv6 literal or fails; it never asks DNS
        return Optional.of(InetAddress.getByName("[" + text + "]"));
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("is not an IPv6 address");
      }
    }
    return Optional.empty();
  }

  private static InetAddress ipv4(byte a, byte b, byte c, byte d) {
    try {
      return InetAddress.getByAddress(new byte[] {a, b, c, d});
    } catch (UnknownHostException e) {
      throw new IllegalStateException("four bytes are an IPv4 address", e);
    }
  }

  private static boolean allZero(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) if (bytes[i] != 0) return false;
    return true;
  }

  /**
   * An address as people write it: dotted quad, or IPv6 with the longest run of zero groups as
   * "::".
   */
  static String text(InetAddress address) {
    if (address instanceof Inet4Address) return address.getHostAddress();
    byte[] b = address.getAddress();
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    int bestStart = -1, bestLength = 0;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int start = i;
      while (i < 8 && groups[i] == 0) i++;
      if (i - start > bestLength && i - start > 1) {
        bestStart = start;
        bestLength = i - start;
      }
    }
    var out = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append("::");
        i += bestLength - 1;
        continue;
      }
      if (!out.isEmpty() && out.charAt(out.length() - 1) != ':') out.append(':');
      out.append(Integer.toHexString(groups[i]));
    }
    return out.toString();
  }

  private static Range range(String cidr, String kind) {
    return new Range(Cidr.parse(cidr), kind);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof EgressPolicy policy && policy.entries.equals(entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    return "EgressPolicy" + entries;
  }

  /** An address block: the network's bytes (host bits zero) and the prefix length. */
  private record Cidr(byte[] network, int prefix) {
    static Cidr parse(String text) {
      int slash = text.indexOf('/');
      String addressText = text.substring(0, slash);
      InetAddress address =
          literal(addressText)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "is not a CIDR block (an IP address, '/', a prefix length)"));
      if (addressText.contains(":") && address instanceof Inet4Address) {
        throw new IllegalArgumentException(
            "is an IPv4-mapped block; write it in IPv4 form, such as 10.0.0.0/8");
      }
      byte[] bytes = address.getAddress();
      int prefix;
      try {
        prefix = Integer.parseInt(text.substring(slash + 1));
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < 0
          || prefix > bytes.length * 8
          || !text.substring(slash + 1).matches("\\d{1,3}")) {
        throw new IllegalArgumentException("has a prefix length outside 0-" + bytes.length * 8);
      }
      var cidr = new Cidr(bytes, prefix);
      if (!Arrays.equals(cidr.network(), bytes)) {
        throw new IllegalArgumentException(
            "has bits set after the prefix; did you mean " + cidr + "?");
      }
      return cidr;
    }

    Cidr {
      network = masked(network, prefix);
    }

    boolean contains(InetAddress address) {
      byte[] bytes = address.getAddress();
      return bytes.length == network.length && Arrays.equals(masked(bytes, prefix), network);
    }

    private static byte[] masked(byte[] bytes, int prefix) {
      byte[] out = bytes.clone();
      for (int i = 0; i < out.length; i++) {
        int keep = Math.clamp(prefix - i * 8L, 0, 8);
        out[i] = (byte) (out[i] & (0xff << (8 - keep)));
      }
      return out;
    }

    @Override
    public String toString() {
      try {
        return text(InetAddress.getByAddress(network)) + "/" + prefix;
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
