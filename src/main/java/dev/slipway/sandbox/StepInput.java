package dev.slipway.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The shape of {@code input}, what an endpoint's steps read of a request: its parts, in the order
 * they are made. One place for it, because the shape matters past correctness: GraalJS speculates
 * on a property's type per object shape, so a worker's warm-up ({@link WorkerMain#warmUp}) runs
 * scripts on inputs of exactly this shape, and one that drifted from it would warm up other code.
 */
public final class StepInput {

  /**
   * Where a webhook receiver's steps read the delivery ({@code null} at other endpoints'), a part
   * every input has.
   */
  public static final String WEBHOOK = "webhook";

  /** Every part an input can have; {@code rawBody} only where an endpoint reads it. */
  public static final Set<String> PARTS =
      Set.of("params", "query", "headers", "body", "rawBody", WEBHOOK);

  private StepInput() {}

  /**
   * An input of these parts, {@code webhook} null (a receiver sets it).
   *
   * @param rawBody the body as received, or null to leave the part out
   */
  public static Map<String, Object> of(
      Map<String, ?> params,
      Map<String, ?> query,
      Map<String, ?> headers,
      Object body,
      String rawBody) {
    var input = new LinkedHashMap<String, Object>(8);
    input.put("params", params);
    input.put("query", query);
    input.put("headers", headers);
    input.put("body", body);
    if (rawBody != null) input.put("rawBody", rawBody);
    input.put(WEBHOOK, null);
    return input;
  }
}
