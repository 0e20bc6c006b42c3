package dev.slipway.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.common.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders problems as {@code application/problem+json} bodies (RFC 9457): the one place both planes
 * (and the servers' own protocol errors) turn a {@link ProblemException} into bytes.
 */
public final class Problems {
  public static final String CONTENT_TYPE = "application/problem+json";

  private Problems() {}

  /**
   * The body for {@code problem}; {@code instance} is the request path, {@code requestId} may be
   * null.
   */
  public static byte[] body(ProblemException problem, String instance, String requestId) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "https://slipway.dev/problems/" + problem.code());
    body.put("title", problem.title());
    body.put("status", problem.status());
    body.put("code", problem.code());
    body.put("detail", problem.detail());
    body.put("instance", instance);
    if (requestId != null) body.put("requestId", requestId);
    List<Violation> errors = problem.errors();
    if (!errors.isEmpty()) {
      body.put(
          "errors",
          errors.stream()
              .map(
                  v -> {
                    var e = new LinkedHashMap<String, Object>();
                    e.put("path", v.path());
                    e.put("message", v.message());
                    return e;
                  })
              .toList());
    }
    try {
      return Json.MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render a problem", e);
    }
  }
}
