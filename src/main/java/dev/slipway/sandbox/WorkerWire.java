package dev.slipway.sandbox;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One end of the channel between the server and a sandbox worker (a Unix socket). A frame is a kind
 * byte and its fields; a string is its UTF-8 length and bytes. The server may send several requests
 * ahead; the worker takes them in order, one at a time. While on one it may ask the host questions
 * ({@link #QUERY}, {@link #SECRET}, {@link #FETCH}), each answered before it goes on, and it ends
 * it with one final frame: everything the worker says belongs to the oldest request not yet ended.
 * Not safe for concurrent use.
 */
final class WorkerWire {

  // server to worker
  /**
   * name, language, source: check a script; answered by {@link #COMPILED} or {@link
   * #COMPILE_ERROR}.
   */
  static final byte COMPILE = 'C';

  /**
   * id, input: run a script the worker has; answered by {@link #DONE} or {@link #UNKNOWN_SCRIPT}.
   */
  static final byte RUN = 'R';

  /** id, name, language, javascript, input: run a script sent along. */
  static final byte RUN_SOURCE = 'S';

  /**
   * id, name, language, javascript: keep a script and make its function, for runs to come; answered
   * by {@link #PREPARED}.
   */
  static final byte PREPARE = 'P';

  /** value (nullable): the answer to a host question. */
  static final byte ANSWER = 'A';

  /** message: the host refused or failed a question; the script sees an Error with the message. */
  static final byte REFUSE = 'E';

  // worker to server
  /** Sent once, when the worker has warmed up and waits for work. */
  static final byte READY = 'Y';

  static final byte COMPILED = 'c';

  /** line, message. */
  static final byte COMPILE_ERROR = 'e';

  /** sql, params JSON (nullable). */
  static final byte QUERY = 'q';

  /** name. */
  static final byte SECRET = 's';

  /** request JSON. */
  static final byte FETCH = 'f';

  /** an outcome, see {@link #writeOutcome}. */
  static final byte DONE = 'd';

  static final byte UNKNOWN_SCRIPT = 'u';
  static final byte PREPARED = 'p';

  /** Writes one frame's kind and fields; either end builds its frames this way. */
  @FunctionalInterface
  interface Frame {
    void write(WorkerWire wire) throws IOException;
  }

  /** No string crossing is longer than this; a longer one means a broken or hostile peer. */
  private static final int MAX_STRING_BYTES = 64 * 1024 * 1024;

  private final DataInputStream in;
  private final DataOutputStream out;

  WorkerWire(InputStream in, OutputStream out) {
    this.in = new DataInputStream(new BufferedInputStream(in, 64 * 1024));
    this.out = new DataOutputStream(new BufferedOutputStream(out, 64 * 1024));
  }

  /** The next frame's kind; {@link EOFException} when the other end is gone. */
  byte readKind() throws IOException {
    int kind = in.read();
    if (kind < 0) {
      throw new EOFException("the other end of the worker channel closed");
    }
    return (byte) kind;
  }

  String readString() throws IOException {
    int length = in.readInt();
    if (length < 0 || length > MAX_STRING_BYTES) {
      throw new IOException("bad string length on the worker channel: " + length);
    }
    return new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  String readNullable() throws IOException {
    return in.readBoolean() ? readString() : null;
  }

  long readLong() throws IOException {
    return in.readLong();
  }

  WorkerWire kind(byte kind) throws IOException {
    out.write(kind);
    return this;
  }

  WorkerWire string(String value) throws IOException {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_STRING_BYTES) {
      throw new IOException("string too long for the worker channel: " + bytes.length + " bytes");
    }
    out.writeInt(bytes.length);
    out.write(bytes);
    return this;
  }

  WorkerWire nullable(String value) throws IOException {
    out.writeBoolean(value != null);
    return value == null ? this : string(value);
  }

  WorkerWire number(long value) throws IOException {
    out.writeLong(value);
    return this;
  }

  void flush() throws IOException {
    out.flush();
  }

  /**
   * Writes {@link #DONE} and {@code outcome}, without flushing; a success's value goes as the JSON
   * {@code json} writes, so the server reads the same tree the worker had. Then {@code cpuNanos},
   * the CPU time the run took in the worker, which the server judges a script's weight by: on a
   * busy machine the clock also counts waiting for a core.
   */
  void writeOutcome(ScriptOutcome outcome, JsonCodec json, long cpuNanos) throws IOException {
    kind(DONE);
    switch (outcome) {
      case ScriptOutcome.Success s ->
          kind((byte) 0)
              .string(s.value() instanceof RawJson raw ? raw.json() : json.write(s.value()))
              .number(s.elapsed().toNanos());
      case ScriptOutcome.Failure f ->
          kind((byte) 1).string(f.safeMessage()).number(f.elapsed().toNanos());
      case ScriptOutcome.Timeout t -> kind((byte) 2).number(t.limit().toNanos());
      case ScriptOutcome.StatementLimit l ->
          kind((byte) 3).number(l.limit()).number(l.elapsed().toNanos());
      case ScriptOutcome.Exceeded e ->
          kind((byte) 4).string(e.limit().name()).string(e.detail()).number(e.elapsed().toNanos());
    }
    out.writeInt(outcome.logs().size());
    for (LogLine line : outcome.logs()) {
      string(line.level()).string(line.message());
    }
    number(cpuNanos);
  }

  /** Whether bytes of another frame have already arrived. */
  boolean inputWaiting() throws IOException {
    return in.available() > 0;
  }

  /** Reads what {@link #writeOutcome} wrote, after its {@link #DONE}. */
  ScriptOutcome readOutcome(JsonCodec json) throws IOException {
    byte type = readKind();
    Object value = null;
    String text = null;
    String limit = null;
    long number = 0;
    long elapsed = 0;
    switch (type) {
      case 0 -> {
        value = json.read(readString());
        elapsed = readLong();
      }
      case 1 -> {
        text = readString();
        elapsed = readLong();
      }
      case 2 -> number = readLong();
      case 3 -> {
        number = readLong();
        elapsed = readLong();
      }
      case 4 -> {
        limit = readString();
        text = readString();
        elapsed = readLong();
      }
      default -> throw new IOException("unknown outcome type " + type + " on the worker channel");
    }
    int count = in.readInt();
    if (count < 0 || count > HostBridge.MAX_LOG_LINES) {
      throw new IOException("bad log line count on the worker channel: " + count);
    }
    List<LogLine> logs = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      logs.add(new LogLine(readString(), readString()));
    }
    Duration took = Duration.ofNanos(elapsed);
    return switch (type) {
      case 0 -> new ScriptOutcome.Success(value, logs, took);
      case 1 -> new ScriptOutcome.Failure(text, logs, took);
      case 2 -> new ScriptOutcome.Timeout(Duration.ofNanos(number), logs);
      case 3 -> new ScriptOutcome.StatementLimit(number, logs, took);
      default -> new ScriptOutcome.Exceeded(ScriptOutcome.Limit.valueOf(limit), text, logs, took);
    };
  }
}
