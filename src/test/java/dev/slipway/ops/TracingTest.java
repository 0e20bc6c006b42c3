package dev.slipway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A call's W3C {@code traceparent} is honoured and passed on by {@code ctx.fetch}; with an OTLP
 * endpoint set, each call and each of its steps is exported as a span, to a collector on loopback
 * that reads OTLP/HTTP's protobuf.
 */
class TracingTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT = "00f067aa0ba902b7";

  private final TestDatabase database = new TestDatabase();
  private HttpServer collector;
  private HttpServer downstream;
  private final List<Span> spans = new CopyOnWriteArrayList<>();
  private final List<String> passedOn = new CopyOnWriteArrayList<>();
  private TestSlipway slipway;

  @BeforeEach
  void servers() throws Exception {
    collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext(
        "/v1/traces",
        exchange -> {
          try {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if ("gzip".equals(exchange.getRequestHeaders().getFirst("Content-Encoding")))
              body =
                  new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body))
                      .readAllBytes();
            ExportTraceServiceRequest.parseFrom(body)
                .getResourceSpansList()
                .forEach(r -> r.getScopeSpansList().forEach(s -> spans.addAll(s.getSpansList())));
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
          } catch (Throwable e) {
            e.printStackTrace();
            exchange.sendResponseHeaders(500, -1);
          } finally {
            exchange.close();
          }
        });
    collector.start();
    downstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    downstream.createContext(
        "/",
        exchange -> {
          passedOn.add(String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
          byte[] body = "{\"ok\":true}".getBytes();
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    downstream.start();
  }

  @AfterEach
  void stop() {
    if (slipway != null) slipway.close();
    collector.stop(0);
    downstream.stop(0);
    database.close();
  }

  private void start(boolean exporting) throws Exception {
    slipway =
        TestSlipway.start(
            database.url(),
            null,
            exporting
                ? Map.of(
                    "SLIPWAY_OTLP_ENDPOINT",
                    "http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/traces")
                : Map.of());
    slipway.control(
        "PUT", "/api/org/egress", "{\"allow\": [\"127.0.0.1/32\"]}", "application/json");
    slipway.save(
        """
        name: relay
        method: GET
        path: /relay
        steps:
          - id: call
            script: |
              const answer = await ctx.fetch("http://127.0.0.1:%d/thing");
              return await answer.json();
          - id: count
            sql: select 1 as one
        response: { body: "${steps.call}" }
        """
            .formatted(downstream.getAddress().getPort()));
    slipway.deploy("{}");
  }

  private TestSlipway.Reply relay(String requestId, String traceparent) {
    var headers = new java.util.HashMap<String, String>(Map.of("X-Request-Id", requestId));
    if (traceparent != null) headers.put("traceparent", traceparent);
    // a script run slowly (interpreted, on a busy machine) is guarded and may be refused while a
    // worker is kept for others: refused before it runs, it passed nothing on, so it is retried
    TestSlipway.Reply reply = null;
    for (int attempt = 0; attempt < 5 && (reply == null || reply.status() == 503); attempt++) {
      reply =
          TestSlipway.send(
              "GET",
              "http://127.0.0.1:" + slipway.dataPort() + "/relay",
              (String) null,
              null,
              headers);
    }
    assertThat(reply.status()).as("%s: %s", requestId, reply.body()).isEqualTo(200);
    return reply;
  }

  private static String hex(com.google.protobuf.ByteString bytes) {
    return HexFormat.of().formatHex(bytes.toByteArray());
  }

  private List<Span> spansOf(String requestId) {
    var ofCall = new ArrayList<Span>();
    String traceId = null;
    for (Span span : spans)
      for (var attribute : span.getAttributesList())
        if (attribute.getKey().equals("slipway.request_id")
            && attribute.getValue().getStringValue().equals(requestId)) ofCall.add(span);
    return ofCall;
  }

  private void await(String what, java.util.function.BooleanSupplier done) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what + " within 15 s").isLessThan(until);
      Thread.sleep(50);
    }
  }

  @Test
  void a_traced_call_is_exported_as_a_span_with_its_steps_and_its_context_passed_on()
      throws Exception {
    start(true);
    assertThat(relay("traced", "00-" + TRACE + "-" + PARENT + "-01").status()).isEqualTo(200);
    await("the spans", () -> spansOf("traced").size() == 3);
    var ofCall = spansOf("traced");
    Span server =
        ofCall.stream()
            .filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER)
            .findFirst()
            .orElseThrow();
    assertThat(hex(server.getTraceId())).isEqualTo(TRACE);
    assertThat(hex(server.getParentSpanId())).isEqualTo(PARENT);
    assertThat(server.getName()).isEqualTo("GET relay");
    assertThat(server.getEndTimeUnixNano()).isGreaterThan(server.getStartTimeUnixNano());
    String serverSpan = hex(server.getSpanId());
    assertThat(ofCall)
        .filteredOn(s -> s.getKind() == Span.SpanKind.SPAN_KIND_INTERNAL)
        .extracting(Span::getName)
        .containsExactly("step call", "step count");
    assertThat(ofCall)
        .filteredOn(s -> s.getKind() == Span.SpanKind.SPAN_KIND_INTERNAL)
        .allMatch(
            s -> hex(s.getParentSpanId()).equals(serverSpan) && hex(s.getTraceId()).equals(TRACE))
        .allMatch(
            s ->
                s.getStartTimeUnixNano() >= server.getStartTimeUnixNano()
                    && s.getEndTimeUnixNano() <= server.getEndTimeUnixNano());
    // ctx.fetch carried the call's own span as the parent of what it called
    assertThat(passedOn).containsExactly("00-" + TRACE + "-" + serverSpan + "-01");

    // a call without a trace context starts a trace of its own
    relay("untraced", null);
    await("its span", () -> spansOf("untraced").size() == 3);
    assertThat(hex(spansOf("untraced").getFirst().getTraceId())).isNotEqualTo(TRACE).hasSize(32);

    // one not sampled upstream is passed on as not sampled, and not exported
    relay("unsampled", "00-" + TRACE + "-" + PARENT + "-00");
    assertThat(passedOn.getLast()).startsWith("00-" + TRACE + "-").endsWith("-00");
    relay("after", null);
    await("the next span", () -> spansOf("after").size() == 3);
    assertThat(spansOf("unsampled")).isEmpty();
  }

  @Test
  void without_an_otlp_endpoint_the_context_is_still_passed_on_and_a_bad_one_ignored()
      throws Exception {
    start(false);
    relay("traced", "00-" + TRACE + "-" + PARENT + "-01");
    assertThat(passedOn.getFirst()).startsWith("00-" + TRACE + "-").endsWith("-01");
    assertThat(passedOn.getFirst()).doesNotContain(PARENT);
    relay("garbled", "00-nothex-" + PARENT + "-01");
    relay("none", null);
    assertThat(passedOn.subList(1, 3)).containsExactly("null", "null");
    Thread.sleep(500);
    assertThat(spans).isEmpty();
  }
}
