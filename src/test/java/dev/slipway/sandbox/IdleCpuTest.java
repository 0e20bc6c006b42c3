package dev.slipway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdleCpuTest {
  @TempDir Path dir;

  @Test
  void the_cpus_worth_unused_between_two_readings_counts_idle_and_io_wait_on_every_cpu()
      throws Exception {
    Path stat = dir.resolve("stat");
    var idle = new IdleCpu(stat);
    Files.writeString(stat, counters(1000, 100, 300, 5000, 100));
    idle.sample();
    assertThat(idle.idle()).as("one reading says nothing yet").isNaN();
    // 200 ticks on two CPUs: 150 busy, 40 idle and 10 waiting for I/O
    Files.writeString(stat, counters(1100, 100, 350, 5040, 110));
    idle.sample();
    assertThat(idle.idle()).isCloseTo(0.5, within(1e-9));
    assertThat(idle.leastIdle()).isCloseTo(0.5, within(1e-9));
    // then 1.5 CPUs unused three times: the least of the last three readings goes up only then
    for (int i = 1; i <= 3; i++) {
      Files.writeString(stat, counters(1100 + 50 * i, 100, 350, 5040 + 150 * i, 110));
      idle.sample();
      assertThat(idle.idle()).isCloseTo(1.5, within(1e-9));
      assertThat(idle.leastIdle()).isCloseTo(i < 3 ? 0.5 : 1.5, within(1e-9));
    }
  }

  @Test
  void without_the_kernels_counters_it_is_not_known() throws Exception {
    var idle = new IdleCpu(dir.resolve("none"));
    idle.sample();
    idle.sample();
    assertThat(idle.idle()).isNaN();
    assertThat(idle.leastIdle()).isNaN();
    Path stat = dir.resolve("stat");
    Files.writeString(stat, "intr 1 2 3\n");
    var garbled = new IdleCpu(stat);
    garbled.sample();
    garbled.sample();
    assertThat(garbled.idle()).isNaN();
  }

  @Test
  void the_hosts_own_counters_read() throws InterruptedException {
    var idle = new IdleCpu(IdleCpu.PROC_STAT);
    idle.sample();
    // the kernel counts in hundredths of a second
    Thread.sleep(200);
    idle.sample();
    if (Files.isReadable(IdleCpu.PROC_STAT)) assertThat(idle.idle()).isNotNaN().isNotNegative();
  }

  /** {@code /proc/stat}'s first lines for a two-CPU host with these totals. */
  static String counters(long user, long nice, long system, long idle, long ioWait) {
    return "cpu  %d %d %d %d %d 0 0 0 0 0%ncpu0 0 0 0 0 0 0 0 0 0 0%ncpu1 0 0 0 0 0 0 0 0 0 0%nintr 1%n"
        .formatted(user, nice, system, idle, ioWait);
  }
}
