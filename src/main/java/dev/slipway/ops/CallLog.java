package dev.slipway.ops;

import dev.slipway.common.NamedThreads;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every data-plane call. A request only stores its record in a lock-free ring; a writer
 * thread formats the new records as structured (logfmt) lines and writes them in batches, and hands
 * each batch to a {@link CallKeeper} (the database), so a request never waits on the log. {@code
 * GET /api/logs} reads the ring, then what was kept. When the writer falls a whole ring behind, or
 * the keeper fails, the calls it missed are counted in a line of their own.
 */
public final class CallLog implements AutoCloseable {
  /** Which calls get a log line. */
  public enum Level {
    /** Every call. */
    ALL,
    /** Calls answered with a 5xx. */
    ERRORS,
    /** None (the ring still keeps them for {@code GET /api/logs}). */
    NONE
  }

  private static final long WRITE_INTERVAL_NANOS = 100_000_000;
  private static final long PRUNE_INTERVAL_NANOS = 60_000_000_000L;

  /** How often the keeper's sums (the rollups analytics read) are written. */
  private static final long FLUSH_INTERVAL_NANOS = 2_000_000_000L;

  private static final Logger LOG = LoggerFactory.getLogger(CallLog.class);

  private final AtomicReferenceArray<CallRecord> ring;
  private final AtomicLong next = new AtomicLong();
  private final Level level;
  private final PrintStream out;
  private final Thread writer;
  private volatile boolean running = true;
  private volatile long written;

  /** The writer thread's buffer, kept between flushes so it does not grow anew each time. */
  private final StringBuilder batch = new StringBuilder(1 << 16);

  private final CallKeeper keeper;

  /** The writer thread's calls for the keeper, kept between flushes. */
  private final List<CallRecord> toKeep = new ArrayList<>();

  /** Set so that the writer's first round prunes, which also makes the hour's partition. */
  private long lastPrune = System.nanoTime() - PRUNE_INTERVAL_NANOS - 1;

  private long lastFlush = System.nanoTime();
  private long lastSumsLine;
  private volatile long fellBehind;
  private volatile long notKept;
  private volatile long kept;
  private long lastNotKeptLine;

  public CallLog(int capacity, Level level, OutputStream out) {
    this(capacity, level, out, CallKeeper.NONE);
  }

  public CallLog(int capacity, Level level, OutputStream out, CallKeeper keeper) {
    this.ring = new AtomicReferenceArray<>(capacity);
    this.level = level;
    this.out = new PrintStream(out, false, StandardCharsets.UTF_8);
    this.keeper = keeper;
    this.writer = NamedThreads.startDaemon("call-log-writer", this::writeLoop);
  }

  public void record(CallRecord call) {
    ring.set((int) (next.getAndIncrement() % ring.length()), call);
  }

  /**
   * Up to {@code limit} of the org's calls that {@code query} asks for, newest first: those in the
   * ring, then those kept (a restart empties the ring), none twice.
   */
  public List<CallRecord> search(long orgId, CallQuery query, int limit) throws Exception {
    var calls = new ArrayList<CallRecord>();
    var seen = new HashSet<String>();
    long end = next.get();
    for (long i = end - 1; i >= 0 && i >= end - ring.length(); i--) {
      CallRecord call = ring.get((int) (i % ring.length()));
      if (call != null
          && call.orgId() == orgId
          && query.matches(call)
          && seen.add(call.requestId())) calls.add(call);
    }
    for (CallRecord kept : keeper.search(orgId, query, limit)) {
      if (!seen.contains(kept.requestId())) calls.add(kept);
    }
    calls.sort(NEWEST_FIRST);
    return calls.size() > limit ? List.copyOf(calls.subList(0, limit)) : calls;
  }

  /**
   * The org's newest call with this request id, bodies included: from the ring, else from what was
   * kept.
   */
  public java.util.Optional<CallRecord> find(long orgId, String requestId) throws Exception {
    long end = next.get();
    for (long i = end - 1; i >= 0 && i >= end - ring.length(); i--) {
      CallRecord call = ring.get((int) (i % ring.length()));
      if (call != null && call.orgId() == orgId && call.requestId().equals(requestId))
        return java.util.Optional.of(call);
    }
    return keeper.find(orgId, requestId);
  }

  /** The org's most recent calls. */
  public List<CallRecord> recent(long orgId, int limit) throws Exception {
    return search(orgId, CallQuery.ALL, limit);
  }

  private static final java.util.Comparator<CallRecord> NEWEST_FIRST =
      java.util.Comparator.comparing(CallQuery::positionOf).reversed();

  /**
   * Hands each call the writer takes from now on to {@code listener}, on the writer's thread (it
   * must not block); until the returned handle is closed.
   */
  public AutoCloseable listen(java.util.function.Consumer<CallRecord> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  private final java.util.concurrent.CopyOnWriteArrayList<java.util.function.Consumer<CallRecord>>
      listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  private final java.util.concurrent.CopyOnWriteArrayList<Runnable> afterWrites =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Runs {@code task} on the writer's thread after each write of new calls (once the listeners have
   * had them); it must not block.
   */
  public void afterWrite(Runnable task) {
    afterWrites.add(task);
  }

  /**
   * What the recorder has done since the start: calls recorded, calls handed to the keeper and
   * taken (the kept log leaves out calls no org's endpoint served), calls it fell a whole ring
   * behind on (never written or kept), calls the database did not take, and calls recorded but not
   * yet written.
   */
  public record Stats(long recorded, long kept, long fellBehind, long notKept, long backlog) {}

  public Stats stats() {
    long end = next.get();
    return new Stats(end, kept, fellBehind, notKept, Math.max(0, end - written));
  }

  private void writeLoop() {
    while (running) {
      LockSupport.parkNanos(WRITE_INTERVAL_NANOS);
      flush();
      if (System.nanoTime() - lastFlush > FLUSH_INTERVAL_NANOS) {
        lastFlush = System.nanoTime();
        try {
          keeper.flush();
        } catch (Exception e) {
          // the sums are kept for the next try; said once a minute
          if (System.nanoTime() - lastSumsLine > PRUNE_INTERVAL_NANOS) {
            lastSumsLine = System.nanoTime();
            LOG.warn("the call log's sums wait for the database: {}", e.getMessage());
          }
        }
      }
      if (System.nanoTime() - lastPrune > PRUNE_INTERVAL_NANOS) {
        lastPrune = System.nanoTime();
        try {
          keeper.prune();
        } catch (Exception e) {
          LOG.warn("the call log could not drop its old calls: {}", e.getMessage());
        }
      }
    }
    flush();
    try {
      keeper.flush();
    } catch (Exception e) {
      LOG.warn("the call log's last sums were not kept: {}", e.getMessage());
    }
  }

  /** Hands the batch to the keeper; a batch it fails to keep is counted, and said once a minute. */
  private void keep() {
    if (toKeep.isEmpty()) return;
    try {
      keeper.write(toKeep);
      kept += toKeep.size();
    } catch (Exception e) {
      notKept += toKeep.size();
      if (System.nanoTime() - lastNotKeptLine > PRUNE_INTERVAL_NANOS) {
        lastNotKeptLine = System.nanoTime();
        LOG.warn(
            "{} call(s) not kept so far: the database did not take them ({})",
            notKept,
            e.getMessage());
      }
    }
    toKeep.clear();
  }

  /**
   * Writes the lines of every call recorded since the last flush; only the writer thread calls it.
   */
  private void flush() {
    long end = next.get();
    if (end == written) return;
    batch.setLength(0);
    if (end - written > ring.length()) {
      long missed = end - written - ring.length();
      fellBehind += missed;
      batch
          .append(java.time.Instant.now())
          .append(" WARN  calls - ")
          .append(missed)
          .append(" call line(s) dropped: the log fell behind\n");
      written = end - ring.length();
    }
    for (; written < end; written++) {
      CallRecord call = ring.get((int) (written % ring.length()));
      if (call == null) continue;
      toKeep.add(call);
      for (var listener : listeners) {
        try {
          listener.accept(call);
        } catch (RuntimeException e) {
          LOG.warn("a call log listener failed: {}", e.toString());
        }
      }
      if (!wanted(call)) continue;
      format(call, batch);
      if (batch.length() > 1 << 16) {
        out.print(batch);
        batch.setLength(0);
      }
    }
    out.print(batch);
    out.flush();
    for (Runnable task : afterWrites) {
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.warn("a call log task failed: {}", e.toString());
      }
    }
    keep();
  }

  private boolean wanted(CallRecord call) {
    return switch (level) {
      case ALL -> true;
      case ERRORS -> call.status() >= 500;
      case NONE -> false;
    };
  }

  private long stampSecond = -1;
  private String stampPrefix = "";

  /**
   * Appends one call's line. Only the writer thread calls this; the timestamp's text up to the
   * second is computed once per second.
   */
  void format(CallRecord call, StringBuilder line) {
    long millis = call.at().toEpochMilli();
    long second = Math.floorDiv(millis, 1000);
    if (second != stampSecond) {
      stampSecond = second;
      stampPrefix =
          java.time.format.DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(
                  java.time.LocalDateTime.ofEpochSecond(second, 0, java.time.ZoneOffset.UTC))
              + ".";
    }
    long fraction = Math.floorMod(millis, 1000);
    line.append(stampPrefix)
        .append((char) ('0' + fraction / 100))
        .append((char) ('0' + fraction / 10 % 10))
        .append((char) ('0' + fraction % 10))
        .append('Z')
        .append(call.status() >= 500 ? " WARN  " : " INFO  ")
        .append("calls - call request_id=")
        .append(call.requestId())
        .append(" method=")
        .append(call.method())
        .append(" path=");
    quoted(call.path(), line);
    line.append(" org=")
        .append(call.orgId())
        .append(" endpoint=")
        .append(call.endpoint() == null ? "-" : call.endpoint())
        .append(" version=")
        .append(call.version())
        .append(" release=")
        .append(call.releaseId())
        .append(" status=")
        .append(call.status())
        .append(" duration_ms=")
        .append(call.durationMicros() / 1000)
        .append('.');
    long micros = call.durationMicros() % 1000;
    line.append((char) ('0' + micros / 100))
        .append((char) ('0' + micros / 10 % 10))
        .append((char) ('0' + micros % 10));
    if (call.error() != null) {
      line.append(" error=");
      quoted(call.error(), line);
    }
    line.append('\n');
  }

  private static void quoted(String value, StringBuilder line) {
    boolean plain = !value.isEmpty();
    for (int i = 0; i < value.length() && plain; i++) {
      char c = value.charAt(i);
      plain = c > ' ' && c != '"' && c != '\\' && c < 127;
    }
    if (plain) {
      line.append(value);
    } else {
      line.append('"')
          .append(value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n"))
          .append('"');
    }
  }

  /** Writes what is left and stops the writer. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    LockSupport.unpark(writer);
    writer.join(5_000);
  }
}
