package dev.slipway.http;

import java.util.Map;

/**
 * Headers each plane's answers carry: no sniffing, no framing, no referrer; on the platform API no
 * caching either.
 */
final class SecurityHeaders {
  /** Every data-plane answer carries these unless the endpoint set its own. */
  static final Map<String, String> DATA_PLANE =
      Map.of(
          "X-Content-Type-Options", "nosniff",
          "X-Frame-Options", "DENY",
          "Referrer-Policy", "no-referrer");

  static final Map<String, String> CONTROL_PLANE =
      Map.of(
          "X-Content-Type-Options", "nosniff",
          "X-Frame-Options", "DENY",
          "Referrer-Policy", "no-referrer",
          "Cache-Control", "no-store",
          "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");

  private SecurityHeaders() {}
}
