package dev.slipway.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.common.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A response compiled from a spec: status, headers and body as spec values. A string body with a
 * non-JSON {@code Content-Type} header is sent as text; anything else is sent as JSON.
 */
record CompiledResponse(
    SpecValue status, Map<String, SpecValue> headers, Optional<SpecValue> body) {

  /** Renders the response; {@code fallbackBody} is used when the spec gives no body. */
  EndpointResponse render(Scope scope, Object fallbackBody) {
    int code = statusCode(status.evaluate(scope));
    var rendered = new LinkedHashMap<String, String>();
    headers.forEach(
        (name, header) -> {
          Object value = header.evaluate(scope);
          if (value != null)
            rendered.put(name, value instanceof String s ? s : CelValues.toJsonText(value));
        });
    Object value = body.isPresent() ? body.get().evaluate(scope) : fallbackBody;
    String contentType = contentType(rendered);
    byte[] bytes;
    if (value instanceof String text && contentType != null && !InputContract.isJson(contentType)) {
      bytes = text.getBytes(StandardCharsets.UTF_8);
    } else if (value == null && body.isEmpty()) {
      bytes = new byte[0];
    } else {
      if (contentType == null) rendered.put("Content-Type", "application/json");
      bytes = json(value);
    }
    return new EndpointResponse(code, rendered, bytes);
  }

  private static String contentType(Map<String, String> headers) {
    for (var header : headers.entrySet()) {
      if (header.getKey().equalsIgnoreCase("content-type")) return header.getValue();
    }
    return null;
  }

  private static int statusCode(Object value) {
    int code =
        switch (value) {
          case Number n -> n.intValue();
          case String s when s.matches("\\d{3}") -> Integer.parseInt(s);
          default ->
              throw new SpecValue.ExpressionException(
                  "status", "the status must be a number, got " + value);
        };
    if (code < 100 || code > 599)
      throw new SpecValue.ExpressionException("status", "the status must be 100..599, got " + code);
    return code;
  }

  static byte[] json(Object value) {
    try {
      return Json.MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a response body", e);
    }
  }
}
