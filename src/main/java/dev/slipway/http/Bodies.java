package dev.slipway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.runtime.LiveRouting;
import dev.slipway.store.EndpointVersion;
import dev.slipway.store.Release;
import java.time.Instant;
import java.util.List;

/** The answers several areas give: a saved version and a release. */
final class Bodies {
  private Bodies() {}

  /** A version of an endpoint, its spec whole; {@code created} says whether this call made it. */
  record Version(
      String name,
      int version,
      boolean created,
      String hash,
      String method,
      String path,
      Instant createdAt,
      String previewUrl,
      JsonNode spec) {

    static Version of(EndpointVersion version, boolean created) {
      try {
        return new Version(
            version.name(),
            version.version(),
            created,
            version.hash(),
            version.method(),
            version.path(),
            version.createdAt(),
            "/api/endpoints/"
                + version.name()
                + "/versions/"
                + version.version()
                + "/preview"
                + version.path(),
            Json.MAPPER.readTree(version.spec()));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a stored spec is not JSON", e);
      }
    }
  }

  /** An endpoint version a release holds. */
  record ReleasedVersion(String name, int version, String method, String path) {}

  /** A release, and whether it is the org's live one in this instance. */
  record ReleaseBody(
      long id,
      String environment,
      String note,
      Instant createdAt,
      boolean live,
      List<ReleasedVersion> endpoints) {

    static ReleaseBody of(Release release, LiveRouting live) {
      return new ReleaseBody(
          release.id(),
          release.environment(),
          release.note(),
          release.createdAt(),
          release.id() == live.current().releaseOf(release.orgId()),
          release.versions().stream()
              .map(v -> new ReleasedVersion(v.name(), v.version(), v.method(), v.path()))
              .toList());
    }
  }
}
