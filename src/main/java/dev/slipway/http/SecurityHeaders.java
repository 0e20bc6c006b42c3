package dev.slipway.http;

import java.util.Map;

/** Headers every platform API response carries: no sniffing, no framing, no caching, no referrer. */
final class SecurityHeaders {
  static final Map<String, String> CONTROL_PLANE = Map.of(
      "X-Content-Type-Options", "nosniff",
      "X-Frame-Options", "DENY",
      "Referrer-Policy", "no-referrer",
      "Cache-Control", "no-store",
      "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");

  private SecurityHeaders() {}
}
