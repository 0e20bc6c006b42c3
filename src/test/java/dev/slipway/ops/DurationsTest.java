package dev.slipway.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void buckets_grow_by_a_fourth_of_a_doubling_and_hold_their_bounds() {
    assertThat(Durations.bucket(0)).isZero();
    assertThat(Durations.bucket(99)).isZero();
    assertThat(Durations.bucket(100)).isEqualTo(1);
    assertThat(Durations.bucket(200)).isEqualTo(5);
    assertThat(Durations.bucket(Long.MAX_VALUE)).isEqualTo(Durations.BUCKETS - 1);
    for (long micros = 100; micros < 100_000_000; micros = micros * 11 / 10) {
      int i = Durations.bucket(micros);
      assertThat(Durations.lower(i)).isLessThanOrEqualTo(micros);
      assertThat(Durations.lower(i + 1)).isGreaterThan(micros);
    }
  }

  @Test
  void percentiles_read_from_the_buckets_are_within_a_bucket_of_the_true_ones() {
    var random = new Random(7);
    long[] counts = new long[Durations.BUCKETS];
    long[] samples = new long[100_000];
    for (int i = 0; i < samples.length; i++) {
      samples[i] = (long) (200 + Math.exp(random.nextGaussian() * 1.2 + 8)); // 0.2 ms to seconds
      counts[Durations.bucket(samples[i])]++;
    }
    java.util.Arrays.sort(samples);
    for (double q : new double[] {0.5, 0.95, 0.99}) {
      double actual = samples[(int) (q * samples.length) - 1] / 1000.0;
      assertThat(Durations.percentileMillis(counts, q)).isCloseTo(actual, within(actual * 0.19));
    }
    assertThat(Durations.percentileMillis(new long[Durations.BUCKETS], 0.5)).isZero();
  }
}
