package dev.slipway.ops;

import dev.slipway.common.NamedThreads;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every data-plane call. A request only stores its record in a lock-free ring; a writer
 * thread formats the new records as structured (logfmt) lines and writes them in batches, and hands
 * each batch to a keeper thread, which writes it to a {@link CallKeeper} (the database) and does
 * the keeper's upkeep (its sums, its pruning). So a request never waits on the log, and the ring is
 * emptied on time while the database is slow: batches wait for the keeper, up to {@link
 * #BACKLOG_RINGS} rings of calls. {@code GET /api/logs} reads the ring, then what was kept. When
 * the writer falls a whole ring behind, or the keeper's backlog is full or the keeper fails, the
 * calls missed are counted (a line of their own says so).
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

  /**
   * How soon the keeper prunes again after it dropped calls to keep their cap: a log that reaches
   * its cap then loses a few seconds' calls at a time, not a minute's (780,000 at 13,000 a second).
   */
  private static final long PRUNE_AT_CAP_NANOS = 5_000_000_000L;

  /** How often the keeper's sums (the rollups analytics read) are written. */
  private static final long FLUSH_INTERVAL_NANOS = 2_000_000_000L;

  /**
   * How many calls may wait for the keeper, in rings: with the default ring, 32,768 calls, 2 s of
   * calls at 15,000 a second. The database stalls for a second or more now and then under such a
   * load (its autovacuum, a checkpoint); a call that found the backlog full is not kept.
   */
  public static final int BACKLOG_RINGS = 8;

  /**
   * How much the calls waiting for the keeper may hold, roughly: calls with their bodies logged can
   * be 64 KiB each.
   */
  static final long BACKLOG_BYTES = 16L << 20;

  private static final Logger LOG = LoggerFactory.getLogger(CallLog.class);

  private final AtomicReferenceArray<CallRecord> ring;
  private final AtomicLong next = new AtomicLong();
  private final Level level;
  private final PrintStream out;
  private final Thread writer;
  private final Thread keeperThread;
  private volatile boolean running = true;
  private volatile boolean writerDone;
  private volatile long written;

  /** The writer thread's buffer, kept between flushes so it does not grow anew each time. */
  private final StringBuilder batch = new StringBuilder(1 << 16);

  private final CallKeeper keeper;

  /** Batches of calls the writer has handed to the keeper thread, and how many calls they hold. */
  private final LinkedBlockingQueue<Handed> toKeep = new LinkedBlockingQueue<>();

  /** Calls handed to the keeper, and about how much of the heap they hold ({@link #size}). */
  private record Handed(List<CallRecord> calls, long bytes) {}

  private final AtomicLong waiting = new AtomicLong();
  private final AtomicLong waitingBytes = new AtomicLong();
  private final long backlogLimit;

  /** Calls the writer has taken from the ring and not yet handed over (for {@link #stats}). */
  private volatile long handing;

  /** Set so that the keeper's first round prunes, which also makes the hour's partition. */
  private long lastPrune = System.nanoTime() - PRUNE_INTERVAL_NANOS - 1;

  private long pruneInterval = PRUNE_INTERVAL_NANOS;

  private long lastFlush = System.nanoTime();
  private long lastSumsLine;
  private volatile long fellBehind;
  private volatile long notKept;
  private volatile long kept;
  private volatile long lastNotKeptLine;

  public CallLog(int capacity, Level level, OutputStream out) {
    this(capacity, level, out, CallKeeper.NONE);
  }

  public CallLog(int capacity, Level level, OutputStream out, CallKeeper keeper) {
    this.ring = new AtomicReferenceArray<>(capacity);
    this.level = level;
    this.out = new PrintStream(out, false, StandardCharsets.UTF_8);
    this.keeper = keeper;
    this.backlogLimit = (long) capacity * BACKLOG_RINGS;
    this.writer = NamedThreads.startDaemon("call-log-writer", this::writeLoop);
    this.keeperThread = NamedThreads.startDaemon("call-log-keeper", this::keepLoop);
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
   * behind on (never written or kept), calls not kept (the database did not take them, or found the
   * keeper's backlog full), and calls recorded but not yet written or kept.
   */
  public record Stats(long recorded, long kept, long fellBehind, long notKept, long backlog) {}

  public Stats stats() {
    long end = next.get();
    return new Stats(
        end, kept, fellBehind, notKept, Math.max(0, end - written) + handing + waiting.get());
  }

  private void writeLoop() {
    while (running) {
      LockSupport.parkNanos(WRITE_INTERVAL_NANOS);
      flush();
    }
    flush();
    writerDone = true;
  }

  /**
   * The keeper thread: writes the batches the writer hands over, as one when several wait, and
   * between them writes the keeper's sums and prunes it.
   */
  private void keepLoop() {
    var calls = new ArrayList<CallRecord>();
    while (true) {
      boolean last = writerDone;
      long bytes = 0;
      try {
        Handed batch = toKeep.poll(WRITE_INTERVAL_NANOS, TimeUnit.NANOSECONDS);
        // a ring's worth at most in one write
        for (; batch != null; batch = calls.size() < ring.length() ? toKeep.poll() : null) {
          calls.addAll(batch.calls());
          bytes += batch.bytes();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      keep(calls, bytes);
      calls.clear();
      if (last && toKeep.isEmpty()) break;
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
      if (System.nanoTime() - lastPrune > pruneInterval) {
        lastPrune = System.nanoTime();
        pruneInterval = PRUNE_INTERVAL_NANOS;
        try {
          if (keeper.prune()) pruneInterval = PRUNE_AT_CAP_NANOS;
        } catch (Exception e) {
          LOG.warn("the call log could not drop its old calls: {}", e.getMessage());
        }
      }
    }
    try {
      keeper.flush();
    } catch (Exception e) {
      LOG.warn("the call log's last sums were not kept: {}", e.getMessage());
    }
  }

  /** Hands the keeper a batch; a batch it fails to keep is counted, and said once a minute. */
  private void keep(List<CallRecord> calls, long bytes) {
    if (calls.isEmpty()) return;
    try {
      keeper.write(calls);
      kept += calls.size();
    } catch (Exception | OutOfMemoryError e) {
      notKept(calls.size(), "the database did not take them (" + e.getMessage() + ")");
    } finally {
      waitingBytes.addAndGet(-bytes);
      waiting.addAndGet(-calls.size());
    }
  }

  /** About how much of the heap a call holds: its bodies, when logged, and the rest. */
  private static long size(CallRecord call) {
    var bodies = call.bodies();
    if (bodies == null) return 512;
    return 512
        + 2L * (bodies.request() == null ? 0 : bodies.request().length())
        + 2L * (bodies.response() == null ? 0 : bodies.response().length());
  }

  /** Counts calls not kept; said once a minute. */
  private synchronized void notKept(long calls, String why) {
    notKept += calls;
    if (System.nanoTime() - lastNotKeptLine > PRUNE_INTERVAL_NANOS) {
      lastNotKeptLine = System.nanoTime();
      LOG.warn("{} call(s) not kept so far: {}", notKept, why);
    }
  }

  /**
   * Hands the writer's batch to the keeper thread, but for what does not fit in its backlog (the
   * database is slow): those calls are counted, not kept.
   */
  private void handOver(List<CallRecord> batch) {
    if (batch.isEmpty()) return;
    long room = backlogLimit - waiting.get();
    long bytesRoom = BACKLOG_BYTES - waitingBytes.get();
    int taken = 0;
    long bytes = 0;
    while (taken < batch.size() && taken < room) {
      long size = size(batch.get(taken));
      if (bytes + size > bytesRoom) break;
      bytes += size;
      taken++;
    }
    if (taken < batch.size()) {
      notKept(batch.size() - taken, "the database fell behind the calls");
    }
    if (taken == 0) return;
    waitingBytes.addAndGet(bytes);
    waiting.addAndGet(taken);
    toKeep.add(
        new Handed(taken == batch.size() ? batch : List.copyOf(batch.subList(0, taken)), bytes));
  }

  /**
   * Writes the lines of every call recorded since the last flush; only the writer thread calls it.
   */
  private void flush() {
    long end = next.get();
    if (end == written) return;
    batch.setLength(0);
    handing = Math.min(end - written, ring.length());
    var handed = new ArrayList<CallRecord>((int) handing);
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
      handed.add(call);
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
    handOver(handed);
    handing = 0;
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

  /** Writes what is left, has it kept, and stops the writer and the keeper thread. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    LockSupport.unpark(writer);
    writer.join(5_000);
    writerDone = true;
    keeperThread.join(5_000);
  }
}
