package dev.slipway.runtime;

import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Problems;
import java.util.LinkedHashMap;
import java.util.Map;

/** What an endpoint answers: status, headers (content type included) and body bytes. */
public record EndpointResponse(int status, Map<String, String> headers, byte[] body) {

  /** The answer for {@code problem}: its status, its headers and the problem+json body. */
  public static EndpointResponse problem(
      ProblemException problem, String instance, String requestId) {
    var headers = new LinkedHashMap<String, String>(problem.headers());
    headers.put("Content-Type", Problems.CONTENT_TYPE);
    return new EndpointResponse(
        problem.status(), headers, Problems.body(problem, instance, requestId));
  }
}
