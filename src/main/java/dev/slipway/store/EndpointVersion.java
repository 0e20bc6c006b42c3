package dev.slipway.store;

import java.time.Instant;

/**
 * One immutable saved version of an endpoint.
 *
 * @param orgId the org the endpoint belongs to
 * @param hash SHA-256 of the spec's canonical JSON: equal specs, equal hashes
 * @param spec the spec as canonical JSON
 * @param source the spec as the author sent it (YAML or JSON)
 */
public record EndpointVersion(
    long id,
    long orgId,
    String name,
    int version,
    String hash,
    String method,
    String path,
    String spec,
    String source,
    Instant createdAt) {

  /** Whether it is served at an HTTP route (a job handler has no path). */
  public boolean servesHttp() {
    return !path.isEmpty();
  }
}
