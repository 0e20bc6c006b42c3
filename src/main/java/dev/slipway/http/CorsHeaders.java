package dev.slipway.http;

import dev.slipway.runtime.CompiledEndpoint;
import dev.slipway.runtime.Router;
import dev.slipway.spec.Cors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * CORS on the data plane, per endpoint: only the exact origins an endpoint lists get {@code
 * Access-Control-Allow-Origin}, credentials only when it says so, and a preflight answers for every
 * method at the path whose endpoint allows the origin.
 */
final class CorsHeaders {
  /** Request headers every CORS endpoint accepts besides its own list. */
  private static final Set<String> ALWAYS_ALLOWED =
      Set.of("content-type", "authorization", "x-api-key", "x-request-id");

  private CorsHeaders() {}

  /** Whether the endpoint's CORS settings admit the origin. */
  static boolean allows(Optional<Cors> cors, String origin) {
    return cors.isPresent() && cors.get().origins().contains(origin);
  }

  /** Headers for an actual (non-preflight) request from an allowed origin. */
  static Map<String, String> actual(Cors cors, String origin) {
    var headers = new LinkedHashMap<String, String>();
    headers.put("Access-Control-Allow-Origin", origin);
    headers.put("Vary", "Origin");
    if (cors.credentials()) headers.put("Access-Control-Allow-Credentials", "true");
    var expose = new StringJoiner(", ");
    expose.add(RequestIds.HEADER);
    cors.exposeHeaders().forEach(expose::add);
    headers.put("Access-Control-Expose-Headers", expose.toString());
    return headers;
  }

  /**
   * The answer to a preflight, or empty when the origin may not make the request: no endpoint at
   * the path for the requested method, or one that does not list the origin.
   */
  static Optional<Map<String, String>> preflight(
      Router<CompiledEndpoint> router,
      String path,
      String origin,
      String requestedMethod,
      String requestedHeaders) {
    if (!(router.find(requestedMethod, path)
            instanceof Router.Match.Found<CompiledEndpoint>(var endpoint, var values))
        || !allows(endpoint.cors(), origin)) {
      return Optional.empty();
    }
    Cors cors = endpoint.cors().orElseThrow();
    var methods = new TreeSet<String>();
    if (router.find("OPTIONS", path)
        instanceof Router.Match.WrongMethod<CompiledEndpoint>(var allowed)) {
      for (String method : allowed) {
        if (router.find(method, path)
                instanceof Router.Match.Found<CompiledEndpoint>(var other, var v)
            && allows(other.cors(), origin)) {
          methods.add(method);
        }
      }
    }
    var headers = actual(cors, origin);
    headers.remove("Access-Control-Expose-Headers");
    headers.put("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    headers.put("Access-Control-Allow-Methods", String.join(", ", methods));
    headers.put("Access-Control-Allow-Headers", allowedHeaders(cors.headers(), requestedHeaders));
    headers.put("Access-Control-Max-Age", Integer.toString(cors.maxAgeSeconds()));
    return Optional.of(headers);
  }

  /** The requested headers this endpoint accepts (a browser refuses the call if one is missing). */
  private static String allowedHeaders(List<String> own, String requested) {
    var allowed = new TreeSet<>(ALWAYS_ALLOWED);
    own.forEach(header -> allowed.add(header.toLowerCase(Locale.ROOT)));
    var answer = new StringJoiner(", ");
    if (requested != null) {
      for (String header : requested.split(",")) {
        String name = header.strip().toLowerCase(Locale.ROOT);
        if (allowed.contains(name)) answer.add(name);
      }
    }
    return answer.toString();
  }
}
