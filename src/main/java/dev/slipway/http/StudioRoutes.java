package dev.slipway.http;

import dev.slipway.problem.ProblemException;
import dev.slipway.security.Action;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The Studio, the web app built from {@code studio/} into the jar's {@code studio/} folder: {@code
 * GET /} answers its page, {@code GET /assets/<file>} its scripts, styles and fonts. The file names
 * under {@code assets/} carry a hash of their content, so they are cached for a year; the page is
 * never cached, so a deploy of a new Studio shows at the next load. Its answers carry their own
 * Content-Security-Policy: scripts only from this origin (no inline script, no {@code eval}), calls
 * only to this origin; styles may be inline because the code editor sets them at run time.
 */
public final class StudioRoutes implements Routes {
  static final String CONTENT_SECURITY_POLICY =
      String.join(
          "; ",
          "default-src 'none'",
          "script-src 'self'",
          "style-src 'self' 'unsafe-inline'",
          "img-src 'self' data: blob:",
          "font-src 'self' data:",
          "connect-src 'self'",
          "worker-src 'self' blob:",
          "manifest-src 'self'",
          "base-uri 'none'",
          "form-action 'self'",
          "frame-ancestors 'none'");

  private static final Pattern ASSET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,200}");

  private static final Map<String, String> TYPES =
      Map.of(
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "ttf", "font/ttf",
          "woff2", "font/woff2",
          "svg", "image/svg+xml",
          "png", "image/png",
          "json", "application/json",
          "map", "application/json");

  private final String root;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();

  /** The Studio from the class path's {@code studio/} folder. */
  public StudioRoutes() {
    this("studio/");
  }

  StudioRoutes(String root) {
    this.root = root;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/", this::page, Action.PUBLIC);
    routes.addHttpHandler(HandlerType.GET, "/index.html", this::page, Action.PUBLIC);
    routes.addHttpHandler(HandlerType.GET, "/assets/{file}", this::asset, Action.PUBLIC);
  }

  private void page(Context ctx) {
    byte[] page =
        file("index.html")
            .orElseThrow(
                () ->
                    new ProblemException(
                        404,
                        "studio_not_built",
                        "Not Found",
                        "This build has no Studio: build it with `mvn package` (it needs Node.js and npm)."));
    ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    ctx.header("Cache-Control", "no-cache");
    ctx.contentType("text/html; charset=utf-8").result(page);
  }

  private void asset(Context ctx) {
    String name = ctx.pathParam("file");
    String extension = name.substring(name.lastIndexOf('.') + 1);
    byte[] content =
        ASSET.matcher(name).matches() && TYPES.containsKey(extension)
            ? file("assets/" + name).orElse(null)
            : null;
    if (content == null)
      throw new ProblemException(
          404, "not_found", "Not Found", "The Studio has no file assets/" + name + ".");
    ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    ctx.header("Cache-Control", "public, max-age=31536000, immutable");
    ctx.contentType(TYPES.get(extension)).result(content);
  }

  /**
   * A file of the Studio, read from the class path once and kept (only files that exist, so asking
   * for made-up names keeps nothing).
   */
  private Optional<byte[]> file(String path) {
    byte[] kept = files.get(path);
    if (kept != null) return Optional.of(kept);
    Optional<byte[]> read = read(path);
    read.ifPresent(content -> files.put(path, content));
    return read;
  }

  private Optional<byte[]> read(String path) {
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(root + path)) {
      return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the Studio's " + path, e);
    }
  }
}
