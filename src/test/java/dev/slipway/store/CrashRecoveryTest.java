package dev.slipway.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.ServerProcess;
import dev.slipway.testing.TestSlipway.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded database after a crash, with real processes: what Slipway acknowledged is still
 * there, and the next start works whatever the crash left on the data directory.
 */
class CrashRecoveryTest {
  /** Far above a start on a busy machine, far below the minute a start spent waiting before. */
  private static final Duration FIRST_START = Duration.ofMinutes(3);

  private static final Duration RESTART = Duration.ofSeconds(50);

  private static final String ADD_ROW =
      """
      name: add-row
      method: POST
      path: /api/crash-rows
      input:
        body: { type: object, properties: { name: { type: string } }, required: [name] }
      steps:
        - id: added
          sql: insert into app.projects (org_id, name, status) values (gen_random_uuid(), :name, 'active')
          params: { name: "${input.body.name}" }
          expect: none
      response: { status: 204 }
      """;
  private static final String LIST_ROWS =
      """
      name: list-rows
      method: GET
      path: /api/crash-rows
      steps:
        - id: rows
          sql: select name from app.projects where name like 'row-%'
          expect: many
      response: { body: "${steps.rows.rows}" }
      """;
  private static final String SETTINGS =
      """
      name: durability
      method: GET
      path: /api/durability
      steps:
        - id: settings
          sql: >
            select current_setting('fsync') as fsync, current_setting('synchronous_commit') as "synchronousCommit",
            current_setting('full_page_writes') as "fullPageWrites"
          expect: one
      response: { body: "${steps.settings.row}" }
      """;

  private static String probe(int n) {
    return """
        name: probe
        method: GET
        path: /api/probe
        steps:
          - id: answer
            sql: select %d as n
            expect: one
        response: { body: "${steps.answer.row}" }
        """
        .formatted(n);
  }

  @Test
  void every_acknowledged_release_version_and_row_survives_a_kill_of_the_server_and_its_database(
      @TempDir Path dir) throws Exception {
    Path dataDir = dir.resolve("data");
    Set<String> rows = ConcurrentHashMap.newKeySet();
    List<Integer> versions = new ArrayList<>();
    List<Long> releases = new ArrayList<>();
    try (var server = ServerProcess.launch(dataDir, Map.of())) {
      server.awaitHealthy(FIRST_START);
      for (String spec : List.of(ADD_ROW, LIST_ROWS, SETTINGS, probe(0)))
        assertThat(save(server, spec).status()).isEqualTo(201);
      assertThat(server.control("POST", "/api/deploy", "{}", "application/json").status())
          .isEqualTo(201);
      assertThat(server.data("GET", "/api/durability", null).json())
          .hasToString("{\"fsync\":\"on\",\"synchronousCommit\":\"on\",\"fullPageWrites\":\"on\"}");

      var running = new AtomicBoolean(true);
      var load = new ArrayList<Thread>();
      for (int t = 0; t < 3; t++) {
        String prefix = "row-" + t + "-";
        load.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      for (int i = 0; running.get(); i++) {
                        String name = prefix + i;
                        Reply reply =
                            call(
                                () ->
                                    server.data(
                                        "POST", "/api/crash-rows", "{\"name\":\"" + name + "\"}"));
                        if (reply == null) return;
                        if (reply.status() == 204) rows.add(name);
                      }
                    }));
      }
      load.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int n = 1; running.get(); n++) {
                      String spec = probe(n);
                      Reply saved = call(() -> save(server, spec));
                      if (saved == null) return;
                      if (saved.status() == 201) versions.add(saved.json().path("version").asInt());
                      Reply deployed =
                          call(
                              () ->
                                  server.control(
                                      "POST",
                                      "/api/deploy",
                                      "{\"endpoints\":[\"probe\"]}",
                                      "application/json"));
                      if (deployed == null) return;
                      if (deployed.status() == 201)
                        releases.add(deployed.json().path("id").asLong());
                    }
                  }));
      Thread.sleep(3_000);
      server.killAll();
      running.set(false);
      for (Thread thread : load) thread.join();
    }
    assertThat(rows).as("rows acknowledged before the kill").isNotEmpty();
    assertThat(releases).as("releases acknowledged before the kill").isNotEmpty();
    assertThat(dataDir.resolve("postgres/postmaster.pid"))
        .as("left by the killed PostgreSQL")
        .exists();

    try (var server = ServerProcess.launch(dataDir, Map.of())) {
      server.awaitHealthy(RESTART);
      var found = new HashSet<String>();
      server
          .data("GET", "/api/crash-rows", null)
          .json()
          .forEach(row -> found.add(row.path("name").asText()));
      assertThat(found).as("every acknowledged row").containsAll(rows);
      for (long release : releases) {
        assertThat(server.control("GET", "/api/releases/" + release).status())
            .as("release " + release)
            .isEqualTo(200);
      }
      for (int version : versions) {
        assertThat(server.control("GET", "/api/endpoints/probe/versions/" + version).status())
            .as("version " + version)
            .isEqualTo(200);
      }
      long live = server.control("GET", "/api/releases/live").json().path("id").asLong();
      assertThat(live)
          .as("the live release is the last acknowledged or a later one")
          .isGreaterThanOrEqualTo(releases.getLast());
      System.out.printf(
          "crash under load: %d rows, %d versions, %d releases acknowledged, all found after the restart%n",
          rows.size(), versions.size(), releases.size());
    }
  }

  @Test
  void a_start_after_a_kill_of_the_server_alone_stops_the_postgres_it_left_running(
      @TempDir Path dir) throws Exception {
    Path dataDir = dir.resolve("data");
    try (var crashed = ServerProcess.launch(dataDir, Map.of())) {
      crashed.awaitHealthy(FIRST_START);
      assertThat(save(crashed, probe(7)).status()).isEqualTo(201);
      assertThat(crashed.control("POST", "/api/deploy", "{}", "application/json").status())
          .isEqualTo(201);
      crashed.killJvm();
      long orphan =
          crashed
              .postmaster()
              .orElseThrow(() -> new AssertionError("no PostgreSQL left running"))
              .pid();

      try (var server = ServerProcess.launch(dataDir, Map.of())) {
        Duration healthy = server.awaitHealthy(RESTART);
        System.out.printf(
            "healthy %d ms after the launch that followed a kill -9 of the server alone%n",
            healthy.toMillis());
        assertThat(server.output())
            .contains("still running on")
            .contains("stopped it in")
            .doesNotContain("Gave up waiting");
        assertThat(server.postmaster().orElseThrow().pid())
            .as("the PostgreSQL serving now")
            .isNotEqualTo(orphan);
        assertThat(
                ProcessHandle.of(orphan)
                    .filter(process -> process.isAlive() && !EmbeddedServer.ended(process)))
            .as("the PostgreSQL left running (a zombie init has not collected yet has ended)")
            .isEmpty();
        assertThat(server.data("GET", "/api/probe", null).json().path("n").asInt()).isEqualTo(7);
      }
    }
  }

  @Test
  void a_start_removes_a_postmaster_pid_whose_number_another_process_now_has(@TempDir Path dir)
      throws Exception {
    Path dataDir = dir.resolve("data");
    try (var server = ServerProcess.launch(dataDir, Map.of())) {
      server.awaitHealthy(FIRST_START);
      server.killAll();
    }
    Path pidFile = dataDir.resolve("postgres/postmaster.pid");
    Process other = new ProcessBuilder("sleep", "300").start();
    try {
      List<String> lines = new ArrayList<>(Files.readAllLines(pidFile));
      lines.set(0, Long.toString(other.pid()));
      Files.write(pidFile, lines);
      try (var server = ServerProcess.launch(dataDir, Map.of())) {
        server.awaitHealthy(RESTART);
        assertThat(other.isAlive()).as("the process that has the number now").isTrue();
        assertThat(server.output()).contains("the number was reused");
      }
    } finally {
      other.destroyForcibly();
    }
  }

  private static Reply save(ServerProcess server, String spec) {
    return server.control("POST", "/api/endpoints", spec, "application/yaml");
  }

  /** The reply, or null once the server is gone (a refused or reset connection). */
  private static Reply call(Supplier<Reply> request) {
    try {
      return request.get();
    } catch (AssertionError e) {
      return null;
    }
  }
}
