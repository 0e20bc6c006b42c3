package dev.slipway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CallLogTest {
  private static CallRecord call(String id, int status, String error) {
    return new CallRecord(
        Instant.parse("2026-11-26T10:00:00.123Z"),
        id,
        "GET",
        "/api/x y",
        "get-x",
        3,
        1,
        7,
        status,
        1_234,
        error);
  }

  @Test
  void writes_one_structured_line_per_call_and_keeps_the_recent_ones_newest_first()
      throws Exception {
    var out = new ByteArrayOutputStream();
    var log = new CallLog(4, CallLog.Level.ALL, out);
    log.record(call("a", 200, null));
    log.record(call("b", 500, "SQLSTATE 42P01: relation \"t\" does not exist"));
    log.close();
    var lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines)
        .containsExactly(
            "2026-11-26T10:00:00.123Z INFO  calls - call request_id=a method=GET path=\"/api/x y\" org=1 endpoint=get-x version=3 release=7 status=200 duration_ms=1.234",
            "2026-11-26T10:00:00.123Z WARN  calls - call request_id=b method=GET path=\"/api/x y\" org=1 endpoint=get-x version=3 release=7 status=500 duration_ms=1.234 error=\"SQLSTATE 42P01: relation \\\"t\\\" does not exist\"");
    assertThat(log.recent(1, 10)).extracting(CallRecord::requestId).containsExactly("b", "a");
  }

  @Test
  void at_warn_only_failed_calls_are_written() throws Exception {
    var out = new ByteArrayOutputStream();
    var log = new CallLog(16, CallLog.Level.ERRORS, out);
    log.record(call("a", 200, null));
    log.record(call("b", 503, null));
    log.record(call("c", 404, null));
    log.close();
    assertThat(
            out.toString(StandardCharsets.UTF_8)
                .lines()
                .filter(line -> line.contains("request_id="))
                .toList())
        .singleElement()
        .satisfies(line -> assertThat(line).contains("request_id=b").contains("status=503"));
  }

  @Test
  void lines_the_writer_could_not_keep_up_with_are_counted_not_waited_for() throws Exception {
    var out = new ByteArrayOutputStream();
    var log = new CallLog(2, CallLog.Level.ALL, out);
    for (int i = 0; i < 1_000; i++) log.record(call("r" + i, 200, null));
    log.close();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("call line(s) dropped: the log fell behind");
    assertThat(log.recent(1, 10)).extracting(CallRecord::requestId).containsExactly("r999", "r998");
  }
}
