package dev.slipway.egress;

import dev.slipway.common.NamedThreads;
import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Performs scripts' {@code ctx.fetch} calls under their org's {@link EgressPolicy}.
 *
 * <p>How a destination is checked: a URL's host is first read as browsers read it ({@link
 * UrlHost}), so that an IPv4 address in another spelling ({@code 0177.0.0.1}, {@code 0x7f.1}) is
 * that address, written a.b.c.d from then on, and a host that ends in a number but is no address is
 * refused. Jetty's {@link HttpClient} resolves every host it connects to through {@link
 * CheckingResolver}, which takes an address as it is and resolves a name with the JDK, checks every
 * address against the policy and hands Jetty exactly those addresses. So the checked addresses are
 * the ones connected to (a second DNS answer cannot slip in between), while the Host header and TLS
 * SNI still carry the URL's name. A refused destination fails before any connection is opened.
 *
 * <p>How orgs are kept apart: every request is tagged with a {@link Tenant} (the org and the policy
 * it was checked under). Jetty keys its destinations, and so its connection pools, by scheme, host,
 * port <em>and tag</em>, so a pooled connection is reused only by the same org under the same
 * policy; a changed policy opens new connections, checked anew. The resolver reads the policy from
 * the tag of the destination it resolves for, and refuses when there is none. Cookies, redirect
 * caching, authentication and content decoding (all shared client state) are off; redirects are
 * followed here, each hop checked again.
 */
public final class Egress implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Egress.class);
  public static final int MAX_REQUEST_BODY_BYTES = 1024 * 1024;
  public static final int MAX_RESPONSE_BODY_BYTES = 5 * 1024 * 1024;
  public static final int MAX_REDIRECTS = 5;
  private static final int MAX_HEADER_BYTES = 16 * 1024;
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

  /** Headers that frame the message or pick the server: Slipway sets them from the URL and body. */
  private static final Set<String> RESERVED_HEADERS =
      Set.of(
          "host",
          "content-length",
          "transfer-encoding",
          "connection",
          "keep-alive",
          "upgrade",
          "te",
          "trailer",
          "expect",
          "proxy-connection");

  /**
   * Headers that carry credentials: dropped when a redirect leaves the origin they were sent to.
   */
  private static final Set<String> CREDENTIAL_HEADERS =
      Set.of("authorization", "cookie", "proxy-authorization");

  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final Pattern CHARSET =
      Pattern.compile("(?i);\\s*charset\\s*=\\s*\"?([^\";\\s]+)");

  /**
   * An authority the JDK could not split into host and port: the host, then an optional port (at
   * most 5 digits).
   */
  private static final Pattern HOST_AND_PORT = Pattern.compile("([^:\\[\\]]+)(:\\d{0,5})?");

  /** How long past the call's deadline to wait for Jetty's own timeout before giving up on it. */
  private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final PolicySource policies;
  private final HttpClient client;

  /**
   * Jetty's client starting (its TLS set-up, about a second of a small machine's start): off the
   * server's start.
   */
  private final CompletableFuture<Void> started;

  /** Whose request a connection serves: the tag Jetty keeps separate connection pools by. */
  private record Tenant(long orgId, EgressPolicy policy) {}

  /** A response read whole, before redirects are decided. */
  private record Exchange(int status, String reason, Map<String, String> headers, byte[] body) {}

  public Egress(PolicySource policies) {
    this.policies = policies;
    var threads = new QueuedThreadPool(64, 2);
    threads.setName("egress");
    client = new HttpClient();
    client.setExecutor(threads);
    client.setSocketAddressResolver(new CheckingResolver());
    client.setFollowRedirects(false);
    client.setRedirectCache(null);
    client.setHttpCookieStore(new HttpCookieStore.Empty());
    client.getContentDecoderFactories().clear();
    client.getProtocolHandlers().clear();
    client.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "Slipway"));
    client.setRequestBufferSize(32 * 1024);
    client.setConnectTimeout(10_000);
    client.setIdleTimeout(30_000);
    client.setDestinationIdleTimeout(60_000);
    started =
        CompletableFuture.runAsync(
            () -> {
              try {
                client.start();
              } catch (Exception e) {
                throw new IllegalStateException("cannot start the egress HTTP client", e);
              }
            },
            command -> NamedThreads.startDaemon("egress-start", command));
  }

  /**
   * Sends {@code request} for org {@code orgId} and reads the whole response, following up to
   * {@value #MAX_REDIRECTS} redirects (each checked like the first URL). The call, redirects
   * included, ends within {@code timeout}.
   *
   * @throws EgressException with code {@code egress_denied}, {@code egress_invalid_request}, {@code
   *     egress_failed} or {@code egress_response_too_large}
   */
  public FetchResponse fetch(long orgId, FetchRequest request, Duration timeout) {
    return fetch(orgId, request, timeout, MAX_RESPONSE_BODY_BYTES);
  }

  /**
   * {@link #fetch(long, FetchRequest, Duration)} with a smaller response limit: a body over {@code
   * maxResponseBytes} is {@code egress_response_too_large}.
   */
  public FetchResponse fetch(
      long orgId, FetchRequest request, Duration timeout, int maxResponseBytes) {
    if (timeout.isNegative() || timeout.isZero())
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    if (maxResponseBytes <= 0 || maxResponseBytes > MAX_RESPONSE_BODY_BYTES) {
      throw new IllegalArgumentException(
          "the response limit must be 1 to "
              + MAX_RESPONSE_BODY_BYTES
              + " bytes: "
              + maxResponseBytes);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    String method = method(request.method());
    Map<String, String> headers = headers(request.headers());
    byte[] body = body(method, request.body());
    URI url = url(request.url());
    Tenant tenant = new Tenant(orgId, policies.policy(orgId));
    for (int redirects = 0; ; redirects++) {
      tenant.policy().checkName(url.getHost());
      Exchange exchange =
          exchange(url, method, headers, body, tenant, deadline, timeout, maxResponseBytes);
      Optional<URI> next = redirect(url, exchange);
      if (next.isEmpty()) {
        return new FetchResponse(
            exchange.status(),
            exchange.reason(),
            exchange.headers(),
            new String(exchange.body(), charset(exchange.headers().get("content-type"))),
            url.toString());
      }
      if (redirects == MAX_REDIRECTS) {
        throw EgressException.failed(
            "Stopped after " + MAX_REDIRECTS + " redirects (the last one to " + next.get() + ").");
      }
      int status = exchange.status();
      if ((status == 303 && !method.equals("HEAD"))
          || ((status == 301 || status == 302) && method.equals("POST"))) {
        method = "GET";
        body = null;
        headers.keySet().removeIf(name -> name.equalsIgnoreCase("content-type"));
      }
      if (!sameOrigin(url, next.get()))
        headers
            .keySet()
            .removeIf(name -> CREDENTIAL_HEADERS.contains(name.toLowerCase(Locale.ROOT)));
      url = next.get();
    }
  }

  /**
   * Checks what can be checked of {@code url} without DNS or a connection: that it is a URL {@link
   * #fetch} takes (http or https, a valid host, no credentials), and that the org's policy does not
   * refuse it by its host name or, for an address written in the URL, by that address. For
   * checking, when a spec is saved, a URL that is fetched later; each fetch checks it again, after
   * resolution.
   *
   * @throws EgressException {@code egress_denied} or {@code egress_invalid_request}, as a fetch
   *     would
   */
  public void checkWithoutResolving(long orgId, String url) {
    URI checked = url(url);
    EgressPolicy policy = policies.policy(orgId);
    policy.checkName(checked.getHost());
    if (UrlHost.read(checked.getHost()) instanceof UrlHost.Address(InetAddress address)) {
      policy.check(checked.getHost(), List.of(address));
    }
  }

  private Exchange exchange(
      URI url,
      String method,
      Map<String, String> headers,
      byte[] body,
      Tenant tenant,
      long deadline,
      Duration timeout,
      int maxResponseBytes) {
    long remaining = deadline - System.nanoTime();
    if (remaining <= 0) throw timedOut(timeout);
    started.join();
    Request request =
        client
            .newRequest(url)
            .method(method)
            .tag(tenant)
            .followRedirects(false)
            .timeout(remaining, TimeUnit.NANOSECONDS)
            .headers(fields -> headers.forEach(fields::put));
    if (body != null) {
      String type =
          headers.entrySet().stream()
              .filter(h -> h.getKey().equalsIgnoreCase("content-type"))
              .map(Map.Entry::getValue)
              .findFirst()
              .orElse("text/plain;charset=UTF-8");
      request.body(new BytesRequestContent(type, body));
    }
    var collector = new Collector(method.equals("HEAD"), maxResponseBytes);
    request.send(collector);
    Result result;
    try {
      result = collector.done.get(remaining + GRACE_NANOS, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      request.abort(e);
      throw timedOut(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      request.abort(e);
      throw EgressException.failed("The fetch was interrupted.");
    } catch (ExecutionException e) {
      throw new IllegalStateException("the response collector never completes exceptionally", e);
    }
    if (result.isFailed()) throw failure(result.getFailure(), url, timeout, maxResponseBytes);
    Response response = result.getResponse();
    String reason = response.getReason();
    return new Exchange(
        response.getStatus(),
        reason == null || reason.isBlank() ? HttpStatus.getMessage(response.getStatus()) : reason,
        headers(response),
        collector.body.toByteArray());
  }

  /**
   * Where a redirect response points, checked like a script's URL; empty when it is not a redirect.
   */
  private static Optional<URI> redirect(URI from, Exchange exchange) {
    int status = exchange.status();
    String location = exchange.headers().get("location");
    if (!(status == 301 || status == 302 || status == 303 || status == 307 || status == 308)
        || location == null) {
      return Optional.empty();
    }
    URI next;
    try {
      next = from.resolve(new URI(location.strip()));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw EgressException.failed(
          from.getHost() + " redirected to '" + location + "', which is not a valid URL.");
    }
    String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw EgressException.denied(
          from.getHost()
              + " redirected to '"
              + location
              + "'; only http and https URLs are fetched.");
    }
    return Optional.of(checked(next, location, true));
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme())
        && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI url) {
    return url.getPort() != -1
        ? url.getPort()
        : url.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  // --- the script's request, checked before anything is sent -------------------------------------

  private static URI url(String text) {
    if (text == null || text.isBlank()) throw EgressException.invalidRequest("fetch needs a URL.");
    URI url;
    try {
      url = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw EgressException.invalidRequest(
          "'" + text + "' is not a valid URL (" + e.getReason() + ").");
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw EgressException.invalidRequest(
          "'" + text + "' is not an http or https URL; only those are fetched.");
    }
    return checked(url, text, false);
  }

  /**
   * An http(s) URL with a usable host and no credentials, its host read as browsers read it ({@link
   * UrlHost}): an IPv4 address in any spelling comes back written as a.b.c.d, so that what is
   * checked, connected to and sent as {@code Host} is that address. {@code redirect} picks the
   * blame for a bad URL.
   */
  private static URI checked(URI url, String text, boolean redirect) {
    String authority = url.getRawAuthority();
    if (url.getRawUserInfo() != null || (authority != null && authority.contains("@"))) {
      throw redirect
          ? EgressException.failed(
              "A redirect to '" + text + "' carries credentials in the URL; it is not followed.")
          : EgressException.invalidRequest(
              "URLs with credentials (user:password@) are not fetched; send an Authorization header.");
    }
    // the JDK takes 0x7f.1 or 127.1 for no host name at all (a "registry" authority): read those
    // from the text
    boolean named = url.getHost() != null;
    var hostAndPort = named ? null : HOST_AND_PORT.matcher(authority == null ? "" : authority);
    if (!named && !hostAndPort.matches()) throw noHost(text, redirect);
    String host = named ? url.getHost() : hostAndPort.group(1);
    return switch (UrlHost.read(host)) {
      case UrlHost.Name _ when named -> url;
      case UrlHost.Name _ -> throw noHost(text, redirect);
      case UrlHost.Invalid(String reason) ->
          throw redirect
              ? EgressException.failed(
                  "A redirect to '" + text + "' names no valid host: " + reason)
              : EgressException.invalidRequest(reason);
      case UrlHost.Address(InetAddress address)
          when address instanceof Inet4Address && !host.equals(address.getHostAddress()) -> {
        String port =
            named
                ? (url.getPort() == -1 ? "" : ":" + url.getPort())
                : hostAndPort.group(2) == null ? "" : hostAndPort.group(2);
        yield rebuilt(url, address.getHostAddress() + port, text, redirect);
      }
      case UrlHost.Address _ when named -> url;
      case UrlHost.Address _ -> throw noHost(text, redirect);
    };
  }

  private static EgressException noHost(String text, boolean redirect) {
    return redirect
        ? EgressException.failed("A redirect to '" + text + "' names no host.")
        : EgressException.invalidRequest(
            "'" + text + "' names no host (or one that is not a valid host name).");
  }

  /** {@code url} with {@code authority} in place of its own. */
  private static URI rebuilt(URI url, String authority, String text, boolean redirect) {
    String rest =
        (url.getRawPath() == null ? "" : url.getRawPath())
            + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery())
            + (url.getRawFragment() == null ? "" : "#" + url.getRawFragment());
    try {
      return new URI(url.getScheme() + "://" + authority + rest);
    } catch (URISyntaxException e) {
      throw noHost(text, redirect);
    }
  }

  private static String method(String method) {
    if (method == null || method.isBlank()) return "GET";
    String upper = method.strip().toUpperCase(Locale.ROOT);
    if (!METHODS.contains(upper)) {
      throw EgressException.invalidRequest(
          "'"
              + method
              + "' is not a method fetch sends; use one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS.");
    }
    return upper;
  }

  private static Map<String, String> headers(Map<String, String> given) {
    var headers = new LinkedHashMap<String, String>();
    int bytes = 0;
    for (var header : given.entrySet()) {
      String name = header.getKey();
      String value = header.getValue();
      if (name == null || !TOKEN.matcher(name).matches())
        throw EgressException.invalidRequest("'" + name + "' is not a valid header name.");
      if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
        throw EgressException.invalidRequest(
            "The " + name + " header is set by Slipway; leave it out.");
      }
      if (value == null) throw EgressException.invalidRequest("Header " + name + " has no value.");
      if (!value.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c != 0x7f && c <= 0xff))) {
        throw EgressException.invalidRequest(
            "The value of header "
                + name
                + " has a line break or a character headers cannot carry.");
      }
      bytes += name.length() + value.length() + 4;
      headers.put(name, value);
    }
    if (bytes > MAX_HEADER_BYTES)
      throw EgressException.invalidRequest(
          "The request headers exceed " + MAX_HEADER_BYTES / 1024 + " KiB.");
    return headers;
  }

  private static byte[] body(String method, String body) {
    if (body == null) return null;
    if (method.equals("GET") || method.equals("HEAD"))
      throw EgressException.invalidRequest("A " + method + " request cannot have a body.");
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_REQUEST_BODY_BYTES) {
      throw EgressException.invalidRequest(
          "The request body is " + bytes.length + " bytes; the limit is 1 MiB.");
    }
    return bytes;
  }

  // --- the response
  // -------------------------------------------------------------------------------

  /** Response headers by lower-case name, repeated ones joined with ", ". */
  private static Map<String, String> headers(Response response) {
    var headers = new LinkedHashMap<String, String>();
    for (HttpField field : response.getHeaders()) {
      headers.merge(
          field.getName().toLowerCase(Locale.ROOT), field.getValue(), (a, b) -> a + ", " + b);
    }
    return headers;
  }

  private static Charset charset(String contentType) {
    if (contentType == null) return StandardCharsets.UTF_8;
    var matcher = CHARSET.matcher(contentType);
    if (!matcher.find()) return StandardCharsets.UTF_8;
    try {
      return Charset.forName(matcher.group(1));
    } catch (IllegalArgumentException e) {
      return StandardCharsets.UTF_8;
    }
  }

  /**
   * Collects one response's body up to the limit; a larger one is aborted with {@link TooLarge}.
   */
  private static final class Collector implements Response.Listener {
    final CompletableFuture<Result> done = new CompletableFuture<>();
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final boolean head;
    private final int limit;

    Collector(boolean head, int limit) {
      this.head = head;
      this.limit = limit;
    }

    @Override
    public void onHeaders(Response response) {
      String length = response.getHeaders().get(HttpHeader.CONTENT_LENGTH);
      if (!head
          && length != null
          && length.strip().matches("\\d{1,18}")
          && Long.parseLong(length.strip()) > limit) {
        response.abort(new TooLarge());
      }
    }

    @Override
    public void onContent(Response response, ByteBuffer content) {
      if (body.size() + content.remaining() > limit) {
        response.abort(new TooLarge());
        return;
      }
      byte[] bytes = new byte[content.remaining()];
      content.get(bytes);
      body.writeBytes(bytes);
    }

    @Override
    public void onComplete(Result result) {
      done.complete(result);
    }
  }

  /** Marks a response aborted for its size. */
  private static final class TooLarge extends RuntimeException {
    TooLarge() {
      super("response body over the limit", null, false, false);
    }
  }

  /** A failed exchange in the script author's terms; the cause goes to the debug log only. */
  private static EgressException failure(
      Throwable failure, URI url, Duration timeout, int maxResponseBytes) {
    String where = url.getHost() + ":" + port(url);
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof EgressException e) return e;
      if (t instanceof TooLarge)
        return EgressException.responseTooLarge(
            "The response from " + where + " is larger than " + size(maxResponseBytes) + ".");
      if (t instanceof TimeoutException) return timedOut(timeout);
      if (t instanceof SocketTimeoutException)
        return EgressException.failed("Connecting to " + where + " timed out.");
      if (t instanceof UnknownHostException)
        return EgressException.failed("Cannot resolve " + url.getHost() + ".");
      if (t instanceof ConnectException)
        return EgressException.failed("Cannot connect to " + where + " (connection refused).");
      if (t instanceof SSLException) {
        return EgressException.failed(
            "The TLS connection to "
                + where
                + " failed (an untrusted or mismatched certificate, "
                + "or no protocol in common).");
      }
      if (t instanceof SocketException)
        return EgressException.failed("Cannot reach " + where + " (network unreachable or reset).");
    }
    LOG.debug("fetch of {} failed", url, failure);
    return EgressException.failed(
        "The exchange with " + where + " failed before a complete response.");
  }

  /** A limit as people write it: 5 MiB, 64 KiB, 100 bytes. */
  private static String size(int bytes) {
    if (bytes % (1024 * 1024) == 0) return bytes / (1024 * 1024) + " MiB";
    return bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " bytes";
  }

  private static EgressException timedOut(Duration timeout) {
    return EgressException.failed("The fetch timed out after " + timeout.toMillis() + " ms.");
  }

  // --- resolution: where every destination is checked
  // ---------------------------------------------

  /**
   * Resolves with the JDK and passes only checked addresses to Jetty; the policy is the one in the
   * destination's {@link Tenant} tag. Runs the blocking lookup on the client's threads, as Jetty's
   * own asynchronous resolver does.
   */
  private final class CheckingResolver implements SocketAddressResolver {
    @Override
    public void resolve(
        String host,
        int port,
        Map<String, Object> context,
        Promise<List<InetSocketAddress>> promise) {
      if (!(context.get(Destination.CONTEXT_KEY) instanceof Destination destination)
          || !(destination.getOrigin().getTag() instanceof Tenant tenant)) {
        promise.failed(
            EgressException.denied(
                "No egress policy applies to a connection to " + host + "; it is refused."));
        return;
      }
      client
          .getExecutor()
          .execute(
              () -> {
                try {
                  List<InetAddress> addresses =
                      switch (UrlHost.read(host)) {
                        case UrlHost.Address(InetAddress address) -> List.of(address);
                        case UrlHost.Name(String name) -> lookUp(name);
                        case UrlHost.Invalid(String reason) -> throw EgressException.denied(reason);
                      };
                  tenant.policy().check(host, addresses);
                  promise.succeeded(
                      addresses.stream()
                          .map(address -> new InetSocketAddress(address, port))
                          .toList());
                } catch (RuntimeException e) {
                  promise.failed(e);
                }
              });
    }
  }

  /**
   * Every address DNS gives for a name (the JDK's resolver, which never reads a name ending in a
   * number: {@link UrlHost} took those).
   */
  private static List<InetAddress> lookUp(String name) {
    try {
      return List.of(InetAddress.getAllByName(name));
    } catch (UnknownHostException e) {
      throw EgressException.failed("Cannot resolve " + name + ".");
    }
  }

  @Override
  public void close() {
    try {
      started.exceptionally(failed -> null).join();
      client.stop();
    } catch (Exception e) {
      LOG.warn("stopping the egress HTTP client failed", e);
    }
  }
}
