package dev.slipway.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * A URL's host as a browser reads it: a domain name to resolve, an IP address written in the URL,
 * or no valid host. IPv4 follows the WHATWG URL Standard ({@link WhatwgIpv4}), so the address
 * {@link Egress} checks and connects to is the one any other tool would reach with the same URL; an
 * IPv6 literal is read by the JDK, but refused when its dotted IPv4 tail has a leading zero (which
 * the standard refuses and the JDK reads as decimal).
 */
sealed interface UrlHost {
  /** A domain name, for DNS. */
  record Name(String name) implements UrlHost {}

  /**
   * An address written in the URL: it is never looked up, and it is what gets checked and connected
   * to.
   */
  record Address(InetAddress address) implements UrlHost {}

  /** A host no URL may have; {@code reason} says why, in a script author's terms. */
  record Invalid(String reason) implements UrlHost {}

  /**
   * Reads a host as a URL (or Jetty) gives it: a name, a dotted or other IPv4 spelling, or an IPv6
   * literal with or without brackets.
   */
  static UrlHost read(String host) {
    String text = host.toLowerCase(Locale.ROOT);
    boolean bracketed = text.startsWith("[") && text.endsWith("]");
    if (bracketed) text = text.substring(1, text.length() - 1);
    if (bracketed || text.contains(":")) {
      try {
        // brackets hold an IPv6 address and nothing else
        if (!text.contains(":")) throw new IllegalArgumentException("is not an IPv6 address");
        Optional<InetAddress> address = EgressPolicy.literal(text);
        if (address.isPresent()) return new Address(address.get());
      } catch (IllegalArgumentException e) {
        // not an IPv6 address after all
      }
      return new Invalid(host + " is not a valid IPv6 address.");
    }
    if (!WhatwgIpv4.endsInANumber(text)) return new Name(host);
    long address = WhatwgIpv4.parse(text);
    if (address == WhatwgIpv4.FAILURE) {
      return new Invalid(
          host
              + " ends in a number but is not an IPv4 address (one to four numbers 0-255, each decimal, "
              + "0x-hexadecimal or 0-led octal, as browsers read them).");
    }
    try {
      return new Address(InetAddress.getByAddress(WhatwgIpv4.bytes(address)));
    } catch (UnknownHostException e) {
      throw new IllegalStateException("four bytes are an IPv4 address", e);
    }
  }
}
