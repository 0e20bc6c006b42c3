package dev.slipway.http;

import dev.slipway.ops.CallLog;
import dev.slipway.ops.CallRecord;
import dev.slipway.ops.CostGate;
import dev.slipway.ops.Traces;
import dev.slipway.problem.ProblemException;
import dev.slipway.realtime.Hub;
import dev.slipway.runtime.CompiledEndpoint;
import dev.slipway.runtime.EndpointRequest;
import dev.slipway.runtime.EndpointResponse;
import dev.slipway.runtime.LiveRouting;
import dev.slipway.runtime.Router;
import dev.slipway.runtime.RoutingTable;
import dev.slipway.spec.EndpointSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane: serves the live release's endpoints at exactly their paths, and nothing else.
 * Bare Jetty 12 with one handler: route on the selector, run the pipeline there when it cannot
 * block and on a pooled thread otherwise, answer, record the call. Every answer carries {@code
 * X-Request-Id}; every error is problem+json.
 */
public final class DataPlaneServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataPlaneServer.class);

  /** The headers of a channel's Server-Sent Events. */
  private static final Map<String, String> EVENT_STREAM =
      Map.of(
          "Content-Type",
          "text/event-stream; charset=utf-8",
          "Cache-Control",
          "no-store",
          "X-Accel-Buffering",
          "no");

  /** Most bytes of a too-large body read and dropped before answering 413. */
  private static final long DRAIN_LIMIT = 16L << 20;

  private final Server server;
  private final ServerConnector connector;

  /**
   * @param databaseLanes how many requests that use the database run at once (the data plane's
   *     connection pool size); the rest wait their turn in order
   * @param refusalDelay how long a 503 or 429 with {@code Retry-After} is held before it is sent
   */
  public DataPlaneServer(
      String host,
      int port,
      long maxBodyBytes,
      int databaseLanes,
      Duration refusalDelay,
      LiveRouting routing,
      CallLog calls,
      CostGate costs,
      Hub hub,
      boolean tracing) {
    // Platform threads, not a virtual thread per request: handing each request from the selector
    // to a new virtual thread costs more CPU per request and a longer p99 (bench/README.md). Jetty
    // runs a request on the thread that read it when it can.
    // The pool bounds concurrent requests; the connection pool bounds database work.
    var threads = new Threads();
    server = new Server(threads);
    var http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(false);
    // The router splits the raw path on '/' and decodes each segment itself, so an encoded slash
    // or NUL inside a path parameter is just part of its value; Jetty need not refuse it.
    http.setUriCompliance(
        UriCompliance.DEFAULT.with(
            "slipway",
            UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
            UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING,
            UriCompliance.Violation.SUSPICIOUS_PATH_CHARACTERS));
    connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    connector.setAcceptQueueSize(1024);
    server.addConnector(connector);
    var webSockets = new Configuration.ConfigurationCustomizer();
    // a subscriber is sent a ping every 15 s (Hub): a connection quiet for longer has gone
    webSockets.setIdleTimeout(Duration.ofSeconds(60));
    server.setHandler(
        new EndpointHandler(
            maxBodyBytes,
            routing,
            calls,
            costs,
            tracing,
            new Channels(
                hub, WebSocketServerComponents.ensureWebSocketComponents(server), webSockets),
            threads,
            new Lanes(threads, databaseLanes),
            server.getScheduler(),
            refusalDelay.toMillis()));
    server.setErrorHandler(new ProtocolErrors(SecurityHeaders.DATA_PLANE));
  }

  /** Starts listening; {@link PortInUseException} when another process holds the port. */
  public DataPlaneServer start() throws Exception {
    try {
      server.start();
    } catch (Exception e) {
      server.stop();
      throw PortInUseException.whenBinding(e, connector.getPort());
    }
    return this;
  }

  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }

  /**
   * The answer to a request of an endpoint that already has its share of the database lanes running
   * and waiting (a slow or new one; see {@link Lanes}), or that waited too long for one.
   */
  private static ProblemException busy() {
    return new ProblemException(
        503,
        "database_busy",
        "Service Unavailable",
        "This endpoint has as many requests running and waiting for the database as it may have; retry shortly.",
        List.of(),
        Map.of("Retry-After", "1"));
  }

  /** A preflight's answer: 204 with the CORS headers, or 403 when the origin may not call. */
  private static EndpointResponse preflight(
      RoutingTable table,
      String path,
      String origin,
      String method,
      String headers,
      String requestId) {
    return CorsHeaders.preflight(table.router(), path, origin, method, headers)
        .map(allowed -> new EndpointResponse(204, allowed, new byte[0]))
        .orElseGet(
            () ->
                EndpointResponse.problem(
                    new ProblemException(
                        403,
                        "cors_not_allowed",
                        "Forbidden",
                        "No endpoint serves " + method + " " + path + " to origin " + origin + "."),
                    path,
                    requestId));
  }

  /**
   * The data plane's pool, with one shortcut. When an answer goes out on a thread other than the
   * one that read its request (a sandbox reader thread, or the pooled thread that ran an SQL step),
   * Jetty hands the connection to the pool to read its next request. Within {@link #answerHere}
   * that read runs on the answering thread instead: it is a non-blocking read that usually finds
   * nothing yet, and the hand-off cost a thread wake-up and a park per request, a fifth of the
   * server's CPU under W4 (bench/README.md). The connection's next request is then handled there as
   * on the selector: nothing that can block runs on it.
   */
  static final class Threads extends QueuedThreadPool {
    private static final ThreadLocal<Boolean> ANSWERING = ThreadLocal.withInitial(() -> false);

    Threads() {
      super(256, 8);
      setName("data-plane");
    }

    /** Runs {@code answer}; a connection it resumes reads on this thread, once. */
    static void answerHere(Runnable answer) {
      ANSWERING.set(true);
      try {
        answer.run();
      } finally {
        ANSWERING.set(false);
      }
    }

    @Override
    public void execute(Runnable job) {
      if (!(job instanceof Connection) || !ANSWERING.get()) {
        super.execute(job);
        return;
      }
      ANSWERING.set(false);
      try {
        job.run();
      } catch (RuntimeException | Error e) {
        LOG.warn("reading the next request of {} failed", job, e);
      }
    }
  }

  private static void send(
      Response response,
      Callback callback,
      int status,
      Map<String, String> headers,
      byte[] body,
      String requestId) {
    head(response, status, headers, requestId);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  /**
   * Sets an answer's status and headers: {@code headers}, then the data plane's security headers it
   * does not set itself, and the request id.
   */
  private static void head(
      Response response, int status, Map<String, String> headers, String requestId) {
    response.setStatus(status);
    var fields = response.getHeaders();
    headers.forEach(fields::put);
    SecurityHeaders.DATA_PLANE.forEach(
        (name, value) -> {
          if (!fields.contains(name)) fields.put(name, value);
        });
    if (requestId != null) fields.put(RequestIds.HEADER, requestId);
  }

  /**
   * A request's headers as a map keyed by lower-case name, read from Jetty's fields on demand: an
   * endpoint that never reads its headers never pays for copying them.
   */
  private static final class HeaderMap extends AbstractMap<String, String> {
    private final HttpFields fields;
    private Set<Entry<String, String>> entries;

    HeaderMap(HttpFields fields) {
      this.fields = fields;
    }

    @Override
    public String get(Object name) {
      return name instanceof String key ? fields.get(key) : null;
    }

    @Override
    public boolean containsKey(Object name) {
      return name instanceof String key && fields.contains(key);
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
      if (entries == null) {
        var copy = new LinkedHashMap<String, String>();
        for (HttpField field : fields) copy.putIfAbsent(field.getLowerCaseName(), field.getValue());
        entries = Collections.unmodifiableMap(copy).entrySet();
      }
      return entries;
    }
  }

  /**
   * Handles every request, on the thread that read it: Jetty's selector, which must never block,
   * since every connection waits on it. Jetty runs even a handler declared blocking there, so one
   * request waiting on the database, or on room in a busy sandbox, would hold up all the others. A
   * request goes on here only when nothing before its first script can block and its body has
   * arrived. One that uses the database, with its body arrived, waits its turn in the database
   * lanes; any other is handed to the pool.
   */
  private static final class EndpointHandler extends Handler.Abstract {
    private final long maxBodyBytes;
    private final LiveRouting routing;
    private final CallLog calls;

    /** Where a request that may block goes, off the thread that read it. */
    private final Executor threads;

    /** Where such a request goes instead when it may use the database and its body has arrived. */
    private final Lanes databaseLanes;

    /** Paused endpoints and orgs past a quota on calls, refused before they run. */
    private final CostGate costs;

    /** Whether traces are exported: every call is traced, not only those that come with one. */
    private final boolean tracing;

    /** Where a channel's subscribers go. */
    private final Channels channels;

    /** Where a refusal waits out {@link #refusalDelayMillis} before it is sent. */
    private final Scheduler scheduler;

    /**
     * How long a refusal (503 or 429 with {@code Retry-After}) is held before it is sent, holding
     * no thread: a caller that ignores {@code Retry-After} and asks again at once, in a loop, then
     * asks a few times a second per connection instead of thousands, and its refusals no longer
     * take the CPU the other endpoints' calls need (issue 18, bench/fairness: a memory bomb's two
     * callers got 5,000–12,000 refusals a second).
     */
    private final long refusalDelayMillis;

    EndpointHandler(
        long maxBodyBytes,
        LiveRouting routing,
        CallLog calls,
        CostGate costs,
        boolean tracing,
        Channels channels,
        Executor threads,
        Lanes databaseLanes,
        Scheduler scheduler,
        long refusalDelayMillis) {
      super(InvocationType.NON_BLOCKING);
      this.maxBodyBytes = maxBodyBytes;
      this.routing = routing;
      this.calls = calls;
      this.costs = costs;
      this.tracing = tracing;
      this.channels = channels;
      this.threads = threads;
      this.databaseLanes = databaseLanes;
      this.scheduler = scheduler;
      this.refusalDelayMillis = refusalDelayMillis;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      var call = new Call(request, response, callback);
      try {
        String preflightMethod =
            call.method.equals("OPTIONS") && call.origin != null
                ? request.getHeaders().get(HttpHeader.ACCESS_CONTROL_REQUEST_METHOD)
                : null;
        if (preflightMethod != null) {
          call.answer(
              preflight(
                  call.table,
                  call.path,
                  call.origin,
                  preflightMethod,
                  request.getHeaders().get(HttpHeader.ACCESS_CONTROL_REQUEST_HEADERS),
                  call.requestId),
              null);
          return true;
        }
        switch (call.table.router().find(call.method, call.path)) {
          case Router.Match.Found<CompiledEndpoint>(
                  CompiledEndpoint found,
                  List<String> values) -> {
            call.endpoint = found;
            ProblemException refused =
                costs.refusal(found.identity().orgId(), found.identity().name());
            if (refused != null) {
              call.refuse(refused, null);
              return true;
            }
            if (found.isChannel()) {
              // the caller's check may block (a key lookup, a JWKS fetch)
              threads.execute(() -> subscribe(call, found, request, values));
              return true;
            }
            boolean quick = found.startsWithoutBlocking();
            boolean database = found.usesDatabase();
            PartBody arrived = quick || database ? arrived(request) : null;
            boolean whole = arrived != null && arrived.complete();
            Runnable run = () -> start(call, found, request, values, arrived);
            if (whole && quick) {
              run.run();
            } else if (whole && database) {
              // a lane never waits on a client: a body still on its way is read on the pool
              databaseLanes.execute(
                  new Lanes.Owner(found.identity().orgId(), found.identity().name()),
                  new Lanes.Job(run, () -> call.refuse(busy(), "database lanes busy")));
            } else {
              threads.execute(run);
            }
          }
          case Router.Match.WrongMethod<CompiledEndpoint>(var allowed) ->
              call.answer(
                  EndpointResponse.problem(
                      new ProblemException(
                          405,
                          "method_not_allowed",
                          "Method Not Allowed",
                          call.method
                              + " is not allowed on "
                              + call.path
                              + "; allowed: "
                              + String.join(", ", allowed)
                              + ".",
                          List.of(),
                          Map.of("Allow", String.join(", ", allowed))),
                      call.path,
                      call.requestId),
                  null);
          case Router.Match.NotFound<CompiledEndpoint>() ->
              call.answer(
                  Docs.answer(call.method, call.path, call.table)
                      .orElseGet(
                          () ->
                              EndpointResponse.problem(
                                  ProblemException.notFound(
                                      "route_not_found",
                                      "No endpoint serves " + call.method + " " + call.path + "."),
                                  call.path,
                                  call.requestId)),
                  null);
        }
      } catch (ProblemException e) {
        call.refuse(e, null);
      } catch (RuntimeException e) {
        call.fail(e);
      }
      return true;
    }

    /**
     * Runs the endpoint for the call; a script step may end on another thread, and the answer goes
     * out from there. {@code arrived}: what of the body was read without blocking, or null.
     */
    private void start(
        Call call, CompiledEndpoint found, Request request, List<String> values, PartBody arrived) {
      try {
        EndpointRequest endpointRequest =
            read(request, call.path, values, call.requestId, arrived, call.trace);
        found
            .spec()
            .logging()
            .ifPresent(
                log -> {
                  call.logging = log;
                  call.query = request.getHttpURI().getQuery();
                  call.requestBody = endpointRequest.body();
                  call.contentType = endpointRequest.contentType();
                });
        found.handleAsync(endpointRequest, false).whenComplete(call::answer);
      } catch (ProblemException e) {
        call.refuse(e, null);
      } catch (RuntimeException e) {
        call.fail(e);
      }
    }

    /**
     * Subscribes the caller to a channel once its auth lets it in: a WebSocket when the request
     * asks for an upgrade, else Server-Sent Events on this response. The call log records the
     * subscription as it starts.
     */
    private void subscribe(
        Call call, CompiledEndpoint found, Request request, List<String> values) {
      try {
        var subscription =
            found.subscribe(read(request, call.path, values, call.requestId, null, call.trace));
        if (call.method.equals("HEAD")) {
          // the stream's headers and nothing else: a HEAD is not a subscriber
          call.answer(new EndpointResponse(200, EVENT_STREAM, new byte[0]), null);
          return;
        }
        long lastEventId = Channels.lastEventId(request);
        if (Channels.asksForWebSocket(request)) {
          if (!channels.upgrade(subscription, lastEventId, request, call.response, call.callback))
            throw ProblemException.badRequest(
                "websocket_upgrade_failed",
                "The WebSocket upgrade request could not be accepted (version 13 is spoken).",
                List.of());
          call.record(101, subscription.caller());
          return;
        }
        call.corsHeaders();
        head(call.response, 200, EVENT_STREAM, call.requestId);
        channels.stream(subscription, lastEventId, call.response, call.callback);
        call.record(200, subscription.caller());
      } catch (ProblemException e) {
        if (call.response.isCommitted()) LOG.warn("request {}: {}", call.requestId, e.getMessage());
        else call.refuse(e, null);
      } catch (RuntimeException e) {
        // once the stream has started, its subscriber ends it; no second answer
        if (call.response.isCommitted()) LOG.error("request {} failed", call.requestId, e);
        else call.fail(e);
      }
    }

    /**
     * One data-plane call: what its answer needs, and the answer and its log record once it is
     * known.
     */
    private final class Call {
      final long started = System.nanoTime();
      final Response response;
      final Callback callback;
      final String requestId;
      final String method;
      final String path;
      final String origin;
      final String client;
      final long requestBytes;

      /** The call's trace context; null when it is not traced. */
      final CallRecord.Trace trace;

      final RoutingTable table = routing.current();
      CompiledEndpoint endpoint;

      /** What the call log keeps of the exchange, when the endpoint asks to keep its bodies. */
      EndpointSpec.CallLogging logging;

      String query;
      String contentType;
      byte[] requestBody;

      Call(Request request, Response response, Callback callback) {
        this.response = response;
        this.callback = callback;
        this.requestId = RequestIds.from(request.getHeaders().get(RequestIds.HEADER));
        this.method = request.getMethod();
        this.path = request.getHttpURI().getPath();
        this.origin = request.getHeaders().get(HttpHeader.ORIGIN);
        this.client = Request.getRemoteAddr(request);
        this.trace = Traces.start(request.getHeaders().get("traceparent"), tracing);
        this.requestBytes = Math.max(0, request.getLength());
      }

      /** Sends an endpoint's result, or a 500 if it failed unexpectedly. */
      void answer(CompiledEndpoint.Result result, Throwable failure) {
        if (failure != null) {
          fail(failure);
          return;
        }
        corsHeaders();
        answer(result.response(), result.error().orElse(null), result.facts());
      }

      void answer(EndpointResponse answer, String error) {
        answer(answer, error, null);
      }

      /** Answers with {@code problem} before or instead of running the endpoint. */
      void refuse(ProblemException problem, String error) {
        answer(
            EndpointResponse.problem(problem, path, requestId),
            error,
            new CompiledEndpoint.Facts(null, problem.code(), List.of(), CallRecord.Cost.NONE));
      }

      /**
       * Sends the answer and records the call; {@code facts} null when the endpoint did not run.
       */
      void answer(EndpointResponse answer, String error, CompiledEndpoint.Facts facts) {
        try {
          byte[] body = method.equals("HEAD") ? new byte[0] : answer.body();
          Runnable send =
              () -> send(response, callback, answer.status(), answer.headers(), body, requestId);
          boolean refusal =
              (answer.status() == 503 || answer.status() == 429)
                  && answer.headers().containsKey("Retry-After");
          if (refusal && refusalDelayMillis > 0)
            scheduler.schedule(
                () -> {
                  try {
                    send.run();
                  } catch (RuntimeException e) {
                    LOG.error("request {}: the refusal could not be sent", requestId, e);
                    callback.failed(e);
                  }
                },
                refusalDelayMillis,
                TimeUnit.MILLISECONDS);
          else Threads.answerHere(send);
        } catch (RuntimeException e) {
          // on another thread than Jetty's, nothing else would end the exchange
          LOG.error("request {}: the answer could not be sent", requestId, e);
          callback.failed(e);
        }
        record(answer, error, facts);
      }

      /** The endpoint's CORS headers, when the request's origin may call it. */
      void corsHeaders() {
        if (origin != null && CorsHeaders.allows(endpoint.cors(), origin))
          CorsHeaders.actual(endpoint.cors().get(), origin).forEach(response.getHeaders()::put);
      }

      /** Records a subscription to a channel as it starts. */
      void record(int status, String caller) {
        record(
            new EndpointResponse(status, Map.of(), new byte[0]),
            null,
            new CompiledEndpoint.Facts(caller, null, List.of(), CallRecord.Cost.NONE));
      }

      private void record(EndpointResponse answer, String error, CompiledEndpoint.Facts facts) {
        var identity = endpoint == null ? null : endpoint.identity();
        calls.record(
            new CallRecord(
                Instant.now(),
                requestId,
                method,
                path,
                identity == null ? null : identity.name(),
                identity == null ? 0 : identity.version(),
                identity == null ? 0 : identity.orgId(),
                identity == null ? 0 : table.releaseOf(identity.orgId()),
                answer.status(),
                (System.nanoTime() - started) / 1000,
                error,
                facts == null ? null : facts.errorCode(),
                facts == null ? null : facts.caller(),
                client,
                requestBytes,
                answer.body().length,
                facts == null ? CallRecord.Cost.NONE : facts.cost(),
                facts == null ? List.of() : facts.steps(),
                logging == null
                    ? null
                    : CallRecord.Bodies.of(
                        query, contentType, requestBody, answer.body(), logging.maxBytes()),
                trace));
      }

      void fail(Throwable failure) {
        LOG.error("request {} failed", requestId, failure);
        refuse(ProblemException.internal(requestId), failure.toString());
      }
    }

    private EndpointRequest read(
        Request request,
        String path,
        List<String> pathValues,
        String requestId,
        PartBody arrived,
        CallRecord.Trace trace) {
      var headers = new HeaderMap(request.getHeaders());
      Map<String, List<String>> query = Map.of();
      if (request.getHttpURI().getQuery() != null) {
        Fields fields = Request.extractQueryParameters(request);
        query = new LinkedHashMap<>();
        for (Fields.Field field : fields) query.put(field.getName(), field.getValues());
      }
      return new EndpointRequest(
          request.getMethod(),
          path,
          pathValues,
          query,
          headers,
          body(request, arrived),
          requestId,
          Request.getRemoteAddr(request),
          trace == null ? null : Traces.header(trace));
    }

    /** HTTP/1.1: without Content-Length or Transfer-Encoding a request has no body. */
    private static boolean hasNoBody(Request request) {
      long declared = request.getLength();
      return declared == 0
          || (declared < 0 && !request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING));
    }

    /**
     * A body of known length as far as it has arrived: {@code bytes} has its length, and the first
     * {@code filled} of them are read.
     */
    private record PartBody(byte[] bytes, int filled) {
      boolean complete() {
        return filled == bytes.length;
      }
    }

    /**
     * Reads what has arrived of the body without blocking: the whole body when it is all there (a
     * small one usually comes with the headers); null when its length is unknown or over the limit,
     * or reading failed, for {@link #body} to deal with.
     */
    private PartBody arrived(Request request) {
      if (hasNoBody(request)) return new PartBody(new byte[0], 0);
      long declared = request.getLength();
      if (declared < 0 || declared > maxBodyBytes) return null;
      byte[] bytes = new byte[(int) declared];
      int filled = 0;
      while (filled < bytes.length) {
        Content.Chunk chunk = request.read();
        if (chunk == null) break;
        try {
          if (Content.Chunk.isFailure(chunk))
            return filled == 0 ? null : new PartBody(bytes, filled);
          ByteBuffer buffer = chunk.getByteBuffer();
          int n = Math.min(buffer.remaining(), bytes.length - filled);
          buffer.get(bytes, filled, n);
          filled += n;
          if (chunk.isLast()) break;
        } finally {
          chunk.release();
        }
      }
      return new PartBody(bytes, filled);
    }

    private byte[] body(Request request, PartBody arrived) {
      if (arrived != null && arrived.complete()) return arrived.bytes();
      if (hasNoBody(request)) return new byte[0];
      long declared = request.getLength();
      try (InputStream in = Request.asInputStream(request)) {
        if (declared > 0 && declared <= maxBodyBytes) {
          // the length is known: one array of that size, not a growing series of 16 KB buffers
          byte[] body = arrived != null ? arrived.bytes() : new byte[(int) declared];
          int from = arrived != null ? arrived.filled() : 0;
          if (in.readNBytes(body, from, body.length - from) < body.length - from)
            throw new IOException("the body ended early");
          return body;
        }
        byte[] body =
            declared > maxBodyBytes
                ? null
                : in.readNBytes((int) Math.min(maxBodyBytes + 1, Integer.MAX_VALUE - 8));
        if (body == null || body.length > maxBodyBytes) {
          drain(in);
          throw tooLarge();
        }
        return body;
      } catch (IOException e) {
        throw ProblemException.badRequest(
            "unreadable_body", "The body could not be read.", List.of());
      }
    }

    /**
     * Reads and drops what is left of a rejected body, up to a bound, so the client (still sending)
     * reads the 413 instead of a reset connection; past the bound the connection closes.
     */
    private static void drain(InputStream in) throws IOException {
      long left = DRAIN_LIMIT;
      while (left > 0) {
        long skipped = in.skip(left);
        if (skipped <= 0 && in.read() < 0) return;
        left -= Math.max(skipped, 1);
      }
    }

    private ProblemException tooLarge() {
      return new ProblemException(
          413,
          "body_too_large",
          "Content Too Large",
          "The body is larger than the limit of " + maxBodyBytes + " bytes.");
    }
  }
}
