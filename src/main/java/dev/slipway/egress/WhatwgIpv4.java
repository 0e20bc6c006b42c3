package dev.slipway.egress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The IPv4 rules of the WHATWG URL Standard's host parser (url.spec.whatwg.org, "ends in a number
 * checker", "IPv4 parser", "IPv4 number parser"), which browsers and the JavaScript runtimes
 * follow: a host whose last label is a number is an IPv4 address, written as one to four
 * dot-separated parts, each decimal, {@code 0x} hexadecimal or {@code 0}-led octal, the last part
 * filling the bytes the others leave. So {@code 0177.0.0.1}, {@code 0x7f.1}, {@code 127.1} and
 * {@code 2130706433} are all 127.0.0.1, and a host that ends in a number but is not such an address
 * ({@code 1.2.3.08}, {@code 256.0.0.1}, {@code example.1}) is no valid host at all.
 *
 * <p>The JDK reads these spellings differently ({@code 0177.0.0.1} as 177.0.0.1, {@code 0x7f.1} as
 * a name for DNS), so {@link UrlHost} reads a URL's host with these rules before anything else sees
 * it. Input is expected lower case, as the standard's host parser has it by this step.
 */
final class WhatwgIpv4 {
  /** What {@link #number} answers for a part that is not a number. */
  static final long FAILURE = -1;

  /**
   * What {@link #number} answers for a number too large for any part (the standard has no bound;
   * this is past 2^32).
   */
  private static final long TOO_LARGE = Long.MAX_VALUE;

  private WhatwgIpv4() {}

  /** Whether {@code host} ends in a number, so that it must be an IPv4 address or fail. */
  static boolean endsInANumber(String host) {
    List<String> parts = split(host);
    if (parts.getLast().isEmpty()) {
      if (parts.size() == 1) return false;
      parts.removeLast();
    }
    String last = parts.getLast();
    if (!last.isEmpty() && last.chars().allMatch(WhatwgIpv4::isDecimalDigit)) return true;
    return number(last) != FAILURE;
  }

  /** The address {@code host} denotes as an unsigned 32-bit value, or {@link #FAILURE}. */
  static long parse(String host) {
    List<String> parts = split(host);
    if (parts.getLast().isEmpty() && parts.size() > 1) parts.removeLast();
    if (parts.size() > 4) return FAILURE;
    long[] numbers = new long[parts.size()];
    for (int i = 0; i < numbers.length; i++) {
      numbers[i] = number(parts.get(i));
      if (numbers[i] == FAILURE) return FAILURE;
    }
    int last = numbers.length - 1;
    for (int i = 0; i < last; i++) if (numbers[i] > 255) return FAILURE;
    if (numbers[last] >= 1L << (8 * (5 - numbers.length))) return FAILURE;
    long address = numbers[last];
    for (int i = 0; i < last; i++) address += numbers[i] << (8 * (3 - i));
    return address;
  }

  /**
   * One part's value: decimal, {@code 0x} hexadecimal or {@code 0}-led octal; {@link #FAILURE} when
   * it is none.
   */
  static long number(String part) {
    if (part.isEmpty()) return FAILURE;
    int radix = 10;
    String digits = part;
    if (part.length() >= 2 && (part.startsWith("0x") || part.startsWith("0X"))) {
      radix = 16;
      digits = part.substring(2);
    } else if (part.length() >= 2 && part.startsWith("0")) {
      radix = 8;
      digits = part.substring(1);
    }
    if (digits.isEmpty()) return 0;
    long value = 0;
    for (int i = 0; i < digits.length(); i++) {
      int digit = digit(digits.charAt(i), radix);
      if (digit < 0) return FAILURE;
      // past 2^32 every part fails, however many more digits follow; only whether it is a number
      // still matters
      value = value > 1L << 40 ? TOO_LARGE : value * radix + digit;
    }
    return value;
  }

  /** The bytes of an address {@link #parse} answered. */
  static byte[] bytes(long address) {
    return new byte[] {
      (byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address
    };
  }

  /**
   * An ASCII digit's value in {@code radix} (8, 10 or 16), or -1; never another script's digits.
   */
  private static int digit(char c, int radix) {
    int value =
        isDecimalDigit(c)
            ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    return value < radix ? value : -1;
  }

  private static boolean isDecimalDigit(int c) {
    return c >= '0' && c <= '9';
  }

  /** The standard's "strictly split on U+002E": every empty part kept. */
  private static List<String> split(String host) {
    return new ArrayList<>(Arrays.asList(host.split("\\.", -1)));
  }
}
