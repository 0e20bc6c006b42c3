package dev.slipway.runtime;

import java.util.List;
import java.util.Map;

/**
 * One HTTP call to an endpoint, independent of the server that received it (the data plane, or the
 * control plane's preview).
 *
 * @param pathValues the decoded values of the route's path parameters, in order
 * @param headers header names lower-cased, first value of each
 * @param body the raw body, empty when there is none (never null)
 * @param clientAddress the caller's IP address, what per-caller limits of a public endpoint count
 *     by
 * @param traceparent the W3C trace context the call's outbound requests carry ({@code ctx.fetch}):
 *     the call's trace and its span; null when it is not traced
 */
public record EndpointRequest(
    String method,
    String path,
    List<String> pathValues,
    Map<String, List<String>> query,
    Map<String, String> headers,
    byte[] body,
    String requestId,
    String clientAddress,
    String traceparent) {

  /** A request that is not traced. */
  public EndpointRequest(
      String method,
      String path,
      List<String> pathValues,
      Map<String, List<String>> query,
      Map<String, String> headers,
      byte[] body,
      String requestId,
      String clientAddress) {
    this(method, path, pathValues, query, headers, body, requestId, clientAddress, null);
  }

  public String contentType() {
    return headers.get("content-type");
  }
}
