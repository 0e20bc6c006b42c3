package dev.slipway.sandbox;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the trip to a worker and back costs per run, beyond the script's own time: the last {@value
 * #SIZE} samples in a ring, summarized on demand. Recording is two atomic writes.
 */
final class HopTimes {

  private static final int SIZE = 8192;

  private final AtomicLongArray samples = new AtomicLongArray(SIZE);
  private final AtomicLong count = new AtomicLong();

  void record(long nanos) {
    long n = count.getAndIncrement();
    samples.set((int) (n & (SIZE - 1)), Math.max(0, nanos));
  }

  /** {@code samples}, {@code p50Micros}, {@code p99Micros} over the samples kept. */
  Map<String, Object> summary() {
    int kept = (int) Math.min(count.get(), SIZE);
    if (kept == 0) {
      return Map.of("samples", 0);
    }
    long[] sorted = new long[kept];
    for (int i = 0; i < kept; i++) {
      sorted[i] = samples.get(i);
    }
    Arrays.sort(sorted);
    return Map.of(
        "samples",
        count.get(),
        "p50Micros",
        sorted[kept / 2] / 1000,
        "p99Micros",
        sorted[Math.min(kept - 1, (int) (kept * 0.99))] / 1000);
  }
}
