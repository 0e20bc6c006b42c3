package dev.slipway.egress;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code ctx.fetch} answers a script.
 *
 * @param status the HTTP status of the last response (after redirects)
 * @param statusText its reason phrase, or the standard one when the server sent none
 * @param headers response headers by lower-case name; a repeated header's values joined with ", "
 * @param body the body decoded as text (the Content-Type's charset, UTF-8 when it names none)
 * @param url the URL that answered, after redirects
 */
public record FetchResponse(
    int status, String statusText, Map<String, String> headers, String body, String url) {
  public FetchResponse {
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }
}
