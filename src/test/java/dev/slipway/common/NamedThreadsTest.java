package dev.slipway.common;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class NamedThreadsTest {

  @Test
  void threads_are_named_and_platform_ones_are_daemons() throws Exception {
    Thread daemon = NamedThreads.daemon("slipway-test").newThread(() -> {});
    assertThat(daemon.getName()).isEqualTo("slipway-test");
    assertThat(daemon.isDaemon()).isTrue();
    var virtual = NamedThreads.virtual("slipway-test-");
    assertThat(virtual.newThread(() -> {}).getName()).isEqualTo("slipway-test-0");
    assertThat(virtual.newThread(() -> {}).getName()).isEqualTo("slipway-test-1");
    var scheduler = NamedThreads.scheduler("slipway-test-timer");
    try {
      assertThat(
              scheduler
                  .schedule(() -> Thread.currentThread().getName(), 1, TimeUnit.MILLISECONDS)
                  .get())
          .isEqualTo("slipway-test-timer");
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void a_failure_that_ends_a_thread_is_logged_with_the_threads_name() throws Exception {
    var logged = new ListAppender<ILoggingEvent>();
    logged.start();
    var logger = (Logger) LoggerFactory.getLogger(NamedThreads.class);
    logger.addAppender(logged);
    try {
      NamedThreads.startDaemon(
              "slipway-failing",
              () -> {
                throw new IllegalStateException("boom");
              })
          .join();
      NamedThreads.startVirtual(
              "slipway-failing-virtual",
              () -> {
                throw new IllegalStateException("bang");
              })
          .join();
      assertThat(logged.list)
          .extracting(ILoggingEvent::getFormattedMessage)
          .containsExactly(
              "thread slipway-failing ended on an uncaught exception",
              "thread slipway-failing-virtual ended on an uncaught exception");
      assertThat(logged.list)
          .extracting(event -> event.getThrowableProxy().getMessage())
          .containsExactly("boom", "bang");
    } finally {
      logger.detachAppender(logged);
    }
  }
}
