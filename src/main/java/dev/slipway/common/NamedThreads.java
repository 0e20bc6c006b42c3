package dev.slipway.common;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where Slipway's threads come from: each named for what it does (a thread dump or a profile reads
 * as the code does), daemon where it is a platform thread (none keeps the JVM alive on its own),
 * and logging a failure that ends it instead of printing to stderr.
 */
public final class NamedThreads {
  private static final Logger LOG = LoggerFactory.getLogger(NamedThreads.class);
  private static final Thread.UncaughtExceptionHandler LOG_FAILURE =
      (thread, failure) ->
          LOG.error("thread {} ended on an uncaught exception", thread.getName(), failure);

  private NamedThreads() {}

  /** Daemon threads all called {@code name}. */
  public static ThreadFactory daemon(String name) {
    return Thread.ofPlatform().daemon().name(name).uncaughtExceptionHandler(LOG_FAILURE).factory();
  }

  /** Virtual threads called {@code prefix} and a number from 0. */
  public static ThreadFactory virtual(String prefix) {
    return Thread.ofVirtual().name(prefix, 0).uncaughtExceptionHandler(LOG_FAILURE).factory();
  }

  /** Starts {@code task} on a daemon thread called {@code name}. */
  public static Thread startDaemon(String name, Runnable task) {
    Thread thread = daemon(name).newThread(task);
    thread.start();
    return thread;
  }

  /** Starts {@code task} on a virtual thread called {@code name}. */
  public static Thread startVirtual(String name, Runnable task) {
    return Thread.ofVirtual().name(name).uncaughtExceptionHandler(LOG_FAILURE).start(task);
  }

  /** One daemon thread called {@code name} that runs tasks at their times. */
  public static ScheduledExecutorService scheduler(String name) {
    return Executors.newSingleThreadScheduledExecutor(daemon(name));
  }
}
