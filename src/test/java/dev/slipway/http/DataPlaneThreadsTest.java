package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The data plane's pool reads a connection's next request on the thread that answered its last one.
 */
class DataPlaneThreadsTest {
  private final DataPlaneServer.Threads threads = new DataPlaneServer.Threads();

  @BeforeEach
  void start() throws Exception {
    threads.start();
  }

  @AfterEach
  void stop() throws Exception {
    threads.stop();
  }

  @Test
  void a_connection_resumed_while_answering_reads_on_the_answering_thread() throws Exception {
    var ranOn = new CompletableFuture<Thread>();
    DataPlaneServer.Threads.answerHere(() -> threads.execute(connection(ranOn)));
    assertThat(ranOn.getNow(null)).isSameAs(Thread.currentThread());
  }

  @Test
  void other_jobs_and_resumes_outside_an_answer_go_to_the_pool() throws Exception {
    var job = new CompletableFuture<Thread>();
    DataPlaneServer.Threads.answerHere(
        () -> threads.execute(() -> job.complete(Thread.currentThread())));
    assertThat(job.get(5, TimeUnit.SECONDS)).isNotSameAs(Thread.currentThread());

    var resumed = new CompletableFuture<Thread>();
    threads.execute(connection(resumed));
    assertThat(resumed.get(5, TimeUnit.SECONDS)).isNotSameAs(Thread.currentThread());
  }

  @Test
  void only_the_first_resume_of_an_answer_runs_inline() throws Exception {
    var second = new CompletableFuture<Thread>();
    var first = new CompletableFuture<Thread>();
    DataPlaneServer.Threads.answerHere(
        () -> {
          threads.execute(connection(first));
          threads.execute(connection(second));
        });
    assertThat(first.getNow(null)).isSameAs(Thread.currentThread());
    assertThat(second.get(5, TimeUnit.SECONDS)).isNotSameAs(Thread.currentThread());
  }

  /** A connection whose only behaviour is to say which thread ran it. */
  private static Runnable connection(CompletableFuture<Thread> ranOn) {
    return (Runnable)
        Proxy.newProxyInstance(
            DataPlaneThreadsTest.class.getClassLoader(),
            new Class<?>[] {Connection.class, Runnable.class},
            (proxy, method, args) -> {
              if (method.getName().equals("run")) {
                ranOn.complete(Thread.currentThread());
              }
              return method.getName().equals("toString") ? "test connection" : null;
            });
  }
}
