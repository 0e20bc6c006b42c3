package dev.slipway.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much of the host's CPU went unused in the last second, from the kernel's counters ({@code
 * /proc/stat}'s first line: the time all CPUs spent idle or waiting for I/O, against all the time
 * they counted). A worker for guarded runs runs only on CPU nothing else wants; where there is
 * none, its start does not get done either, and the little CPU it still gets slows everything else
 * (see {@link WorkerPool#GUARDED_START_IDLE}).
 */
final class IdleCpu {
  /** Where Linux keeps the counters. */
  static final Path PROC_STAT = Path.of("/proc/stat");

  /** How many of the latest readings {@link #leastIdle} looks at. */
  static final int KEPT = 3;

  private final Path stat;
  private long lastIdle = -1;
  private long lastTotal;

  /** The latest readings, the newest at {@code readings - 1} (modulo {@link #KEPT}). */
  private final double[] kept = new double[KEPT];

  private int readings;

  /** CPUs' worth unused between the last two readings; NaN while unknown. */
  private volatile double idle = Double.NaN;

  /** The least of the latest {@link #KEPT} readings; NaN while none is known. */
  private volatile double least = Double.NaN;

  IdleCpu(Path stat) {
    this.stat = stat;
  }

  /** Takes a reading (one thread at a time): what went unused since the last one. */
  void sample() {
    String first;
    long cpus;
    try {
      var lines = Files.readAllLines(stat);
      first = lines.isEmpty() ? "" : lines.getFirst();
      // the CPUs counted: a line each after the first, "cpu0 ..."
      cpus = lines.stream().filter(line -> line.matches("cpu\\d+\\s.*")).count();
    } catch (IOException | RuntimeException e) {
      unknown();
      return;
    }
    // cpu  user nice system idle iowait irq softirq steal ...
    String[] fields = first.trim().split("\\s+");
    if (fields.length < 9 || !fields[0].equals("cpu")) {
      unknown();
      return;
    }
    long total = 0;
    for (int i = 1; i <= 8; i++) total += Long.parseLong(fields[i]);
    long unused = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
    if (lastIdle >= 0 && total > lastTotal) {
      double reading = (double) (unused - lastIdle) * cpus / (total - lastTotal);
      kept[readings++ % KEPT] = reading;
      double min = reading;
      for (int i = 0; i < Math.min(readings, KEPT); i++) min = Math.min(min, kept[i]);
      idle = reading;
      least = min;
    }
    lastIdle = unused;
    lastTotal = total;
  }

  private void unknown() {
    idle = Double.NaN;
    least = Double.NaN;
    readings = 0;
  }

  /** CPUs' worth unused lately; NaN when not known (no {@code /proc/stat}, or no reading yet). */
  double idle() {
    return idle;
  }

  /**
   * The least CPUs' worth unused in any of the latest {@link #KEPT} readings (as many as there
   * are): whether the host has had CPU to spare for a while, not only in a lull of a second; NaN
   * when not known.
   */
  double leastIdle() {
    return least;
  }
}
