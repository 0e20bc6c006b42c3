package dev.slipway.runtime;

import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import dev.slipway.egress.Egress;
import dev.slipway.egress.EgressException;
import dev.slipway.egress.FetchRequest;
import dev.slipway.egress.FetchResponse;
import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.Map;

/**
 * Fetches a jwt endpoint's JWK set for nimbus-jose-jwt through {@link Egress}, under the org's
 * egress policy: the checks a script's {@code ctx.fetch} gets (numeric hosts read as browsers read
 * them, every resolved address checked and pinned, each redirect checked again), with a smaller
 * response cap and a short time limit. nimbus keeps its caching, rate limiting and retry around it.
 *
 * <p>A failure is an {@link IOException} whose message says what happened (refused, connection
 * refused, a status other than 200) for the server's and the call's log; nimbus wraps it, and
 * {@link EndpointAuth} shows the caller none of it.
 *
 * @param egress performs the request; null where Slipway makes no outbound requests, so no key set
 *     can be had
 */
record EgressJwkSetRetriever(Egress egress, long orgId) implements ResourceRetriever {
  /** A JWK set is a few keys; this is generous. */
  static final int MAX_BYTES = 1024 * 1024;

  /** The request waits on it (once per cache period), so it must be short. */
  static final Duration TIMEOUT = Duration.ofSeconds(3);

  @Override
  public Resource retrieveResource(URL url) throws IOException {
    if (egress == null)
      throw new IOException("outbound requests are off, so no JWK set is fetched");
    FetchResponse response;
    try {
      response =
          egress.fetch(
              orgId,
              new FetchRequest(
                  url.toExternalForm(),
                  "GET",
                  Map.of("Accept", "application/jwk-set+json, application/json"),
                  null),
              TIMEOUT,
              MAX_BYTES);
    } catch (EgressException e) {
      throw new IOException(e.code() + ": " + e.getMessage(), e);
    }
    if (response.status() != 200)
      throw new IOException(
          response.url() + " answered " + response.status() + " " + response.statusText());
    return new Resource(response.body(), response.headers().get("content-type"));
  }
}
