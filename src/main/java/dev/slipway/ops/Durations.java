package dev.slipway.ops;

/**
 * The buckets by which rollups count call durations: bucket 0 holds calls under 100 µs, bucket
 * {@code i} those from {@code 100 µs × 2^((i-1)/4)} up to the next, four to a doubling (each about
 * 19% wider than the last), and the last everything from about 8 minutes on. A percentile read from
 * them is within a bucket's width of the true one.
 */
public final class Durations {
  /** How many buckets there are. */
  public static final int BUCKETS = 96;

  private static final double FLOOR_MICROS = 100;
  private static final int PER_DOUBLING = 4;

  private Durations() {}

  /** The bucket of a duration. */
  public static int bucket(long micros) {
    if (micros < FLOOR_MICROS) return 0;
    int i = (int) Math.floor(PER_DOUBLING * log2(micros / FLOOR_MICROS)) + 1;
    return Math.min(i, BUCKETS - 1);
  }

  /** Where bucket {@code i} begins, in microseconds. */
  public static double lower(int i) {
    return i == 0 ? 0 : FLOOR_MICROS * Math.pow(2, (i - 1) / (double) PER_DOUBLING);
  }

  /**
   * The duration below which a share {@code q} (0 to 1) of the counted calls fall, in milliseconds,
   * interpolated within its bucket; 0 when none were counted.
   */
  public static double percentileMillis(long[] counts, double q) {
    long total = 0;
    for (long c : counts) total += c;
    if (total == 0) return 0;
    double rank = q * total;
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] == 0) continue;
      if (seen + counts[i] >= rank) {
        double within = (rank - seen) / counts[i];
        double from = lower(i);
        double to = i + 1 < BUCKETS ? lower(i + 1) : from * 2;
        return (from + within * (to - from)) / 1000;
      }
      seen += counts[i];
    }
    return lower(counts.length - 1) / 1000;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
