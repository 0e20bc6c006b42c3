package dev.slipway.jobs;

import dev.slipway.common.NamedThreads;
import dev.slipway.store.ScheduleStore;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ticks the orgs' schedules: every {@code interval}, the instance that gets the schedules' lock
 * enqueues a job for each tick that came due (the other instances find none left), and the {@link
 * JobRunner}s run them like any job. A tick runs at most an interval late, plus the queue's delay.
 */
public final class Scheduler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

  private final ScheduleStore schedules;
  private final Duration interval;
  private final ScheduledExecutorService timer = NamedThreads.scheduler("slipway-schedules");

  public Scheduler(ScheduleStore schedules, Duration interval) {
    this.schedules = schedules;
    this.interval = interval;
  }

  public Scheduler start() {
    long millis = interval.toMillis();
    timer.scheduleWithFixedDelay(this::tick, millis, millis, TimeUnit.MILLISECONDS);
    return this;
  }

  private void tick() {
    try {
      int n = schedules.tick();
      if (n > 0) LOG.debug("schedules: {} run(s) enqueued", n);
    } catch (SQLException | RuntimeException e) {
      LOG.warn("schedules: the due ticks could not be enqueued ({}); trying again", e.getMessage());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
