package dev.slipway.http;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Request ids: the caller's {@code X-Request-Id} when it is sane, otherwise 16 random hex digits.
 */
public final class RequestIds {
  public static final String HEADER = "X-Request-Id";
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RequestIds() {}

  public static String from(String supplied) {
    if (supplied != null && SANE.matcher(supplied).matches()) return supplied;
    long bits = ThreadLocalRandom.current().nextLong();
    char[] id = new char[16];
    for (int i = 15; i >= 0; i--) {
      id[i] = HEX[(int) (bits & 0xf)];
      bits >>>= 4;
    }
    return new String(id);
  }
}
