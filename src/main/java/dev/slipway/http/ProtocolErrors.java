package dev.slipway.http;

import dev.slipway.problem.ProblemException;
import dev.slipway.runtime.EndpointResponse;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own rejections of what is not valid HTTP (a malformed request line, a URI or headers too
 * large, a conflicting Content-Length, an unknown version), which no route sees, as problem+json
 * with a stable code: the error handler of both planes' servers.
 */
final class ProtocolErrors implements Request.Handler {
  private final Map<String, String> headers;

  /**
   * @param headers what every answer of the plane carries (its security headers)
   */
  ProtocolErrors(Map<String, String> headers) {
    this.headers = Map.copyOf(headers);
  }

  /** The problem Jetty's rejection with {@code status} stands for. */
  static ProblemException problem(int status) {
    String title = HttpStatus.getMessage(status);
    return switch (status) {
      case 414 ->
          new ProblemException(
              414, "uri_too_long", title, "The request's URI is longer than the server reads.");
      case 431 ->
          new ProblemException(
              431,
              "headers_too_large",
              title,
              "The request's headers are larger than the server reads.");
      case 505 ->
          new ProblemException(
              505, "http_version_not_supported", title, "The server speaks HTTP/1.0 and HTTP/1.1.");
      default ->
          status >= 500
              ? ProblemException.internal(null)
              : new ProblemException(
                  status,
                  status == 400 ? "bad_request" : "http_" + status,
                  title,
                  "The request could not be read as HTTP.");
    };
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    ProblemException problem = problem(response.getStatus() >= 400 ? response.getStatus() : 400);
    // no instance: the path may be what was wrong (too long, a NUL in it)
    var answer = EndpointResponse.problem(problem, "", null);
    response.setStatus(answer.status());
    var fields = response.getHeaders();
    headers.forEach(fields::put);
    answer.headers().forEach(fields::put);
    // Jetty closes the connection after such an error; say so, or a client would reuse it.
    fields.put(HttpHeader.CONNECTION, "close");
    fields.put(HttpHeader.CONTENT_LENGTH, answer.body().length);
    response.write(true, ByteBuffer.wrap(answer.body()), callback);
    return true;
  }
}
