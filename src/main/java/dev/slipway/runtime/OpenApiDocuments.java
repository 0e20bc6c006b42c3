package dev.slipway.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.common.Json;
import dev.slipway.spec.OpenApi;
import java.util.Collection;

/** The data plane's {@code /openapi.json}: built once per routing table, served as bytes. */
final class OpenApiDocuments {
  private OpenApiDocuments() {}

  static byte[] of(Collection<CompiledEndpoint> endpoints) {
    try {
      return Json.MAPPER
          .writerWithDefaultPrettyPrinter()
          .writeValueAsBytes(
              OpenApi.document(
                  "Slipway endpoints",
                  "live",
                  endpoints.stream().map(CompiledEndpoint::spec).toList()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an OpenAPI document always serializes", e);
    }
  }
}
