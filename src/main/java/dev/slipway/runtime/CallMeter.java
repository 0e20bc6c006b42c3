package dev.slipway.runtime;

import dev.slipway.ops.CallRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * What one request costs, as it runs: each step's time, its scripts' CPU time, its time in the
 * database and the bytes its scripts fetched. One thread at a time touches it (the request's, or
 * the sandbox's while the request waits for a script), handed over through the script's completion.
 */
final class CallMeter {
  private final List<CallRecord.StepTime> steps = new ArrayList<>(4);
  private final long started = System.nanoTime();
  private long scriptCpuNanos;
  private long databaseNanos;
  private long egressBytes;
  private String caller;

  /** A step that began at {@code startedNanos} ({@link System#nanoTime}) and took {@code nanos}. */
  void step(String id, long startedNanos, long nanos) {
    steps.add(new CallRecord.StepTime(id, (startedNanos - started) / 1000, nanos / 1000));
  }

  void scriptCpu(long nanos) {
    scriptCpuNanos += nanos;
  }

  void database(long nanos) {
    databaseNanos += nanos;
  }

  void egress(long bytes) {
    egressBytes += bytes;
  }

  void caller(String name) {
    caller = name;
  }

  String caller() {
    return caller;
  }

  List<CallRecord.StepTime> steps() {
    return List.copyOf(steps);
  }

  CallRecord.Cost cost() {
    return new CallRecord.Cost(scriptCpuNanos / 1000, databaseNanos / 1000, egressBytes);
  }
}
