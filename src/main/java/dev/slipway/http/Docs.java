package dev.slipway.http;

import dev.slipway.common.Resources;
import dev.slipway.runtime.EndpointResponse;
import dev.slipway.runtime.RoutingTable;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The data plane's own pages, answered only where no endpoint serves the path: {@code GET
 * /openapi.json} (every live endpoint, built when the release went live) and {@code GET /docs},
 * Swagger UI over it, with its files served from the swagger-ui webjar.
 */
final class Docs {

  private static final String SWAGGER_UI = "META-INF/resources/webjars/swagger-ui/5.34.1/";
  private static final Map<String, String> ASSETS =
      Map.of(
          "swagger-ui.css", "text/css; charset=utf-8",
          "swagger-ui-bundle.js", "text/javascript; charset=utf-8",
          "swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8");
  private static final byte[] PAGE =
      """
      <!doctype html>
      <html lang="en">
      <head><meta charset="utf-8"><title>Endpoints</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
      <body><div id="docs"></div>
      <script src="/docs/swagger-ui-bundle.js"></script>
      <script>SwaggerUIBundle({ url: "/openapi.json", dom_id: "#docs" });</script>
      </body>
      </html>
      """
          .getBytes(StandardCharsets.UTF_8);
  private static final Map<String, byte[]> LOADED = new ConcurrentHashMap<>();

  private Docs() {}

  static Optional<EndpointResponse> answer(String method, String path, RoutingTable table) {
    if (!method.equals("GET") && !method.equals("HEAD")) return Optional.empty();
    if (path.equals("/openapi.json")) return Optional.of(ok("application/json", table.openApi()));
    if (path.equals("/docs") || path.equals("/docs/")) {
      return Optional.of(
          new EndpointResponse(
              200,
              Map.of(
                  "Content-Type",
                  "text/html; charset=utf-8",
                  // the page runs Swagger UI's script and style, from this server only
                  "Content-Security-Policy",
                  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"),
              PAGE));
    }
    if (path.startsWith("/docs/")) {
      String asset = path.substring("/docs/".length());
      String type = ASSETS.get(asset);
      if (type != null)
        return Optional.of(
            ok(type, LOADED.computeIfAbsent(asset, name -> Resources.bytes(SWAGGER_UI + name))));
    }
    return Optional.empty();
  }

  private static EndpointResponse ok(String type, byte[] body) {
    return new EndpointResponse(
        200, Map.of("Content-Type", type, "Cache-Control", "no-cache"), body);
  }
}
