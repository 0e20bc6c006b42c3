package dev.slipway.egress;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a script asks {@code ctx.fetch} to send.
 *
 * @param url an absolute http or https URL
 * @param method the HTTP method; null means GET
 * @param headers request headers by name; null means none ({@link Egress} checks names and values)
 * @param body the request body as text (sent as UTF-8), or null for none
 */
public record FetchRequest(String url, String method, Map<String, String> headers, String body) {
  public FetchRequest {
    headers =
        headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }

  /** A GET of {@code url} without headers. */
  public static FetchRequest get(String url) {
    return new FetchRequest(url, "GET", Map.of(), null);
  }
}
