package dev.slipway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slipway.testing.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's scheduling group where Linux schedules by autogroup: yielded to the database's
 * backends when the server leads a session of its own, left alone when it shares its session with
 * the shell that started it.
 */
class SchedulingGroupTest {
  private static final Duration START = Duration.ofMinutes(3);

  @Test
  void a_server_leading_a_session_of_its_own_lowers_its_group_and_one_sharing_a_session_does_not(
      @TempDir Path dir) throws IOException {
    assumeTrue(
        Files.isWritable(Path.of("/proc/self/autogroup"))
            && Files.readString(Path.of("/proc/sys/kernel/sched_autogroup_enabled"))
                .strip()
                .equals("1"),
        "Linux schedules by autogroup here");

    try (var server = ServerProcess.launchInOwnSession(dir.resolve("own"), Map.of())) {
      server.awaitHealthy(START);
      assertThat(autogroup(server.pid())).as(server.output()).endsWith(" nice 10");
      assertThat(server.output()).contains("leads a session of its own");
    }

    String ours = autogroup(ProcessHandle.current().pid());
    try (var server = ServerProcess.launch(dir.resolve("shared"), Map.of())) {
      server.awaitHealthy(START);
      assertThat(autogroup(server.pid())).as("this test's own group, untouched").isEqualTo(ours);
      assertThat(server.output())
          .contains("shares its session with the shell")
          .contains("kernel.sched_autogroup_enabled=0");
    }
  }

  private static String autogroup(long pid) throws IOException {
    return Files.readString(Path.of("/proc", Long.toString(pid), "autogroup")).strip();
  }
}
