package dev.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Two instances on one database: a deploy or rollback on one goes live on the other. */
class ClusterDeployTest {
  private static String hello(int version) {
    return """
        name: hello
        method: GET
        path: /api/hello
        response: { body: { version: %d } }
        """
        .formatted(version);
  }

  @Test
  void a_deploy_on_one_instance_goes_live_on_the_other_through_notifications() throws Exception {
    try (var database = new TestDatabase();
        var first = TestSlipway.start(database);
        var second = TestSlipway.start(database)) {
      first.save(hello(1));
      long release1 = first.deploy("{}").path("id").asLong();
      awaitVersion(second, 1);

      first.save(hello(2));
      first.deploy("{}");
      awaitVersion(second, 2);

      assertThat(second.control("POST", "/api/releases/" + release1 + "/rollback").status())
          .isEqualTo(200);
      awaitVersion(first, 1);
    }
  }

  private static void awaitVersion(TestSlipway instance, int version) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    TestSlipway.Reply reply = instance.data("GET", "/api/hello");
    while (Instant.now().isBefore(deadline)) {
      if (reply.status() == 200 && reply.json().path("version").asInt() == version) return;
      Thread.sleep(50);
      reply = instance.data("GET", "/api/hello");
    }
    throw new AssertionError(
        "the other instance still answers " + reply + ", not version " + version);
  }
}
